// Stitching and permutation alignment: the symmetry the essay rests on, the assignment solver, the
// least-squares map, the trained stitch, tensor hygiene, and the widget's URL parameters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useCpu, smallMnist } from './setup';
import { type NetConfig, disposeNet, forward, initParams, paramLayout, unpack } from '../../src/lib/ml/model';
import { linearAssignment, assignmentScore } from '../../src/lib/ml/assignment';
import {
	activationMatch,
	fitAffine,
	hiddenStates,
	lossBarrier,
	permuteHidden,
	solveSPD,
	stitchedLogits,
	trainStitch,
	weightMatch,
	weightObjective
} from '../../src/lib/ml/stitch';
import { analyse, DEFAULT_STITCH, StitchLab, randomBottomSeed, trainPair, type StitchSettings } from '../../src/lib/ml/experiments/stitching';
import { TrainingData } from '../../src/lib/ml/trainer';
import { TestSet } from '../../src/lib/ml/surgery';
import { makeRng, permutation } from '../../src/lib/ml/rng';
import { isValidValue, parseParams, toQuery } from '../../src/lib/params/schema';
import { stitchingSchema } from '../../src/lib/widgets/stitching/schema';

beforeAll(useCpu);

const cfg = (width: number): NetConfig => ({ depth: 2, width, residual: false });

function outputs(c: NetConfig, flat: Float32Array, x: tf.Tensor2D): Float32Array {
	return tf.tidy(() => forward(unpack(tf.tensor1d(flat), c), x).dataSync() as Float32Array);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
	let m = 0;
	for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
	return m;
}

function allPerms(n: number): number[][] {
	if (n === 0) return [[]];
	const out: number[][] = [];
	for (const p of allPerms(n - 1)) for (let i = 0; i <= p.length; i++) out.push([...p.slice(0, i), n - 1, ...p.slice(i)]);
	return out;
}

describe('linear assignment', () => {
	it('solves a small known case', () => {
		// the best total correlation pairs row 0↔col 2, 1↔0, 2↔1 (0.9 + 0.8 + 0.7), not the greedy diagonal
		const s = [0.5, 0.1, 0.9, 0.8, 0.6, 0.0, 0.2, 0.7, 0.6];
		expect(Array.from(linearAssignment(s, 3))).toEqual([2, 0, 1]);
		expect(assignmentScore(s, 3, [2, 0, 1])).toBeCloseTo(2.4, 10);
	});

	it('matches brute force on random matrices up to n = 6', () => {
		const rng = makeRng(5);
		for (let n = 1; n <= 6; n++) {
			const perms = allPerms(n);
			for (let trial = 0; trial < 40; trial++) {
				const s = Array.from({ length: n * n }, () => (trial % 3 === 0 ? Math.round(rng.normal() * 2) : rng.normal()));
				const best = Math.max(...perms.map((p) => assignmentScore(s, n, p)));
				const got = linearAssignment(s, n);
				expect(new Set(got).size).toBe(n);
				expect(assignmentScore(s, n, got)).toBeCloseTo(best, 9);
			}
		}
	});

	it('recovers a hidden permutation at n = 256 and rejects NaN', () => {
		const n = 256;
		const rng = makeRng(9);
		const p = permutation(n, rng);
		const s = new Float64Array(n * n);
		for (let i = 0; i < n * n; i++) s[i] = rng.normal() * 0.1;
		for (let i = 0; i < n; i++) s[i * n + p[i]] = 1;
		expect(Array.from(linearAssignment(s, n))).toEqual(Array.from(p));
		expect(() => linearAssignment([NaN], 1)).toThrow();
	});
});

