// Credit assignment, the falsifier that can fail and the fair tuning: compute to a target accuracy
// (brackets, lower-bound ratios, "> budget"), the race's verdict on it, the study's own check, the
// coordinate search that only stops at interior optima, and the curvature (effective dimension).
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useCpu, smallMnist } from './setup';
import { maxPairs } from '../../src/lib/ml/es-theory';
import { TARGET_WIDTHS } from '../../src/lib/ml/experiments/credit-defaults';
import { computeRatio, computeToTarget, coordinateSearch, studyVerdict, targetTable, verdict, type RaceCurves, type RacePoint, type TargetStudy } from '../../src/lib/ml/experiments/credit-analysis';

const at = (compute: number, accuracy: number): RacePoint => ({ compute, loss: 1, accuracy });
/** accuracy rising linearly from 0.1 at 0 to `top` at `end`, measured every `every` */
const ramp = (top: number, end: number, every: number) => Array.from({ length: end / every + 1 }, (_, i) => at(i * every, 0.1 + ((top - 0.1) * i * every) / end));

describe('compute to a target accuracy', () => {
	it('brackets the first crossing by checkpoints, and says null when the target was never reached', () => {
		const c = [at(0, 0.1), at(100, 0.5), at(200, 0.79), at(300, 0.81), at(400, 0.95)];
		expect(computeToTarget(c, 0.8)).toEqual({ after: 200, at: 300 });
		expect(computeToTarget(c, 0.1)).toEqual({ after: 0, at: 0 });
		expect(computeToTarget(c, 0.96)).toBeNull();
	});
	it('the ratio is a lower bound: the other method’s last point below against backprop’s first at or above', () => {
		const sgd = [at(0, 0.1), at(300, 0.85)];
		expect(computeRatio(sgd, [at(0, 0.1), at(3000, 0.7), at(3300, 0.8)], 0.8)).toEqual({ ratio: 10, reached: true, at: 3300 });
		// never reached: more than the compute spent
		expect(computeRatio(sgd, [at(0, 0.1), at(6000, 0.7)], 0.8)).toEqual({ ratio: 20, reached: false, at: 6000 });
		// backprop did not get there: nothing to compare
		expect(computeRatio([at(0, 0.1), at(300, 0.5)], sgd, 0.8)).toBeNull();
	});
});

describe('the race verdict: compute to 80 %, and the useless-parameter rerun', () => {
	const race = (es: RacePoint[], ga: RacePoint[], padded?: RacePoint[]): RaceCurves => ({ sgd: ramp(0.95, 6000, 300), es, ga, ...(padded ? { esUseless: padded } : {}) });
	it('fails when ES reaches 80 % with less than 5× backprop’s compute', () => {
		// backprop: 0.1 + 0.85·c/6000 ≥ 0.8 first at c = 4,941 → checkpoint 5,100; ES at 6,000 (after 5,700): 1.1×
		const v = verdict(race(ramp(0.8, 6000, 300), ramp(0.5, 6000, 300)), true, 5, 0.01, 0);
		expect(v.shown).toBe(false);
		expect(v.text).toMatch(/^Not shown by this run: backprop reached .*ES within 6,000: less than 5× more compute, not far behind\.$/);
	});
	it('is shown when both need ≥ 5× (or never get there) and the rerun is identical', () => {
		const sgd = [at(0, 0.1), at(300, 0.9), at(6000, 0.95)];
		const es = [at(0, 0.1), at(3000, 0.79), at(3300, 0.81), at(6000, 0.85)];
		const ga = [at(0, 0.1), at(6000, 0.5)];
		const v = verdict({ sgd, es, ga, esUseless: es }, true, 5, 0.01, 100000);
		expect(v.shown).toBe(true);
		expect(v.text).toMatch(/^Shown by this run: backprop reached 95\.0\s% .*backprop reached 80\s% within 300 forward-pass equivalents; ES needed at least 10× as much, the GA not within 6,000 \(more than 20×\); ES with 100,000 useless parameters 85\.0\s%, exactly the same\.$/);
	});
	it('fails when the rerun ends more than a point away, and says so', () => {
		const sgd = [at(0, 0.1), at(300, 0.9)];
		const v = verdict({ sgd, es: [at(0, 0.1), at(6000, 0.78)], ga: [at(0, 0.1), at(6000, 0.5)], esUseless: [at(0, 0.1), at(6000, 0.75)] }, true, 5, 0.01, 100000);
		expect(v.shown).toBe(false);
		expect(v.text).toMatch(/3\.0\s% away from ES without them/);
	});
	it('does not decide when backprop never reaches the target, or the budget is too small to tell 5× apart', () => {
		const none = verdict({ sgd: [at(0, 0.1), at(300, 0.5)], es: [at(0, 0.1), at(300, 0.3)], ga: [at(0, 0.1), at(300, 0.2)] }, true);
		expect(none.shown).toBe(false);
		expect(none.text).toMatch(/backprop reached 50\.0\s% .*backprop has not reached 80\s% within the budget/);
		const small = verdict({ sgd: [at(0, 0.1), at(300, 0.85)], es: [at(0, 0.1), at(900, 0.5)], ga: [at(0, 0.1), at(900, 0.3)] }, true);
		expect(small.shown).toBe(false);
		expect(small.text).toMatch(/too small a budget/);
		// mid-race: not yet
		expect(verdict({ sgd: [at(0, 0.1), at(300, 0.85)], es: [at(0, 0.1), at(600, 0.5)], ga: [at(0, 0.1), at(600, 0.3)] }, false).text).toMatch(/^So far: .*ES not yet\.$/);
	});
});

