// Credit assignment: the ES estimator (unbiased, antithetic, its cosine with the true gradient),
// batched population evaluation, exact compute accounting, determinism, tensor hygiene.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useCpu, smallMnist } from './setup';
import { TrainingData } from '../../src/lib/ml/trainer';
import { initParams } from '../../src/lib/ml/model';
import {
	COST,
	EvolutionStrategy,
	GeneticAlgorithm,
	centeredRanks,
	cosine,
	estimateFromSeeds,
	logLogFit,
	measureCosine,
	mlpConfig,
	mlpParamCount,
	pairCoefficients,
	pairNoise,
	populationLosses,
	populationLossesLoop,
	theoryCosine
} from '../../src/lib/ml/es';

beforeAll(useCpu);

/** f(θ) = ½ Σ a_j θ_j² + b·θ + c, and its gradient. */
function quadratic(d: number, seed: number) {
	const a = Array.from({ length: d }, (_, j) => 0.5 + (j % 5));
	const b = pairNoise(seed, 99, 0, d);
	const theta = pairNoise(seed, 98, 0, d);
	const f = (t: ArrayLike<number>, c = 0) => {
		let s = c;
		for (let j = 0; j < d; j++) s += 0.5 * a[j] * t[j] * t[j] + b[j] * t[j];
		return s;
	};
	const grad = Float64Array.from({ length: d }, (_, j) => a[j] * theta[j] + b[j]);
	return { f, grad, theta };
}

/** Raw antithetic ES estimate of ∇f at θ from N pairs of generation `gen`. */
function esOnQuadratic(q: ReturnType<typeof quadratic>, d: number, N: number, sigma: number, seed: number, gen: number, c = 0) {
	const plus: number[] = [];
	const minus: number[] = [];
	for (let i = 0; i < N; i++) {
		const e = pairNoise(seed, gen, i, d);
		plus.push(q.f(q.theta.map((t, j) => t + sigma * e[j]), c));
		minus.push(q.f(q.theta.map((t, j) => t - sigma * e[j]), c));
	}
	const coef = pairCoefficients(plus, minus, sigma, 'raw');
	return estimateFromSeeds(coef, (i) => pairNoise(seed, gen, i, d), d);
}

describe('the ES estimator', () => {
	it('is unbiased on a quadratic: the mean of many estimates is the true gradient', () => {
		const d = 20;
		const q = quadratic(d, 1);
		const M = 20000;
		const mean = new Float64Array(d);
		for (let g = 0; g < M; g++) {
			const e = esOnQuadratic(q, d, 1, 0.1, 3, g);
			for (let j = 0; j < d; j++) mean[j] += e[j] / M;
		}
		let err = 0,
			norm = 0;
		for (let j = 0; j < d; j++) {
			err += (mean[j] - q.grad[j]) ** 2;
			norm += q.grad[j] ** 2;
		}
		// expected relative error ≈ √((d+1)/M) ≈ 0.03
		expect(Math.sqrt(err / norm)).toBeLessThan(0.08);
		expect(cosine(mean, q.grad)).toBeGreaterThan(0.99);
	});

	it('antithetic pairs cancel the constant and the curvature: on a quadratic each pair gives exactly (ε·∇f)ε', () => {
		const d = 30;
		const q = quadratic(d, 2);
		const small = esOnQuadratic(q, d, 4, 1e-3, 5, 0);
		// a huge σ and an added constant change nothing for antithetic pairs (they would for one-sided ones)
		const big = esOnQuadratic(q, d, 4, 3, 5, 0, 1000);
		const exact = estimateFromSeeds(
			Array.from({ length: 4 }, (_, i) => {
				const e = pairNoise(5, 0, i, d);
				return e.reduce((s, v, j) => s + v * q.grad[j], 0);
			}),
			(i) => pairNoise(5, 0, i, d),
			d
		);
		for (let j = 0; j < d; j++) {
			expect(small[j]).toBeCloseTo(exact[j], 1);
			expect(big[j]).toBeCloseTo(exact[j], 1);
		}
		// ranks are invariant to adding a constant, too
		const r1 = centeredRanks([3, 1, 2, 2]);
		expect(Array.from(r1)).toEqual(Array.from(centeredRanks([1003, 1001, 1002, 1002])));
		expect(Array.from(r1)).toEqual([0.5, -0.5, 0, 0]);
	});

	it('cosine with the true gradient falls as d grows at fixed N, as √(N/(N+d))', () => {
		const N = 10;
		const cos: number[] = [];
		for (const d of [10, 100, 1000, 5000]) {
			const q = quadratic(d, 3);
			let c = 0;
			const reps = 4;
			for (let r = 0; r < reps; r++) c += cosine(esOnQuadratic(q, d, N, 0.01, 7, r), q.grad) / reps;
			cos.push(c);
			expect(Math.abs(c - theoryCosine(N, d))).toBeLessThan(0.15);
		}
		for (let i = 1; i < cos.length; i++) expect(cos[i]).toBeLessThan(cos[i - 1]);
	});

	it('on the MLP: useless parameters lower the cosine, the useful part does not change', async () => {
		const data = new TrainingData(smallMnist(256, 1));
		try {
			const base = { width: 4, seed: 1, pairs: [4, 32], sigma: 0.01, batchSize: 64 };
			const a = await measureCosine({ ...base, useless: 0, units: [0] }, data);
			const b = await measureCosine({ ...base, useless: 30000 }, data);
			expect(a.d).toBe(mlpParamCount(4));
			const [a4, a32] = a.points;
			const [, b32] = b.points;
			expect(a32.cosine).toBeGreaterThan(a4.cosine);
			expect(b32.cosine).toBeLessThan(a32.cosine * 0.6);
			expect(b32.cosineUseful).toBeCloseTo(a32.cosineUseful, 5);
			expect(Math.abs(a32.cosine - a32.theory)).toBeLessThan(0.1);
			expect(a.pictures[0].truth).toHaveLength(784);
			expect(a.compute).toBe(64);
		} finally {
			data.dispose();
		}
	});
});