describe('permutation symmetry', () => {
	it('permuting hidden units leaves the function unchanged', () => {
		const c = cfg(16);
		const flat = initParams(c, 3);
		const rng = makeRng(4);
		const perms = [0, 1, 2].map(() => permutation(16, rng));
		const permuted = permuteHidden(c, flat, perms);
		expect(maxAbsDiff(permuted, flat)).toBeGreaterThan(0.01);
		const x = tf.tidy(() => tf.div(tf.tensor2d(smallMnist(10, 20).testX, [20, 784]), 255)) as tf.Tensor2D;
		expect(maxAbsDiff(outputs(c, flat, x), outputs(c, permuted, x))).toBeLessThan(1e-5);
		x.dispose();
	});

	it('stitching a net to itself reproduces it at every cut', () => {
		const c = cfg(16);
		const x = tf.tidy(() => tf.div(tf.tensor2d(smallMnist(10, 30).testX, [30, 784]), 255)) as tf.Tensor2D;
		const flat = tf.tensor1d(initParams(c, 8));
		const net = unpack(flat, c);
		const ref = tf.tidy(() => forward(net, x).dataSync());
		for (const k of [1, 2, 3]) {
			const got = tf.tidy(() => stitchedLogits(net, net, k, x).dataSync());
			expect(maxAbsDiff(got, ref)).toBeLessThan(1e-5);
		}
		disposeNet(net);
		tf.dispose([flat, x]);
	});

	it('both matchings undo a known relabelling', async () => {
		const c = cfg(12);
		const pa = initParams(c, 11);
		const rng = makeRng(12);
		const perms = [0, 1, 2].map(() => permutation(12, rng));
		const pb = permuteHidden(c, pa, perms);
		const x = tf.tidy(() => tf.div(tf.tensor2d(smallMnist(400, 40).trainX.subarray(0, 400 * 784), [400, 784]), 255)) as tf.Tensor2D;
		const [fa, fb] = [tf.tensor1d(pa), tf.tensor1d(pb)];
		const [A, B] = [unpack(fa, c), unpack(fb, c)];
		// weight matching sees every unit: it must return exactly A's parameters
		const wm = await weightMatch(c, A, B, { seed: 1 });
		expect(maxAbsDiff(permuteHidden(c, pb, wm.perms), pa)).toBeLessThan(1e-6);
		expect(wm.sweeps).toBeLessThanOrEqual(4);
		// and its objective is then A's inner product with itself, the largest any relabelling can reach
		const self = pa.reduce((acc, v) => acc + v * v, 0);
		expect(wm.objective).toBeCloseTo(self, 3);
		expect(weightObjective(c, pa, pb, wm.perms)).toBeCloseTo(self, 3);
		// activation matching sees only what the digits excite: a unit that never fires correlates with
		// nothing, so any match for it is as good as another. Every live unit must find its copy.
		const act = await activationMatch(A, B, x);
		const spread = tf.tidy(() => hiddenStates(A, x).map((h) => Array.from(tf.moments(h, 0).variance.dataSync())));
		for (let l = 0; l < 3; l++) {
			const inverse = new Array<number>(12);
			perms[l].forEach((v, i) => (inverse[v] = i));
			for (let i = 0; i < 12; i++) if (spread[l][i] > 1e-8) expect(act.perms[l][i], `layer ${l + 1} unit ${i}`).toBe(inverse[i]);
		}
		expect(act.matched[0]).toBeGreaterThan(0.99);
		disposeNet(A);
		disposeNet(B);
		tf.dispose([fa, fb, x]);
	});
});

describe('weight matching', () => {
	it('never lowers its objective in a coordinate step, and keeps the best restart', async () => {
		// two unrelated nets: the descent has work to do and local optima to stop in
		const c = cfg(24);
		const [pa, pb] = [initParams(c, 31), initParams(c, 32)];
		const [fa, fb] = [tf.tensor1d(pa), tf.tensor1d(pb)];
		const [A, B] = [unpack(fa, c), unpack(fb, c)];
		const steps: number[][] = [];
		const wm = await weightMatch(c, A, B, { seed: 3, restarts: 4, onStep: (r, _l, obj) => (steps[r] ??= []).push(obj) });
		const identity = Array.from({ length: 3 }, () => Int32Array.from({ length: 24 }, (_, i) => i));
		expect(steps.length).toBe(4);
		for (const [r, trace] of steps.entries()) {
			for (let i = 1; i < trace.length; i++) expect(trace[i], `restart ${r} step ${i}`).toBeGreaterThanOrEqual(trace[i - 1] - 1e-4);
			expect(trace.at(-1)).toBeCloseTo(wm.objectives[r], 6);
		}
		// restart 0 starts from the identity, so it ends at least as high as the unaligned nets
		expect(wm.objectives[0]).toBeGreaterThanOrEqual(weightObjective(c, pa, pb, identity) - 1e-4);
		expect(wm.objectives[0]).toBeGreaterThan(weightObjective(c, pa, pb, identity) + 0.1);
		expect(wm.objective).toBe(Math.max(...wm.objectives));
		expect(wm.restarts).toBe(4);
		expect(weightObjective(c, pa, pb, wm.perms)).toBeCloseTo(wm.objective, 6);
		disposeNet(A);
		disposeNet(B);
		tf.dispose([fa, fb]);
	});

	it('recovers a known relabelling of a wider net exactly, from every restart', async () => {
		const c = cfg(64);
		const pa = initParams(c, 41);
		const rng = makeRng(42);
		const perms = [0, 1, 2].map(() => permutation(64, rng));
		const pb = permuteHidden(c, pa, perms);
		const [fa, fb] = [tf.tensor1d(pa), tf.tensor1d(pb)];
		const [A, B] = [unpack(fa, c), unpack(fb, c)];
		const wm = await weightMatch(c, A, B, { seed: 5, restarts: 3 });
		const self = pa.reduce((acc, v) => acc + v * v, 0);
		for (const o of wm.objectives) expect(o).toBeCloseTo(self, 2);
		for (let l = 0; l < 3; l++) {
			const inverse = new Array<number>(64);
			perms[l].forEach((v, i) => (inverse[v] = i));
			expect(Array.from(wm.perms[l]), `layer ${l + 1}`).toEqual(inverse);
		}
		disposeNet(A);
		disposeNet(B);
		tf.dispose([fa, fb]);
	});
});