describe('the compute-to-target study’s check', () => {
	const study = (esAt: (w: number) => number | null, gaReaches = false): TargetStudy => {
		const runs: TargetStudy['runs'] = [];
		for (const width of [8, 32, 128])
			for (const seed of [1, 2, 3]) {
				runs.push({ seed, width, method: 'sgd', budget: 6000, reached: [{ after: 90, at: 120 }, { after: 150, at: 180 }, null], curve: [at(0, 0.1), at(180, 0.85)] });
				const e = esAt(width);
				runs.push({ seed, width, method: 'es', budget: 15000, reached: [e === null ? null : { after: e - 100, at: e }, null, null], curve: [at(0, 0.1), at(15000, 0.75)] });
				runs.push({ seed, width, method: 'ga', budget: 15000, reached: [gaReaches ? { after: 400, at: 500 } : null, null, null], curve: [at(0, 0.1), at(15000, 0.5)] });
			}
		return { targets: [0.7, 0.8, 0.9], widths: [8, 32, 128], seeds: [1, 2, 3], budget: { sgd: 6000, es: 15000, ga: 15000 }, runs, curvature: [] };
	};
	it('holds when ES and the GA need ≥ 5× at 80 % and ES’s compute to 70 % does not grow like d', () => {
		const v = studyVerdict(study(() => 5000), 0.8);
		expect(v.ratioHolds).toBe(true);
		expect(v.lowest!.ratio).toBeCloseTo(15000 / 180, 6);
		expect(v.slope).toBeCloseTo(0, 6);
		expect(v.shown).toBe(true);
	});
	it('fails when ES’s compute to 70 % grows in proportion to d', () => {
		const v = studyVerdict(study((w) => 50 * w), 0.8);
		expect(v.slope).toBeGreaterThan(0.9);
		expect(v.dimHolds).toBe(false);
		expect(v.shown).toBe(false);
	});
	it('fails when a method reaches the target within 5× of backprop', () => {
		const v = studyVerdict(study(() => 5000), 0.7);
		// the GA reaches 70 % after 400 against backprop's 120: 3.3×
		const g = studyVerdict(study(() => 5000, true), 0.7);
		expect(v.ratioHolds).toBe(true);
		expect(g.ratioHolds).toBe(false);
		expect(g.refuted).toHaveLength(9);
		expect(g.lowest).toMatchObject({ method: 'ga', reached: true });
		expect(g.lowestBy.es).toMatchObject({ method: 'es' });
		expect(g.lowestBy.ga).toBe(g.lowest);
	});
	it('a method that never got there within a budget under 5× backprop’s compute leaves the cell undecided, not refuted', () => {
		const s = study(() => 5000);
		// backprop needs 2,000 at h = 8: the GA's 15,000 is only 7.5×, fine; make it 4,000 → 3.75×
		for (const r of s.runs) if (r.width === 8 && r.method === 'sgd') r.reached[1] = { after: 3500, at: 4000 };
		const v = studyVerdict(s, 0.8);
		expect(v.ratioHolds).toBe(true);
		expect(v.undecided.length).toBeGreaterThan(0);
		expect(v.undecided.every((u) => u.width === 8 && !u.reached)).toBe(true);
	});
	it('tabulates each seed, with null for "more than the budget"', () => {
		const t = targetTable(study((w) => (w === 8 ? null : 5000)));
		const es8 = t.find((r) => r.width === 8 && r.method === 'es')!;
		expect(es8.at[0]).toEqual([null, null, null]);
		expect(es8.budget).toBe(15000);
		expect(t.find((r) => r.width === 32 && r.method === 'es')!.at[0]).toEqual([5000, 5000, 5000]);
	});
});