describe('population evaluation', () => {
	it('the batched (widened) form gives the loop’s losses', () => {
		const data = new TrainingData(smallMnist(64, 1));
		const w = 5;
		const d = mlpParamCount(w);
		const flat = new Float32Array(6 * d);
		for (let c = 0; c < 6; c++) flat.set(initParams(mlpConfig(w), c), c * d);
		const thetas = tf.tensor2d(flat, [6, d]);
		const [a, b] = [populationLosses(w, thetas, data.x, data.yOneHot), populationLossesLoop(w, thetas, data.x, data.yOneHot)];
		const [va, vb] = [a.dataSync(), b.dataSync()];
		for (let i = 0; i < 6; i++) expect(va[i]).toBeCloseTo(vb[i], 4);
		tf.dispose([a, b, thetas]);
		data.dispose();
	});
});

describe('training', () => {
	it('counts compute exactly (backprop 3, ES 2N, GA population)', async () => {
		const data = new TrainingData(smallMnist(128, 1));
		const es = new EvolutionStrategy({ width: 3, seed: 1, pairs: 5, sigma: 0.05, learningRate: 0.01, batchSize: 16 }, data);
		const ga = new GeneticAlgorithm({ width: 3, seed: 1, population: 6, sigma: 0.05, parents: 2, batchSize: 16 }, data);
		for (let i = 0; i < 3; i++) await es.step();
		for (let i = 0; i < 4; i++) await ga.step();
		expect(es.compute).toBe(30);
		expect(ga.compute).toBe(24);
		expect(COST.backpropStep * 7).toBe(21);
		expect(COST.esGeneration(20)).toBe(40);
		es.dispose();
		ga.dispose();
		data.dispose();
	});

	it('is deterministic for a seed, and ES lowers the loss', async () => {
		const data = new TrainingData(smallMnist(256, 1));
		const run = async (seed: number) => {
			const es = new EvolutionStrategy({ width: 4, seed, pairs: 8, sigma: 0.05, learningRate: 0.03, batchSize: 64 }, data);
			const first = (await es.step()).meanLoss;
			let last = first;
			for (let i = 0; i < 20; i++) last = (await es.step()).meanLoss;
			const p = es.params.dataSync().slice();
			es.dispose();
			return { p, first, last };
		};
		const [a, b, c] = [await run(1), await run(1), await run(2)];
		expect(Array.from(a.p)).toEqual(Array.from(b.p));
		expect(Array.from(a.p)).not.toEqual(Array.from(c.p));
		expect(a.last).toBeLessThan(a.first);
		data.dispose();
	});

	it('k useless parameters leave the ES trajectory of the real weights bit-identical (cpu)', async () => {
		const data = new TrainingData(smallMnist(256, 1));
		const run = async (useless: number) => {
			const es = new EvolutionStrategy({ width: 4, seed: 3, pairs: 6, sigma: 0.05, learningRate: 0.03, batchSize: 32, useless }, data);
			const losses: number[] = [];
			const trajectory: Float32Array[] = [];
			for (let i = 0; i < 25; i++) {
				losses.push((await es.step()).meanLoss);
				trajectory.push(es.params.dataSync().slice(0, es.d) as Float32Array);
			}
			const all = es.params.dataSync().slice();
			es.dispose();
			return { losses, trajectory, all };
		};
		const d = mlpParamCount(4);
		const [plain, padded] = [await run(0), await run(5000)];
		// ES did search over the useless parameters (they moved) …
		expect(padded.all).toHaveLength(d + 5000);
		expect(padded.all.subarray(d).some((v) => v !== 0)).toBe(true);
		// … and the real weights followed exactly the same path, step by step, as did every loss
		expect(padded.losses).toEqual(plain.losses);
		for (let i = 0; i < plain.trajectory.length; i++) expect(Array.from(padded.trajectory[i])).toEqual(Array.from(plain.trajectory[i]));
		data.dispose();
	});

	it('the race with useless parameters: ES’s second run matches the plain ES run point for point', async () => {
		const { runRace, EvalSet, DEFAULT_RACE } = await import('../../src/lib/ml/experiments/credit');
		const { TestSet } = await import('../../src/lib/ml/surgery');
		const mnist = smallMnist(300, 200);
		const data = new TrainingData(mnist);
		const test = new TestSet(mnist);
		const evalSet = new EvalSet(data, 100);
		const before = tf.memory().numTensors;
		const s = { ...DEFAULT_RACE, width: 4, pairs: 4, budget: 240, checkpoints: 3, batchSize: 32, useless: 20000 };
		const { curves } = await runRace(s, data, evalSet, test, { methods: ['sgd', 'es'] });
		expect(tf.memory().numTensors).toBe(before);
		expect(curves.esUseless).toHaveLength(curves.es.length);
		expect(curves.esUseless).toEqual(curves.es);
		expect(curves.es.at(-1)!.loss).toBeLessThan(curves.es[0].loss);
		// k = 0: no second run
		const none = await runRace({ ...s, useless: 0 }, data, evalSet, test, { methods: ['es'] });
		expect(none.curves.esUseless).toBeUndefined();
		evalSet.dispose();
		test.dispose();
		data.dispose();
	}, 60_000);

	it('leaks no tensors over 1,000 generations, nor once disposed', async () => {
		const data = new TrainingData(smallMnist(64, 1));
		// counted before construction and after dispose: what the constructors allocate must go too
		const before = tf.memory().numTensors;
		const es = new EvolutionStrategy({ width: 2, seed: 1, pairs: 2, sigma: 0.05, learningRate: 0.01, batchSize: 8 }, data);
		const ga = new GeneticAlgorithm({ width: 2, seed: 1, population: 4, sigma: 0.05, parents: 2, batchSize: 8 }, data);
		await es.step();
		await ga.step();
		const during = tf.memory().numTensors;
		for (let i = 0; i < 1000; i++) {
			await es.step();
			await ga.step();
		}
		expect(tf.memory().numTensors).toBe(during);
		es.dispose();
		ga.dispose();
		expect(tf.memory().numTensors).toBe(before);
		data.dispose();
	}, 60_000);

	it('fits a log-log slope', () => {
		const pts = [1e2, 1e3, 1e4].map((x) => ({ x, y: 3 * x ** -0.5 }));
		expect(logLogFit(pts).slope).toBeCloseTo(-0.5, 6);
	});
});

describe('the widget parameters', () => {
	it('clamps garbage with notes, and the defaults are the shipped settings', async () => {
		const { parseParams } = await import('../../src/lib/params/schema');
		const { creditSchema, raceSettingsFrom, sameRace } = await import('../../src/lib/widgets/credit/schema');
		const { DEFAULT_RACE } = await import('../../src/lib/ml/experiments/credit');
		const shipped = (await import('../../static/checkpoints/credit/results.json')).default as { settings: typeof DEFAULT_RACE };
		const r = parseParams(creditSchema, new URLSearchParams('pairs=99999&useless=-3&sigma=abc&width=1e9&raceuseless=-1'));
		expect(r.values.pairs).toBe(128);
		expect(r.values.useless).toBe(0);
		expect(r.values.raceuseless).toBe(0);
		expect(r.values.width).toBe(256);
		expect(r.notes.length).toBeGreaterThanOrEqual(4);
		const d = parseParams(creditSchema, new URLSearchParams(''));
		expect(sameRace(raceSettingsFrom(d.values), shipped.settings)).toBe(true);
	});
});
