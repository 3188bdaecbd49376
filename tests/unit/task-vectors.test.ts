// Task-vector arithmetic: exact where it must be, the batched λ-grid equal to per-model evaluation, the
// domain transforms right, nothing leaked, and the widget's params schema unbreakable. Small subsets of
// the digits and a few training steps keep the file fast on the tfjs cpu backend.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useCpu, smallMnist } from './setup';
import { DOMAINS, type Domain, mixedDigits, sliceDigits, stackDomains, transformImages, taskSplit } from '../../src/lib/ml/domains';
import { forward, initParams, unpack } from '../../src/lib/ml/model';
import { MergeEvaluator, TV_NET, combine, cosine, lambdaRange, naiveAccuracies, norm, randomLike, taskVector } from '../../src/lib/ml/task-vectors';
import {
	DEFAULT_SETTINGS,
	bestLambda,
	curveCoeffs,
	curvesFrom,
	domainEvalSet,
	directions,
	fineTune,
	genericTrain,
	gridCoeffs,
	gridFrom,
	linearProbe,
	measureVerdict,
	otherTask,
	trainBase,
	vectorsFor,
	verdict
} from '../../src/lib/ml/experiments/task-vectors';
import { parseParams, toQuery, isValidValue } from '../../src/lib/params/schema';
import { distinctTasks, taskVectorSchema } from '../../src/lib/widgets/task-vectors/schema';

beforeAll(useCpu);

const IMG = 784;
const one = (i: number) => {
	const a = new Uint8Array(IMG);
	for (let k = 0; k < IMG; k++) a[k] = (k * 37 + i * 11) % 256;
	return a;
};

describe('domain transforms', () => {
	it('rot90 four times, flip twice and invert twice are the identity; each once is not', () => {
		const x = smallMnist(4, 1).trainX;
		const apply = (d: Domain, times: number) => {
			let y = x;
			for (let t = 0; t < times; t++) y = transformImages(y, d);
			return y;
		};
		expect(apply('rot90', 4)).toEqual(x);
		expect(apply('flipped', 2)).toEqual(x);
		expect(apply('inverted', 2)).toEqual(x);
		expect(apply('upright', 1)).toEqual(x);
		for (const d of ['rot90', 'flipped', 'inverted'] as const) expect(apply(d, 1)).not.toEqual(x);
	});

	it('moves pixels where it should', () => {
		const img = new Uint8Array(IMG);
		img[0 * 28 + 27] = 200; // top-right corner
		expect(transformImages(img, 'rot90')[0]).toBe(200); // counter-clockwise: top-right → top-left
		expect(transformImages(img, 'flipped')[27 * 28 + 27]).toBe(200); // upside down: → bottom-right
		expect(transformImages(img, 'inverted')[1]).toBe(255);
		expect(transformImages(one(3), 'inverted')[5]).toBe(255 - one(3)[5]);
	});

	it('mixes domains with a seed and keeps labels; stacks domains in order', () => {
		const d = sliceDigits(smallMnist(200, 1).trainX, smallMnist(200, 1).trainY, 0, 200);
		const m1 = mixedDigits(d, DOMAINS, 7);
		expect(mixedDigits(d, DOMAINS, 7).x).toEqual(m1.x);
		expect(mixedDigits(d, DOMAINS, 8).x).not.toEqual(m1.x);
		expect(m1.y).toEqual(d.y);
		const s = stackDomains(sliceDigits(d.x, d.y, 0, 3));
		expect(s.n).toBe(12);
		expect(s.x.subarray(3 * IMG, 4 * IMG)).toEqual(transformImages(d.x.subarray(0, IMG), 'rot90'));
		const split = taskSplit(smallMnist(300, 20), 100);
		expect([split.train.n, split.holdout.n, split.test.n]).toEqual([200, 100, 20]);
	});
});