describe('tuning: the coordinate search ends at interior optima', () => {
	const ladder = [1, 2, 3, 4, 5, 6, 7, 8, 9];
	it('walks from an edge-side start to the optimum and tries both its neighbours, along every axis', async () => {
		const calls: string[] = [];
		const f = async (s: { a: number; b: number }) => {
			calls.push(`${s.a},${s.b}`);
			return { accuracy: 1 - ((s.a - 6) ** 2 + (s.b - 3) ** 2) / 100, loss: 0 };
		};
		const { best, axes } = await coordinateSearch({ a: 1, b: 8 }, { a: ladder, b: ladder }, f);
		expect(best).toEqual({ a: 6, b: 3 });
		for (const ax of axes) {
			expect(ax.interior).toBe(true);
			expect(ax.tried).toContain(ax.best - 1);
			expect(ax.tried).toContain(ax.best + 1);
		}
		// each setting scored once
		expect(new Set(calls).size).toBe(calls.length);
	});
	it('reports a winner at the end of its ladder instead of calling it interior', async () => {
		const { best, axes } = await coordinateSearch({ a: 5 }, { a: ladder }, async (s) => ({ accuracy: s.a, loss: 0 }));
		expect(best.a).toBe(9);
		expect(axes[0]).toMatchObject({ atLadderEnd: true, interior: false });
	});
	it('breaks accuracy ties by the lower loss', async () => {
		const { best } = await coordinateSearch({ a: 5 }, { a: ladder }, async (s) => ({ accuracy: 0.5, loss: Math.abs(s.a - 4) }));
		expect(best.a).toBe(4);
	});
});

/** 400 training digits, a 100-digit eval set, a width-8 MLP's settings, and the tensor count before any run. */
async function studyFixture() {
	const { runToTargets, EvalSet, DEFAULT_RACE } = await import('../../src/lib/ml/experiments/credit');
	const { TrainingData } = await import('../../src/lib/ml/trainer');
	const { TestSet } = await import('../../src/lib/ml/surgery');
	const mnist = smallMnist(400, 200);
	const data = new TrainingData(mnist);
	const test = new TestSet(mnist);
	const evalSet = new EvalSet(data, 100);
	const before = tf.memory().numTensors;
	const s = { ...DEFAULT_RACE, width: 8, pairs: 4, batchSize: 32, sgdLearningRate: 0.01 };
	return { runToTargets, data, test, evalSet, before, s };
}