describe('least squares', () => {
	it('solves an SPD system in Float64', () => {
		const A = Float64Array.from([4, 1, 1, 3]);
		const X = solveSPD(A, 2, Float64Array.from([1, 2]), 1);
		expect(4 * X[0] + X[1]).toBeCloseTo(1, 12);
		expect(X[0] + 3 * X[1]).toBeCloseTo(2, 12);
	});

	it('recovers a known affine map', async () => {
		const n = 400;
		const w = 6;
		const rng = makeRng(21);
		const a = Float32Array.from({ length: n * w }, () => rng.normal());
		const M = Float32Array.from({ length: w * w }, () => rng.normal());
		const c = Float32Array.from({ length: w }, () => rng.normal());
		const aT = tf.tensor2d(a, [n, w]);
		const bT = tf.tidy(() => tf.add(tf.matMul(aT, tf.tensor2d(M, [w, w])), tf.tensor1d(c)) as tf.Tensor2D);
		const fit = await fitAffine(aT, bT, 1e-9);
		expect(maxAbsDiff(fit.M, M)).toBeLessThan(1e-3);
		expect(maxAbsDiff(fit.c, c)).toBeLessThan(1e-3);
		tf.dispose([aT, bT]);
	});
});

describe('least squares from one input into several targets', () => {
	it('shares the input’s Gram matrix and gives the same maps, bit for bit, as separate fits', async () => {
		const rng = makeRng(5);
		const n = 60;
		const a = tf.tensor2d(Float32Array.from({ length: n * 7 }, () => rng.normal()), [n, 7]);
		const targets = [3, 5].map((m) => tf.tensor2d(Float32Array.from({ length: n * m }, () => rng.normal()), [n, m]));
		const shared: { gram?: Float32Array } = {};
		for (const b of targets) {
			const alone = await fitAffine(a, b);
			const withShared = await fitAffine(a, b, undefined, shared);
			expect(shared.gram).toHaveLength(49);
			expect(withShared.M).toEqual(alone.M);
			expect(withShared.c).toEqual(alone.c);
		}
		tf.dispose([a, ...targets]);
	});
});