describe('task-vector arithmetic', () => {
	// two "fine-tunes" made by real training on a small subset, so weights cross zero as they do in practice
	const data = () => smallMnist(600, 60);
	const settings = { ...DEFAULT_SETTINGS, baseSteps: 6, ftSteps: 6, ftLr: 1e-2, batchSize: 32 };
	let base: Float32Array;
	let thetaA: Float32Array;
	let thetaB: Float32Array;
	let thetaG: Float32Array;
	let thetaO: Float32Array;

	beforeAll(async () => {
		const split = taskSplit(data(), 100);
		base = (await trainBase(split.train, 'generalist', settings)).params;
		thetaA = (await fineTune(base, split.train, 'rot90', settings)).params;
		thetaB = (await fineTune(base, split.train, 'inverted', settings)).params;
		thetaG = (await genericTrain(base, split.train, 'generalist', settings)).params;
		thetaO = (await fineTune(base, split.train, 'flipped', settings)).params;
	}, 90_000); // five short trainings: slow on a loaded machine

	it('the generic-training control: trained from θ0 on its own mix, rescaled to τA’s length, seeded', async () => {
		const v = vectorsFor(base, thetaA, thetaB, thetaG, 1);
		expect(norm(v.genericRaw)).toBeGreaterThan(0);
		expect(norm(v.generic)).toBeCloseTo(norm(v.tauA), 9);
		expect(cosine(v.generic, v.genericRaw)).toBeCloseTo(1, 9);
		// the same direction as neither fine-tune
		expect(cosine(v.generic, v.tauA)).toBeLessThan(0.99);
		const again = (await genericTrain(base, taskSplit(data(), 100).train, 'generalist', settings)).params;
		expect(again).toEqual(thetaG);
		// shuffled τA: τA's norm, another direction
		expect(norm(v.shuffled)).toBeCloseTo(norm(v.tauA), 9);
		expect(Math.abs(cosine(v.shuffled, v.tauA))).toBeLessThan(0.5);
	});

	it('the other-task control: the third task’s own vector, unscaled; θ0 + 1·τo scores exactly as that fine-tune', async () => {
		expect(otherTask('rot90', 'inverted')).toBe('flipped');
		expect(otherTask('flipped', 'rot90')).toBe('inverted');
		const v = vectorsFor(base, thetaA, thetaB, thetaG, 1, thetaO);
		expect(directions(v)).toHaveLength(6);
		expect(directions(v)[5]).toBe(v.other);
		expect(norm(v.other)).toBeCloseTo(norm(taskVector(thetaO, base)), 9);
		expect(cosine(v.other, v.tauA)).toBeLessThan(0.99);
		// without the third fine-tune the direction is zero, so its slider changes nothing
		expect(norm(vectorsFor(base, thetaA, thetaB, thetaG, 1).other)).toBe(0);
		const set = domainEvalSet(sliceDigits(data().testX, data().testY, 0, 30), 30);
		const merged = new MergeEvaluator(TV_NET, base, directions(v), set);
		const alone = new MergeEvaluator(TV_NET, thetaO, [], set);
		try {
			const viaSlider = (await merged.accuracies([[0, 0, 0, 0, 0, 1]])).acc[0];
			const own = (await alone.accuracies([[]])).acc[0];
			expect(viaSlider).toEqual(own);
			// and it is a different model from the base
			expect((await merged.accuracies([[0, 0, 0, 0, 0, 0]])).acc[0]).not.toEqual(own);
		} finally {
			merged.dispose();
			alone.dispose();
		}
	});

	it('θ0 + 1·τA reproduces θA bit for bit; λ = 0 gives θ0 exactly', () => {
		const tauA = taskVector(thetaA, base);
		const tauB = taskVector(thetaB, base);
		expect(norm(tauA)).toBeGreaterThan(0);
		const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
		expect(same(combine(base, [tauA], [1]), thetaA)).toBe(true);
		expect(same(combine(base, [tauA, tauB], [0, 1]), thetaB)).toBe(true);
		expect(same(combine(base, [tauA, tauB], [0, 0]), base)).toBe(true);
		// and in tfjs on cpu: θ0 + 1·float32(τA) computed as a tensor op
		const viaTf = tf.tidy(() => tf.add(tf.tensor1d(base), tf.mul(tf.tensor1d(Float32Array.from(tauA)), 1)).dataSync() as Float32Array);
		let diff = 0;
		for (let i = 0; i < viaTf.length; i++) diff = Math.max(diff, Math.abs(viaTf[i] - thetaA[i]));
		expect(diff).toBeLessThan(1e-7);
	});

	it('random control has the norm of τA and is nearly orthogonal to it', () => {
		const tauA = taskVector(thetaA, base);
		const r = randomLike(tauA, 3);
		expect(norm(r)).toBeCloseTo(norm(tauA), 6);
		expect(Math.abs(cosine(r, tauA))).toBeLessThan(0.05);
		expect(randomLike(tauA, 3)).toEqual(r);
	});

	it('the batched λ-grid equals per-model evaluation (logits within 1e-4, accuracies equal), in both layer-2 forms', async () => {
		const v = vectorsFor(base, thetaA, thetaB, thetaG, 1);
		const set = domainEvalSet(sliceDigits(data().testX, data().testY, 0, 30), 30);
		const coeffs = [[0, 0, 0, 0, 0], [1, 0, 0, 0, 0], [1, 1, 0, 0, 0], [-1.5, 0.5, 0.25, 0.5, 0], [2, -2, 1, 0, 1], [0, 0, 0, 1, 0]];
		const before = tf.memory().numTensors;
		const ev = new MergeEvaluator(TV_NET, base, directions(v), set, 'split');
		const x = tf.tidy(() => tf.div(tf.tensor2d(set.x, [set.n, IMG], 'int32'), 255) as tf.Tensor2D);
		for (const mode of ['split', 'wide'] as const) {
			ev.mode = mode;
			ev.maxRows = 2 * set.n; // several models per chunk in 'wide'
			const batched = await ev.logits(coeffs);
			coeffs.forEach((c, m) => {
				const flat = combine(base, directions(v), c);
				const ref = tf.tidy(() => forward(unpack(tf.tensor1d(flat), TV_NET), x).dataSync());
				let diff = 0;
				// within 1e-4, relative to the logit's size once it exceeds 1 (float32 sums in another order)
				for (let i = 0; i < ref.length; i++) diff = Math.max(diff, Math.abs(ref[i] - batched[m][i]) / Math.max(1, Math.abs(ref[i])));
				expect(diff, `${mode}, model ${m}`).toBeLessThan(1e-4);
			});
			const { acc } = await ev.accuracies(coeffs);
			const naive = await naiveAccuracies(TV_NET, base, directions(v), coeffs, set);
			expect(acc).toEqual(naive);
			// per-digit correctness agrees with the accuracies
			const ok = await ev.correct(coeffs);
			ok.forEach((row, m) => expect(DOMAINS.map((_, g) => row.subarray(g * 30, (g + 1) * 30).reduce((a, b) => a + b, 0) / 30)).toEqual(acc[m]));
		}
		x.dispose();
		ev.dispose();
		expect(tf.memory().numTensors).toBe(before);
	});

	it('curves, grid, best λ and verdict fit together; nothing leaks', async () => {
		const before = tf.memory().numTensors;
		const v = vectorsFor(base, thetaA, thetaB, thetaG, 1);
		const set = domainEvalSet(sliceDigits(data().testX, data().testY, 0, 20), 20);
		const ev = new MergeEvaluator(TV_NET, base, directions(v), set);
		const L = lambdaRange(-2, 2, 5);
		expect(L).toEqual([-2, -1, 0, 1, 2]);
		const curves = curvesFrom(L, (await ev.accuracies(curveCoeffs(L))).acc);
		expect(curves.sum).toHaveLength(5);
		// λ = 0 is the base on every curve
		expect(curves.a[2]).toEqual(curves.sum[2]);
		expect(curves.random[2]).toEqual(curves.sum[2]);
		expect(curves.generic[2]).toEqual(curves.sum[2]);
		expect(curves.shuffled[2]).toEqual(curves.sum[2]);
		const grid = gridFrom(L, (await ev.accuracies(gridCoeffs(L))).acc);
		expect(grid.acc[3][3]).toEqual(curves.sum[3]); // (1, 1) on the grid is λ = 1 on the sum curve
		expect(grid.acc[3][2]).toEqual(curves.a[3]);
		expect(L).toContain(bestLambda(curves, 'rot90', 'inverted'));
		// the verdict's measurements: λ per direction from the held-out evaluator, scored on the test one
		const hold = new MergeEvaluator(TV_NET, base, directions(v), domainEvalSet(sliceDigits(data().trainX, data().trainY, 0, 20), 20));
		const data_ = await measureVerdict(hold, ev, 'rot90', 'inverted');
		hold.dispose();
		expect(data_.digits).toBe(20);
		expect(data_.vs.generic.n).toBe(40);
		expect(data_.lambdas.neg).toBeLessThan(0);
		const rows = (await ev.accuracies([[data_.lambdas.merge, data_.lambdas.merge], [0, 0, 0, data_.lambdas.generic]])).acc;
		expect(DOMAINS.map((d) => data_.acc.merge[d])).toEqual(rows[0]);
		expect(DOMAINS.map((d) => data_.acc.generic[d])).toEqual(rows[1]);
		const vd = verdict(data_, 'rot90', 'inverted');
		expect(typeof vd.shown).toBe('boolean');
		expect(vd.text.length).toBeGreaterThan(20);
		const { predictions } = await ev.accuracies([[1, 1, 0]], [0, 20, 40, 60]);
		expect(predictions).toHaveLength(4);
		ev.dispose();
		const probe = await linearProbe(base, sliceDigits(data().trainX, data().trainY, 0, 200), sliceDigits(data().testX, data().testY, 0, 30), 'rot90', {
			...settings,
			ftSteps: 5
		});
		expect(probe).toBeGreaterThanOrEqual(0);
		expect(probe).toBeLessThanOrEqual(1);
		expect(tf.memory().numTensors).toBe(before);
	});

	it('initParams is the generalist base init (same seed, same start)', () => {
		expect(initParams(TV_NET, 1)).toEqual(initParams(TV_NET, 1));
	});
});