describe('on the MLP (cpu)', () => {
	beforeAll(useCpu);
	it('runToTargets stops once every target is reached, brackets each by its curve, and says "> budget" otherwise', async () => {
		const { runToTargets, data, test, evalSet, before, s } = await studyFixture();
		const r = await runToTargets('sgd', s, data, evalSet, test, [0.3, 0.999], 600);
		expect(tf.memory().numTensors).toBe(before);
		expect(r.reached[1]).toBeNull();
		expect(r.curve.at(-1)!.compute).toBeLessThanOrEqual(600);
		expect(r.curve.at(-1)!.compute).toBeGreaterThan(600 - 3 * 2);
		const b = r.reached[0]!;
		expect(b).toEqual(computeToTarget(r.curve, 0.3));
		// checkpoints grow geometrically: early ones are a few steps apart
		expect(r.curve[1].compute).toBe(3);
		// an easy target alone: it stops at the first checkpoint at or above it
		const easy = await runToTargets('sgd', s, data, evalSet, test, [0.3], 600);
		expect(easy.curve.at(-1)!.compute).toBe(b.at);
		evalSet.dispose();
		test.dispose();
		data.dispose();
	}, 60_000);
	it('runToTargets: an interrupt that never fires and onPoint leave every run unchanged; one that fires stops it cut short, no tensors left', async () => {
		const { runToTargets, data, test, evalSet, before, s } = await studyFixture();
		// backprop steps inside the trainer's fused groups; ES and the GA by generations (the runners' two paths)
		for (const [method, budget] of [['sgd', 600], ['es', 400], ['ga', 400]] as const) {
			const plain = await runToTargets(method, s, data, evalSet, test, [0.999], budget);
			expect(plain.stopped).toBe(false);
			let asked = 0;
			const seen: number[] = [];
			const hooked = await runToTargets(method, s, data, evalSet, test, [0.999], budget, {
				interrupt: async () => (asked++, false),
				onPoint: (p) => void seen.push(p.compute)
			});
			expect(asked).toBeGreaterThan(0);
			expect(hooked).toEqual(plain);
			expect(seen).toEqual(plain.curve.slice(1).map((p) => p.compute));
			// stopped after the 3rd question: a shorter curve, a prefix of the plain one, and no further question
			let calls = 0;
			const cut = await runToTargets(method, s, data, evalSet, test, [0.999], budget, { interrupt: () => ++calls >= 3 });
			expect(cut.stopped).toBe(true);
			expect(calls).toBe(3);
			expect(cut.curve.length).toBeLessThan(plain.curve.length);
			expect(cut.curve).toEqual(plain.curve.slice(0, cut.curve.length));
			// a stop asked at the start: only the first measurement
			const none = await runToTargets(method, s, data, evalSet, test, [0.999], budget, { interrupt: () => true });
			expect(none.stopped).toBe(true);
			expect(none.curve).toHaveLength(1);
			expect(none.reached).toEqual([null]);
		}
		expect(tf.memory().numTensors).toBe(before);
		evalSet.dispose();
		test.dispose();
		data.dispose();
	}, 120_000);
	it('measures the effective dimension: tr(F)/λmax of the per-example gradients, between 1 and n, deterministic, no tensors left', async () => {
		const { measureCurvature, mlpParamCount } = await import('../../src/lib/ml/es');
		const { TrainingData } = await import('../../src/lib/ml/trainer');
		const data = new TrainingData(smallMnist(256, 1));
		const before = tf.memory().numTensors;
		const req = { width: 4, seed: 2, examples: 16 };
		const a = await measureCurvature(req, data);
		const b = await measureCurvature(req, data);
		expect(tf.memory().numTensors).toBe(before);
		expect(a).toEqual(b);
		expect(a.d).toBe(mlpParamCount(4));
		expect(a.topEigenvalue).toBeGreaterThan(0);
		expect(a.trace).toBeGreaterThan(0);
		expect(a.effectiveDim).toBeGreaterThanOrEqual(1);
		expect(a.effectiveDim).toBeLessThanOrEqual(16);
		// λmax is F's top eigenvalue: no unit direction has a larger v·Fv (the per-example gradients' mean square along v)
		const { lossAndGrads, unpack, initParams } = await import('../../src/lib/ml/model');
		const { mlpConfig } = await import('../../src/lib/ml/es');
		const { BatchSampler } = await import('../../src/lib/ml/es');
		const cfg = mlpConfig(4);
		const idx = new BatchSampler(data.n, 16, 2, 37).next();
		const theta = tf.tensor1d(initParams(cfg, 2));
		const gs = Array.from(idx, (_, i) =>
			tf.tidy(() => {
				const t = tf.tensor1d([idx[i]], 'int32');
				const { grads } = lossAndGrads(unpack(theta, cfg), tf.gather(data.x, t) as tf.Tensor2D, tf.gather(data.yOneHot, t) as tf.Tensor2D);
				return Array.from(tf.concat(grads.map((g) => tf.reshape(g, [-1]))).dataSync() as Float32Array);
			})
		);
		theta.dispose();
		let tr = 0;
		for (const g of gs) tr += g.reduce((s, x) => s + x * x, 0) / gs.length;
		expect(a.trace).toBeCloseTo(tr, 6);
		const mean = Array.from({ length: a.d }, (_, k) => gs.reduce((s, g) => s + g[k], 0) / gs.length);
		const norm = Math.hypot(...mean);
		const along = gs.reduce((s, g) => s + g.reduce((t, x, k) => t + (x * mean[k]) / norm, 0) ** 2, 0) / gs.length;
		expect(along).toBeLessThanOrEqual(a.topEigenvalue * (1 + 1e-6));
		expect(along).toBeGreaterThan(0);
		data.dispose();
	}, 60_000);
});