describe('trained nets (small)', () => {
	const s: StitchSettings = { ...DEFAULT_STITCH, width: 24, steps: 120, stitchSteps: 20, statDigits: 500 };
	const data = smallMnist(1500, 300);
	let train: TrainingData;
	let test: TestSet;
	let nets: Awaited<ReturnType<typeof trainPair>>;
	beforeAll(async () => {
		train = new TrainingData(data);
		test = new TestSet(data);
		nets = await trainPair(s, train, test, { chunk: 60 });
	}, 60_000);
	afterAll(() => {
		train.dispose();
		test.dispose();
	});

	it('trains A and B, stitches them every way, and leaks no tensor', async () => {
		const { A, B } = nets;
		expect(A.testAccuracy).toBeGreaterThan(0.6);
		expect(B.testAccuracy).toBeGreaterThan(0.6);
		expect(A.params).not.toEqual(B.params);
		const before = tf.memory().numTensors;
		const { report, corr } = await analyse(A.config, A.params, B.params, train, test, s, { alphas: [0, 0.5, 1] });
		expect(tf.memory().numTensors).toBe(before);
		expect(corr).toHaveLength(3);
		expect(corr[0]).toHaveLength(24 * 24);
		for (const m of Object.keys(report.acc) as (keyof typeof report.acc)[])
			for (const v of report.acc[m]) expect(v).toBeGreaterThanOrEqual(0);
		// alignment puts correlated units on the diagonal
		expect(report.align.meanCorr.activation[1]).toBeGreaterThan(report.align.meanCorr.diagonal[1]);
		// interpolation endpoints are A and B; the path stays defined
		const ip = report.interpolation!;
		expect(ip.naive.acc[0]).toBeCloseTo(report.accA, 6);
		expect(ip.weight.acc[2]).toBeCloseTo(report.accB, 6);
		expect(ip.naive.barrier).toBeGreaterThanOrEqual(0);
	});

	it('least squares from a net’s own bottom gives the net back; its controls are the same fit from other inputs', async () => {
		const { A, B } = nets;
		const own = new StitchLab(B.config, B.params, B.params, train, test, s.statDigits);
		try {
			const { accB } = await own.baseline();
			await own.align(s.seedA);
			const gf = await own.gradientFree(randomBottomSeed(s.seedA));
			for (const i of [0, 1, 2]) {
				expect(gf.acc.naive[i]).toBe(accB);
				expect(Math.abs(gf.acc.lstsq[i] - accB)).toBeLessThanOrEqual(0.01);
				// a linear read-out of the pixels or of an untrained net is a real stitch, well above chance
				expect(gf.acc.lstsqPixels[i]).toBeGreaterThan(0.3);
				expect(gf.acc.lstsqRandom[i]).toBeGreaterThan(0.3);
			}
		} finally {
			own.dispose();
		}
		// with A replaced by the very untrained net the control uses, "from A" and "from a random bottom" coincide
		const untrained = new StitchLab(A.config, initParams(A.config, randomBottomSeed(s.seedA)), B.params, train, test, s.statDigits);
		try {
			await untrained.align(s.seedA);
			const gf = await untrained.gradientFree(randomBottomSeed(s.seedA));
			expect(gf.acc.lstsqRandom).toEqual(gf.acc.lstsq);
		} finally {
			untrained.dispose();
		}
	});

	it('affine stitch training lowers the loss', async () => {
		const { A, B } = nets;
		const [fa, fb] = [tf.tensor1d(A.params), tf.tensor1d(B.params)];
		const [nA, nB] = [unpack(fa, A.config), unpack(fb, B.config)];
		const before = tf.memory().numTensors;
		const res = await trainStitch(nA, nB, 2, train, { steps: 60, learningRate: 1e-3, batchSize: 64, seed: 1, readEvery: 10 });
		expect(tf.memory().numTensors).toBe(before);
		expect(res.losses).toHaveLength(6);
		expect(res.losses.at(-1)![1]).toBeLessThan(res.losses[0][1] * 0.8);
		disposeNet(nA);
		disposeNet(nB);
		tf.dispose([fa, fb]);
	});
});

describe('barrier', () => {
	it('measures the bump above the straight line', () => {
		expect(lossBarrier([0, 0.5, 1], [1, 3, 2])).toBeCloseTo(1.5, 12);
		expect(lossBarrier([0, 0.5, 1], [1, 1, 1])).toBe(0);
	});
	// the verdict's own tests: stitching-verdict.test.ts
});

describe('widget params', () => {
	it('turns 10,000 random and garbage query strings into valid values without throwing', () => {
		const rng = makeRng(77);
		const keys = [...stitchingSchema.map((s) => s.name), '__proto__', 'x', '', 'CUT'];
		const atoms = ['', 'NaN', '1e309', '-0', '0x10', 'Infinity', '1_000', '.5', ' 7 ', '<script>', '%', '%ZZ', '\u0000', '\ud800', '💥', 'trained', 'random', 'weight', '3', '0', '-1', '9999', '512', '4', ',', '&', '='];
		const rand = (n: number) => Math.floor(rng.next() * n);
		const randomText = (n: number) => Array.from({ length: n }, () => String.fromCodePoint(rand(0x10000) & ~0x800)).join('');
		const enc = (v: string) => encodeURIComponent(v.replace(/[\ud800-\udfff]/g, '\ufffd'));
		for (let i = 0; i < 10_000; i++) {
			const parts: string[] = [];
			for (let j = 0; j < rand(10); j++) {
				const k = keys[rand(keys.length)];
				const v = rand(3) === 0 ? randomText(rand(12)) : rand(2) ? atoms[rand(atoms.length)] : String(rand(20000) - 5000);
				parts.push(rand(2) ? `${k}=${v}` : `${enc(k)}=${enc(v)}`);
			}
			const q = rand(10) === 0 ? randomText(rand(80)) : parts.join('&');
			const { values, notes } = parseParams(stitchingSchema, new URLSearchParams(q));
			for (const spec of stitchingSchema) expect(isValidValue(spec, (values as Record<string, unknown>)[spec.name])).toBe(true);
			expect(notes.length).toBeLessThanOrEqual(12);
			const again = parseParams(stitchingSchema, new URLSearchParams(toQuery(stitchingSchema, values)));
			expect(again.values).toEqual(values);
		}
	});
});