describe('widget params', () => {
	it('survives 10,000 random and hostile query strings with valid values', () => {
		let s = 12345;
		const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
		const atoms = ['', 'NaN', '1e309', '-0', '0x10', 'Infinity', '<script>', '%00', '💥', 'rot90', 'inverted', 'flipped', 'upright', 'narrow', 'generalist', '-2.5', '2', '0.35', '\u202e', 'x'.repeat(3000)];
		const keys = [...taskVectorSchema.map((p) => p.name), '__proto__', 'backend', 'A', ''];
		for (let i = 0; i < 10_000; i++) {
			const parts: string[] = [];
			const n = Math.floor(rnd() * 8);
			for (let j = 0; j < n; j++) {
				const k = keys[Math.floor(rnd() * keys.length)];
				const v = rnd() < 0.5 ? atoms[Math.floor(rnd() * atoms.length)] : String((rnd() - 0.5) * 10 ** Math.floor(rnd() * 12));
				parts.push(rnd() < 0.3 ? `${k}=${v}` : `${encodeURIComponent(k)}=${encodeURIComponent(v.replace(/[\ud800-\udfff]/g, ''))}`);
			}
			let res!: ReturnType<typeof parseParams<typeof taskVectorSchema>>;
			expect(() => (res = parseParams(taskVectorSchema, new URLSearchParams(parts.join('&'))))).not.toThrow();
			for (const spec of taskVectorSchema) expect(isValidValue(spec, (res.values as Record<string, unknown>)[spec.name])).toBe(true);
			const t = distinctTasks(res.values.a, res.values.b);
			expect(t.a).not.toBe(t.b);
			// what we write back parses to the same values
			expect(parseParams(taskVectorSchema, new URLSearchParams(toQuery(taskVectorSchema, res.values))).values).toEqual(res.values);
		}
	});

	it('restores λ values and tasks from a link', () => {
		const { values, notes } = parseParams(taskVectorSchema, new URLSearchParams('a=flipped&b=rot90&la=0.35&lb=-1.2&lr=0.5'));
		expect(notes).toEqual([]);
		expect([values.a, values.b, values.la, values.lb, values.lr]).toEqual(['flipped', 'rot90', 0.35, -1.2, 0.5]);
		expect(parseParams(taskVectorSchema, new URLSearchParams('la=9')).values.la).toBe(2);
	});
});
