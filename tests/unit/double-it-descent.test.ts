// Double descent: the noisy labels, the shape test and its verdict on planted curves, one live run on
// cpu, and the shipped file against what its own runs give.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { useCpu, smallMnist } from './setup';
import { TestSet } from '../../src/lib/ml/test-set';
import {
	DESCENT,
	DESCENT_DELTA,
	type DescentCurve,
	type DescentResult,
	descentCurves,
	descentPlan,
	descentShape,
	descentVerdict,
	noisyLabels,
	runDescent
} from '../../src/lib/ml/experiments/double-it-descent';

beforeAll(useCpu);

describe('noisy labels', () => {
	it('replace about the stated share, always by a different digit, the same ones every time', () => {
		const labels = Uint8Array.from({ length: 5000 }, (_, i) => i % 10);
		const a = noisyLabels(labels, 5000);
		expect(Array.from(a)).toEqual(Array.from(noisyLabels(labels, 5000)));
		let changed = 0;
		for (let i = 0; i < 5000; i++) {
			expect(a[i]).toBeLessThan(10);
			if (a[i] !== labels[i]) changed++;
		}
		expect(changed / 5000).toBeGreaterThan(DESCENT.noise - 0.02);
		expect(changed / 5000).toBeLessThan(DESCENT.noise + 0.02);
		// the first 1,000 of 2,000 noisy labels are the 1,000-digit set's: more data adds digits, not new noise
		expect(Array.from(noisyLabels(labels, 2000).subarray(0, 1000))).toEqual(Array.from(noisyLabels(labels, 1000)));
		expect(Array.from(noisyLabels(labels, 100, 0))).toEqual(Array.from(labels.subarray(0, 100)));
	});
});

const curve = (nTrain: number, pts: [number, number, number][]): DescentCurve => ({
	nTrain,
	points: pts.map(([width, trainAccuracy, testLoss]) => ({ width, seeds: 1, trainAccuracy, testLoss, testAccuracy: 0.7 }))
});

describe('the double-descent test', () => {
	const small = curve(1000, [
		[4, 0.6, 1.9],
		[8, 0.9, 1.5],
		[16, 1, 1.95],
		[32, 1, 1.8],
		[64, 1, 1.4]
	]);
	const large = curve(2000, [
		[4, 0.5, 1.4],
		[8, 0.8, 1.0],
		[16, 0.95, 1.0],
		[32, 1, 1.4],
		[64, 1, 1.2]
	]);

	it('finds the fit width, the classical best, the peak near the fit width and the fall after it', () => {
		const s = descentShape(small);
		expect(s.fitWidth).toBe(16);
		expect(s.before).toEqual({ width: 8, loss: 1.5 });
		expect(s.peak).toEqual({ width: 16, loss: 1.95 });
		expect(s.after).toEqual({ width: 64, loss: 1.4 });
		expect(s.shown).toBe(true);
	});

	it('holds when both sizes rise and fall and the peak moves right with more data', () => {
		const v = descentVerdict([small, large]);
		expect(v.decided).toBe(true);
		expect(v.moved).toBe(true);
		expect(v.shown).toBe(true);
		expect(v.text).toMatch(/^Double descent in this run/);
	});

	it('fails for a curve that only falls, and when the peak does not move with the data', () => {
		const falling = curve(2000, [
			[4, 0.5, 1.4],
			[8, 0.8, 1.2],
			[16, 1, 1.15],
			[32, 1, 1.1],
			[64, 1, 1.0]
		]);
		expect(descentShape(falling).shown).toBe(false);
		expect(descentVerdict([small, falling]).shown).toBe(false);
		// same peak width at both sizes: a bump of the widths, not the interpolation threshold
		const stuck = curve(2000, [
			[4, 0.5, 1.4],
			[8, 0.8, 1.0],
			[16, 1, 1.5],
			[32, 1, 1.3],
			[64, 1, 1.1]
		]);
		const v = descentVerdict([small, stuck]);
		expect(descentShape(stuck).shown).toBe(true);
		expect(v.moved).toBe(false);
		expect(v.shown).toBe(false);
		expect(v.text).toMatch(/did not move/);
		// a rise smaller than the margin does not count
		const flat = curve(1000, [
			[4, 0.6, 1.9],
			[8, 0.9, 1.5],
			[16, 1, 1.5 + DESCENT_DELTA / 2],
			[64, 1, 1.4]
		]);
		expect(descentShape(flat).shown).toBe(false);
	});

	it('is undecided until both sizes have a peak with a wider width after it', () => {
		expect(descentVerdict([curve(1000, [[4, 0.5, 2]])]).decided).toBe(false);
		expect(descentVerdict([small]).text).toMatch(/^Not decided yet/);
	});
});