describe('the shipped study (static/checkpoints/credit/targets.json)', () => {
	it('its table and check are what its curves give', async () => {
		const { readFileSync } = await import('node:fs');
		const full = JSON.parse(readFileSync('static/checkpoints/credit/targets-curves.json', 'utf8')) as TargetStudy & { createdBy: string };
		const page = JSON.parse(readFileSync('static/checkpoints/credit/targets.json', 'utf8'));
		expect(full.createdBy).toBe('scripts/make-credit.ts');
		expect(full.seeds.length).toBeGreaterThanOrEqual(3);
		// every width × seed × method ran, each crossing read off its own curve
		expect(full.runs).toHaveLength(full.widths.length * full.seeds.length * 3);
		for (const r of full.runs) {
			expect(r.curve.at(-1)!.compute).toBeLessThanOrEqual(r.budget);
			full.targets.forEach((t, i) => expect(r.reached[i]).toEqual(computeToTarget(r.curve, t)));
		}
		const v = studyVerdict(full);
		expect(page.verdict.shown).toBe(v.shown);
		expect(page.verdict.ratioHolds).toBe(v.ratioHolds);
		// (JSON has no NaN: a slope that could not be fitted is stored as null)
		if (Number.isFinite(v.slope)) expect(page.verdict.slope).toBeCloseTo(v.slope, 3);
		else expect(page.verdict.slope).toBeNull();
		expect(page.table).toEqual(targetTable(full));
	});

	it('covers every width of TARGET_WIDTHS, and the prose about them holds', async () => {
		const { readFileSync } = await import('node:fs');
		const full = JSON.parse(readFileSync('static/checkpoints/credit/targets-curves.json', 'utf8')) as TargetStudy;
		expect(full.widths).toEqual([...TARGET_WIDTHS]);
		// the essay: ES's compute to 70 % falls from h = 8 to 32, then rises by much less than fourfold to 128
		const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
		const to70 = (w: number) => median(full.runs.filter((r) => r.width === w && r.method === 'es').map((r) => r.reached[0]?.at ?? Infinity));
		expect(to70(32)).toBeLessThan(to70(8));
		expect(to70(128)).toBeGreaterThan(to70(32));
		expect(to70(128)).toBeLessThan(2 * to70(32));
		// "it stays between about 6 and 10 while d grows sixteenfold" (the mean over seeds, as the page rounds it)
		for (const w of TARGET_WIDTHS) {
			const c = full.curvature.filter((x) => x.width === w);
			const mean = c.reduce((a, x) => a + x.effectiveDim, 0) / c.length;
			expect(Math.round(mean)).toBeGreaterThanOrEqual(6);
			expect(Math.round(mean)).toBeLessThanOrEqual(10);
		}
	});
});

describe('the shipped tuning and race (static/checkpoints/credit/results.json)', () => {
	type Axis = { key: string; ladder: number[]; tried: number[]; best: number; interior: boolean; capped?: boolean };
	type Results = {
		settings: Record<string, number>;
		tuning: {
			widths: Record<string, Record<string, number>>;
			axes: Record<string, (Axis & { method: string })[]>;
			trials: { method: string; width: number }[];
			/** widths searched in one pass with N kept (see make-credit --coarse-widths) */
			coarse?: number[];
		};
		sweepBySeed: Record<string, { width: number; d: number }[]>;
		summary: { stats: Record<string, unknown> };
	};
	const load = async () => {
		const { readFileSync } = await import('node:fs');
		return JSON.parse(readFileSync('static/checkpoints/credit/results.json', 'utf8')) as Results;
	};
	it('every tuned setting at every width is interior: its ladder neighbours on both sides were tried', async () => {
		const r = await load();
		const widths = Object.keys(r.tuning.widths);
		expect(widths.length).toBeGreaterThanOrEqual(4);
		// a coarse width (the essay says which) is allowed one thing only: N kept, not searched both ways
		const coarse = (r.tuning.coarse ?? []).map(String);
		expect(coarse.length).toBeLessThanOrEqual(1);
		for (const w of widths) {
			const axes = r.tuning.axes[w];
			expect(axes, `h=${w} has no search report`).toBeDefined();
			// backprop's step size, and ES's step size, σ and N, everywhere
			for (const k of ['sgd sgdLearningRate', 'es esLearningRate', 'es sigma', 'es pairs']) expect(axes.map((a) => `${a.method} ${a.key}`)).toContain(k);
			for (const a of axes) {
				if (coarse.includes(w) && a.key === 'pairs') {
					expect(a.interior).toBe(false);
					expect(r.tuning.widths[w].pairs).toBe(a.best);
					continue;
				}
				if (a.capped) {
					// N at the most pairs the memory cap allows at this width (the ladder was cut there), its lower neighbour tried
					expect(a.key).toBe('pairs');
					expect(a.best).toBe(a.ladder.at(-1));
					expect(maxPairs(Number(w))).toBeLessThan(2 * a.best);
					expect(a.tried).toContain(a.ladder.at(-2));
					expect(r.tuning.widths[w].pairs).toBe(a.best);
					continue;
				}
				const i = a.ladder.indexOf(a.best);
				expect(i, `h=${w} ${a.method} ${a.key}`).toBeGreaterThan(0);
				expect(i).toBeLessThan(a.ladder.length - 1);
				expect(a.tried).toContain(a.ladder[i - 1]);
				expect(a.tried).toContain(a.ladder[i + 1]);
				expect(a.interior).toBe(true);
				// the winner is what the width runs with
				const tunedKey = a.method === 'ga' ? 'gaSigma' : a.key;
				expect(r.tuning.widths[w][tunedKey], `h=${w} ${tunedKey}`).toBe(a.best);
			}
		}
		// the race runs the default width's winners
		const def = r.tuning.widths[String(r.settings.width)];
		for (const k of ['sgdLearningRate', 'esLearningRate', 'sigma', 'pairs', 'gaSigma']) expect(r.settings[k]).toBe(def[k]);
	});
	it('the sweep ran every tuned width, and the dropped loss-ratio slope is gone', async () => {
		const r = await load();
		for (const pts of Object.values(r.sweepBySeed)) expect(pts.map((p) => String(p.width))).toEqual(Object.keys(r.tuning.widths));
		expect(Object.keys(r.summary.stats)).toContain('slopeCos');
		expect(JSON.stringify(r)).not.toMatch(/slopeLoss|LossRatio/);
	});
});