describe('a live run (cpu)', () => {
	it('trains each net on its noisy labels, scores the fit and the test digits, and can stop', async () => {
		const before = tf.memory().numTensors;
		const data = smallMnist(300, 100);
		const test = new TestSet(data);
		const plan = descentPlan([200], [2], [1]);
		const got: DescentResult[] = [];
		let progress = 0;
		const r = await runDescent(plan, data, test, { onResult: (x) => void got.push(x), onProgress: (f) => void (progress = f) });
		expect(r.stopped).toBe(false);
		expect(got).toHaveLength(1);
		expect(got[0]).toMatchObject({ nTrain: 200, width: 2, seed: 1, nonFinite: false });
		expect(got[0].trainAccuracy).toBeGreaterThan(0.2);
		expect(got[0].testLoss).toBeGreaterThan(0);
		expect(progress).toBeCloseTo(1, 6);
		// stopped before the first chunk: nothing reported, nothing leaked
		const stopped = await runDescent(descentPlan([200], [4], [1]), data, test, { shouldStop: () => true, onResult: () => expect.unreachable() });
		expect(stopped.stopped).toBe(true);
		test.dispose();
		expect(tf.memory().numTensors).toBe(before);
	}, 120_000);
});

describe('the shipped study (static/checkpoints/double-it/descent.json)', () => {
	const file = JSON.parse(readFileSync('static/checkpoints/double-it/descent.json', 'utf8'));
	it('has every run of its plan, and its verdict is what those runs give', () => {
		expect(file.createdBy).toBe('scripts/make-double-it-descent.ts');
		expect(file.settings).toEqual(DESCENT);
		const plan = descentPlan(file.sizes, file.widths, file.seeds);
		expect(new Set(file.results.map((r: DescentResult) => r.id))).toEqual(new Set(plan.map((r) => r.id)));
		const v = descentVerdict(descentCurves(file.results, file.seeds));
		expect(file.verdict.shown).toBe(v.shown);
		expect(file.verdict.text).toBe(v.text);
	});

	it('says what the essay says of it', () => {
		const curves = descentCurves(file.results, file.seeds);
		const v = descentVerdict(curves);
		const [small, large] = v.shapes;
		const loss = (n: number, w: number) => curves.find((c) => c.nTrain === n)!.points.find((p) => p.width === w)!;
		// "double descent … the peak moves with the training-set size"
		expect(v.shown).toBe(true);
		expect(large.fitWidth!).toBeGreaterThan(small.fitWidth!);
		expect(large.peak!.width).toBeGreaterThan(small.peak!.width);
		// "rises … right where the nets start to fit every one of their labels" (1,000 digits)
		expect(small.peak!.width).toBe(small.fitWidth);
		// "falls from … at width 2 to … at the classical best"
		expect(loss(1000, 2).testLoss).toBeGreaterThan(small.before!.loss);
		// "test accuracy hardly shows it": no lower at the loss peak than at the classical best
		expect(loss(1000, small.peak!.width).testAccuracy).toBeGreaterThanOrEqual(loss(1000, small.before!.width).testAccuracy);
		// "training succeeds at every width", and "one or two more doublings carry the net past the bump"
		expect(file.results.some((r: DescentResult) => r.nonFinite)).toBe(false);
		for (const s of v.shapes) expect(loss(s.nTrain, s.peak!.width * 4).testLoss).toBeLessThan(s.peak!.loss);
	});
});
