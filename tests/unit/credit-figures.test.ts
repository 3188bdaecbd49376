// The credit widget's pure figure logic (src/lib/widgets/credit/figures.ts): which results apply to
// the reader's settings, the chart series, the pictures, the race's progress, and the sentences.
// Runs in Node without tfjs: the theory formula is passed in, as the widget does.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { verdict, type RaceCurves, type RacePoint, type SweepPoint, type TargetStudy } from '../../src/lib/ml/experiments/credit-analysis';
import { COSINE_PAIRS, COSINE_SIGMA, DEFAULT_RACE, STUDY_BUDGET, TARGET_WIDTHS } from '../../src/lib/ml/experiments/credit-defaults';
import { mlpMacs } from '../../src/lib/ml/es-theory';
import { parseParams } from '../../src/lib/params/schema';
import { creditSchema, studyPlan, studyWork } from '../../src/lib/widgets/credit/schema';
import { shipped, shippedTargets } from '../../src/lib/widgets/credit/shipped';
import {
	COLOR,
	PICTURE_UNITS,
	compareWithShipped,
	curvatureByWidth,
	studyProgress,
	studySentence,
	studyShown,
	type LiveStudy,
	USELESS_COLOR,
	atPairs,
	cosineRequest,
	cosineSeries,
	cosineShown,
	emptyCurves,
	figureSummary,
	finals,
	fmtCos,
	normalise,
	pointCount,
	provenance,
	raceFraction,
	raceSeries,
	raceShown,
	raceStarted,
	sweepSeries,
	sweepShown,
	sweepTuning,
	theoryCurve,
	trialCounts,
	uselessGap,
	withPoint,
	type LiveCosine
} from '../../src/lib/widgets/credit/figures';

const theory = (n: number, d: number) => Math.sqrt(n / (n + d));
const SEED = shipped.seeds[0];
const at = (compute: number, accuracy = 0.5, loss = 1): RacePoint => ({ compute, loss, accuracy });
const curves = (sgd: number[], es: number[], ga: number[]): RaceCurves => ({ sgd: sgd.map((c) => at(c)), es: es.map((c) => at(c)), ga: ga.map((c) => at(c)) });

function live(o: Partial<LiveCosine> = {}): LiveCosine {
	return {
		width: 8,
		seed: 5,
		d: 6370,
		useless: 0,
		compute: 32,
		points: [1, 16].map((pairs) => ({ pairs, d: 6370, cosine: 0.05 * pairs, theory: theory(pairs, 6370), cosineUseful: 0.05 * pairs })),
		pictures: [{ unit: 0, truth: Float32Array.from([2, -4]), estimate: Float32Array.from([0, 0]) }],
		...o
	};
}

describe('normalise', () => {
	it('divides by the largest magnitude, keeping signs, so a picture spans −1…1', () => {
		expect([...normalise([2, -4, 1])]).toEqual([0.5, -1, 0.25]);
	});
	it('leaves an all-zero vector zero (no division by zero)', () => {
		expect([...normalise(new Float32Array(3))]).toEqual([0, 0, 0]);
	});
});

describe('the cosine figure', () => {
	it('shows the shipped curve and pictures at the shipped width and seed, one curve per shipped useless count', () => {
		for (const useless of shipped.cosine.useless) {
			const c = cosineShown(null, shipped, { width: shipped.cosine.width, seed: SEED, useless });
			expect(c.source).toBe('shipped');
			expect(c.points.length).toBe(COSINE_PAIRS.length);
			expect(c.pictures.map((p) => p.unit)).toEqual(PICTURE_UNITS);
			expect(c.picturesN).toBe(COSINE_PAIRS.at(-1));
		}
	});
	it('has no shipped curve for another useless count, but keeps the shipped pictures (they have no useless part)', () => {
		const c = cosineShown(null, shipped, { width: shipped.cosine.width, seed: SEED, useless: 5000 });
		expect(c.source).toBe('none');
		expect(c.points).toEqual([]);
		expect(c.pictures.length).toBe(PICTURE_UNITS.length);
	});
	it('shows nothing shipped for another width or seed', () => {
		expect(cosineShown(null, shipped, { width: 16, seed: SEED, useless: 0 })).toMatchObject({ source: 'none', points: [], pictures: [] });
		expect(cosineShown(null, shipped, { width: shipped.cosine.width, seed: SEED + 100, useless: 0 })).toMatchObject({ source: 'none', pictures: [] });
	});
	it('shows a live measurement only for the settings it was made for', () => {
		const m = live();
		const c = cosineShown(m, shipped, { width: 8, seed: 5, useless: 0 });
		expect(c.source).toBe('live');
		expect(c.points).toBe(m.points);
		expect(c.picturesN).toBe(16);
		expect([...c.pictures[0].truth]).toEqual([0.5, -1]);
		expect(cosineShown(m, shipped, { width: 8, seed: 5, useless: 5000 }).source).toBe('none');
		expect(cosineShown(m, shipped, { width: 8, seed: 6, useless: 0 }).source).toBe('none');
		expect(cosineShown(live({ width: 32, seed: SEED }), shipped, { width: 32, seed: SEED, useless: 0 }).source).toBe('live');
	});
	it('asks for every population size, or at most 64 pairs on a slow backend', () => {
		const fast = cosineRequest({ width: 32, seed: 1, useless: 25000 }, false, 128);
		expect(fast).toMatchObject({ width: 32, seed: 1, useless: 25000, batchSize: 128, sigma: COSINE_SIGMA, units: PICTURE_UNITS });
		expect(fast.pairs).toEqual([...COSINE_PAIRS]);
		const slow = cosineRequest({ width: 32, seed: 1, useless: 0 }, true, 128);
		expect(Math.max(...slow.pairs)).toBe(64);
		expect(slow.pairs).toEqual(COSINE_PAIRS.filter((n) => n <= 64));
	});
	it('reads the cosine at a given N, or null when it was not measured there', () => {
		const pts = [{ pairs: 16, cosine: 0.1, cosineUseful: 0.1, theory: 0.2 }];
		expect(atPairs(pts, 16)?.cosine).toBe(0.1);
		expect(atPairs(pts, 8)).toBeNull();
	});
	it('draws the theory from N = 1 to 256, five points per doubling, with the given formula', () => {
		const t = theoryCurve(1000, theory);
		expect(t.length).toBe(41);
		expect(t[0]).toEqual({ x: 1, y: theory(1, 1000) });
		expect(t.at(-1)!.x).toBeCloseTo(256, 9);
		expect(t[5].x).toBeCloseTo(2, 9);
	});
	it('names the theory by d and the measurement by where it was made, and floors cosines ≤ 0 for the log axis', () => {
		const [th, m, ...more] = cosineSeries([{ pairs: 1, cosine: -0.01, cosineUseful: -0.01, theory: 0 }], 'live', 25450, theory);
		expect(more).toEqual([]);
		expect(th.name).toContain('d = 25,450');
		expect(th.dashed).toBe(true);
		expect(m.name).toBe('measured in your browser');
		expect(m.points).toEqual([{ x: 1, y: 1e-4 }]);
		expect(cosineSeries([], 'shipped', 10, theory)[1].name).toBe('measured (shipped)');
	});
	it('with useless parameters, draws the cosine on the net’s own parameters beside the full one, each with its theory', () => {
		const pts = [
			{ pairs: 1, cosine: 0.002, cosineUseful: 0.006, theory: theory(1, 35450) },
			{ pairs: 16, cosine: 0.02, cosineUseful: 0.03, theory: theory(16, 35450) }
		];
		const s = cosineSeries(pts, 'shipped', 25450, theory, 10000);
		expect(s.map((x) => x.name)).toEqual([
			'theory √(N/(N+d)), d = 35,450',
			'measured (shipped), all parameters',
			'theory, d = 25,450',
			'measured (shipped), the net’s 25,450 parameters only'
		]);
		expect(s[0].points[0].y).toBe(theory(1, 35450));
		expect(s[2].points[0].y).toBe(theory(1, 25450));
		expect(s[1].points.map((p) => p.y)).toEqual([0.002, 0.02]);
		expect(s[3].points.map((p) => p.y)).toEqual([0.006, 0.03]);
		expect(s[3].color).toBe(USELESS_COLOR);
	});
	it('ships the cosine on the useful parameters: with k useless ones it is exactly the cosine without them', () => {
		for (const c of shipped.cosine.byN) {
			const plain = shipped.cosine.byN.find((o) => o.seed === c.seed && o.useless === 0)!;
			c.points.forEach((p, i) => {
				expect(p.cosineUseful).toBe(plain.points[i].cosine);
				if (c.useless > 0) expect(p.cosine).toBeLessThan(p.cosineUseful);
			});
		}
		const k = Math.max(...shipped.cosine.useless);
		expect(shipped.summary.stats[`cosUseful_N256_k${k}`].mean).toBe(shipped.summary.stats.cos_N256_k0.mean);
	});
	it('formats a cosine to three decimals, and a missing one as a dash', () => {
		expect(fmtCos(0.12345)).toBe('0.123');
		expect(fmtCos(undefined)).toBe('–');
		expect(fmtCos(NaN)).toBe('–');
	});
});

describe('the race', () => {
	it('shows the reader’s own race first, else the shipped one where it applies, else none', () => {
		const mine = { curves: curves([0], [0], [0]), done: false };
		expect(raceShown(mine, true, shipped.race)).toEqual({ source: 'live', curves: mine.curves, done: false });
		expect(raceShown(null, true, shipped.race)).toEqual({ source: 'shipped', curves: shipped.race, done: true });
		expect(raceShown(null, false, shipped.race)).toEqual({ source: 'none', curves: emptyCurves(), done: true });
	});
	it('adds a point to its method without changing the curves it was given', () => {
		const before = emptyCurves();
		const after = withPoint(before, { method: 'es', point: at(40), budget: 300 });
		expect(before.es).toEqual([]);
		expect(after.es).toEqual([at(40)]);
		expect(after.sgd).toBe(before.sgd);
	});
	it('adds a point of ES’s useless-parameter rerun, starting its curve', () => {
		const after = withPoint(emptyCurves(), { method: 'esUseless', point: at(0), budget: 300 });
		expect(after.esUseless).toEqual([at(0)]);
		expect(withPoint(after, { method: 'esUseless', point: at(40), budget: 300 }).esUseless).toEqual([at(0), at(40)]);
	});
	it('is as far along as its slowest method', () => {
		expect(raceFraction(curves([0, 150, 300], [0, 150], [0, 75]), 300)).toBe(0.25);
		expect(raceFraction(emptyCurves(), 300)).toBe(0);
	});
	it('has started once compute was spent past the shared starting point', () => {
		expect(raceStarted(emptyCurves())).toBe(false);
		expect(raceStarted(curves([0], [0], [0]))).toBe(false);
		expect(raceStarted(curves([0, 15], [0], [0]))).toBe(true);
		expect(raceStarted(shipped.race)).toBe(true);
	});
	it('counts every point and reads each method’s last one', () => {
		const c = curves([0, 15, 30], [0, 16], [0]);
		expect(pointCount(c)).toBe(6);
		expect(finals(c)).toEqual({ sgd: at(30), es: at(16), ga: at(0) });
		expect(finals(emptyCurves())).toEqual({ sgd: null, es: null, ga: null });
		expect(finals(shipped.race).sgd?.compute).toBe(shipped.settings.budget);
	});
	it('draws one series per method against compute, the GA dashed', () => {
		const s = raceSeries(curves([0, 15], [0], [0]), 'accuracy');
		expect(s.map((x) => x.color)).toEqual([COLOR.sgd, COLOR.es, COLOR.ga]);
		expect(s.map((x) => !!x.dashed)).toEqual([false, false, true]);
		expect(s[0].points).toEqual([
			{ x: 0, y: 0.5 },
			{ x: 15, y: 0.5 }
		]);
		expect(raceSeries(curves([0], [], []), 'loss')[0].points).toEqual([{ x: 0, y: 1 }]);
	});
	it('draws ES’s useless-parameter rerun dashed on top of ES, named by its k', () => {
		const c = { ...curves([0, 15], [0, 40], [0, 40]), esUseless: [at(0), at(40, 0.7)] };
		const s = raceSeries(c, 'accuracy', 100000);
		expect(s).toHaveLength(4);
		expect(s[3]).toMatchObject({ name: 'ES + 100,000 useless parameters', color: USELESS_COLOR, dashed: true });
		expect(s[3].points).toEqual([
			{ x: 0, y: 0.5 },
			{ x: 40, y: 0.7 }
		]);
	});
	it('measures how far the rerun strayed from ES over the points both have', () => {
		expect(uselessGap(curves([0], [0], [0]))).toBeNull();
		expect(uselessGap({ ...curves([0], [], [0]), esUseless: [] })).toBeNull();
		const same = { ...curves([0, 15], [0, 40], [0]), esUseless: [at(0), at(40)] };
		expect(uselessGap(same)).toEqual({ accuracy: 0, loss: 0, points: 2 });
		// one point behind mid-race: only the shared points count
		const behind = { sgd: [at(0)], ga: [at(0)], es: [at(0), at(40, 0.6, 0.9), at(80, 0.9)], esUseless: [at(0), at(40, 0.55, 1)] };
		const g = uselessGap(behind)!;
		expect(g.points).toBe(2);
		expect(g.accuracy).toBeCloseTo(0.05, 12);
		expect(g.loss).toBeCloseTo(0.1, 12);
	});
	it('ships ES’s useless-parameter rerun, identical to the plain ES curve point for point', () => {
		expect(shipped.settings.useless).toBeGreaterThan(0);
		expect(shipped.race.esUseless).toEqual(shipped.race.es);
		expect(shipped.summary.stats.esUselessMaxGap.max).toBe(0);
		expect(shipped.summary.stats.esUselessAcc.mean).toBe(shipped.summary.stats.esAcc.mean);
		expect(uselessGap(shipped.race)).toEqual({ accuracy: 0, loss: 0, points: shipped.race.es.length });
	});
	it('counts the shipped tuning trials per method', () => {
		const n = trialCounts(shipped.tuning.trials);
		expect(n.sgd + n.es + n.ga).toBe(shipped.tuning.trials.length);
		expect(trialCounts([{ method: 'es' }, { method: 'es' }, { method: 'ga' }])).toEqual({ sgd: 0, es: 2, ga: 1 });
	});
});

describe('the width sweep', () => {
	const point = (width: number, d: number): SweepPoint => ({
		width,
		d,
		final: { sgd: at(300, 0.8, 0.5), es: at(300, 0.3, 2) },
		cosine: 0.1,
		theory: 0.1,
		sgdLearningRate: 0.01,
		esLearningRate: 0.01
	});
	it('shows the live sweep with its own N, else the shipped one with the shipped N', () => {
		expect(sweepShown(null, shipped)).toEqual({ source: 'shipped', points: shipped.sweep, pairs: shipped.settings.pairs });
		const mine = { points: [point(2, 1600)], pairs: 4 };
		expect(sweepShown(mine, shipped)).toEqual({ source: 'live', ...mine });
	});
	it('uses the shipped per-width step sizes for the shipped settings at any width, and the reader’s own otherwise', () => {
		expect(sweepTuning(shipped.settings, shipped)).toBe(shipped.tuning.widths);
		expect(sweepTuning({ ...shipped.settings, width: 8 }, shipped)).toBe(shipped.tuning.widths);
		expect(sweepTuning({ ...shipped.settings, budget: 300 }, shipped)).toBeNull();
		expect(sweepTuning({ ...DEFAULT_RACE, esLearningRate: 0.02 }, shipped)).toBeNull();
	});
	it('draws the theory at the sweep’s own N, and backprop and ES (not the GA) against d', () => {
		const s = sweepSeries([point(2, 1600), point(8, 6370)], 4, theory);
		expect(s.cosine[0].name).toBe('theory, N = 4');
		expect(s.cosine[0].points[0]).toEqual({ x: 1000, y: theory(4, 1000) });
		expect(s.cosine[1].points).toEqual([
			{ x: 1600, y: 0.1 },
			{ x: 6370, y: 0.1 }
		]);
		expect(s.accuracy.map((x) => x.points[0].y)).toEqual([0.8, 0.3]);
		expect(s.loss.map((x) => x.points[1].y)).toEqual([0.5, 2]);
	});
});

describe('sentences', () => {
	it('summarises the headline cosine with its theory, d, and each method’s accuracy', () => {
		const text = figureSummary({
			points: [{ pairs: 16, cosine: 0.0251, cosineUseful: 0.0251, theory: 0.025 }],
			d: 25450,
			useless: 25000,
			curves: { sgd: [at(6000, 0.942)], es: [at(6000, 0.8)], ga: [] },
			theory
		});
		expect(text).toContain('at N = 16: 0.025 (theory 0.018)');
		expect(text).toContain('d = 25,450 + 25,000 useless');
		expect(text).toMatch(/backprop \(Adam\) 94\.2\s%, evolution strategies 80\.0\s%, genetic algorithm –/);
		expect(text).toContain('after 6,000 forward passes');
	});
	it('adds the useful cosine and the rerun when there are some', () => {
		const text = figureSummary({
			points: [{ pairs: 16, cosine: 0.0112, cosineUseful: 0.0251, theory: 0.011 }],
			d: 25450,
			useless: 100000,
			curves: { sgd: [at(6000, 0.942)], es: [at(6000, 0.8)], ga: [at(6000, 0.5)], esUseless: [at(6000, 0.8)] },
			raceUseless: 100000,
			theory
		});
		expect(text).toContain('on the net’s own parameters 0.025');
		expect(text).toMatch(/ES \+ 100,000 useless parameters 80\.0\s%/);
	});
	it('says where the live figures were computed only when there are some', () => {
		expect(provenance(shipped, null)).toMatch(/^Shipped results: scripts\/make-credit\.ts \(seed 1, wasm backend in Node\); loss on 1000 training digits, accuracy on 2000 test digits\. $/);
		expect(provenance(shipped, 'webgl')).toMatch(/Live figures computed in your browser on webgl\.$/);
	});
});

describe('the verdict (what “How this could fail” says; the rules are in credit-targets.test.ts)', () => {
	it('has nothing to say before the race has spent compute', () => {
		expect(verdict(emptyCurves(), false)).toEqual({ shown: false, text: 'The race has not run yet.' });
		expect(verdict(curves([0], [0], [0]), false).shown).toBe(false);
	});
	it('says that the useless-parameter half was not tested when there was no rerun (k = 0)', () => {
		const c: RaceCurves = { sgd: [at(0, 0.1), at(300, 0.9)], es: [at(0, 0.1), at(6000, 0.78)], ga: [at(0, 0.1), at(6000, 0.5)] };
		const v = verdict(c, true);
		expect(v.shown).toBe(true);
		expect(v.text).toMatch(/that half of the claim was not tested\.\)$/);
	});
	it('mid-race compares the rerun with ES at the same compute, not with ES’s newer point', () => {
		const c: RaceCurves = { sgd: [at(0), at(300, 0.9)], ga: [at(0), at(3200, 0.3)], es: [at(0), at(3200, 0.4), at(3520, 0.6)], esUseless: [at(0), at(3200, 0.4)] };
		const v = verdict(c, false, 5, 0.01, 100000);
		expect(v.shown).toBe(true);
		expect(v.text).toMatch(/^So far: .*exactly the same\.$/);
	});
	it('the shipped race shows the claim', () => {
		const v = verdict(shipped.race, true, undefined, undefined, shipped.settings.useless);
		expect(v.shown).toBe(true);
		expect(v.text).toContain('exactly the same');
	});
});

describe('the compute-to-target study, recomputed live', () => {
	type Full = TargetStudy & { settings: unknown; widthTuning: unknown };
	const full = JSON.parse(readFileSync('static/checkpoints/credit/targets-curves.json', 'utf8')) as Full;
	const all = (): LiveStudy => ({ widths: full.widths, seeds: full.seeds, runs: full.runs, curvature: full.curvature, done: true });

	it('from every shipped run, the page computes the shipped table, curvature and check (the same code path as a live run)', () => {
		const live = studyShown(all(), shippedTargets);
		expect(live.source).toBe('live');
		expect(live.table).toEqual(shippedTargets.table);
		expect(live.verdict.shown).toBe(shippedTargets.verdict.shown);
		expect(live.verdict.slope).toBeCloseTo(shippedTargets.verdict.slope, 3);
		expect(studySentence(live)).toBe(studySentence(shippedTargets));
		expect(compareWithShipped(live, shippedTargets)).toEqual({ compared: 81, differ: 0 });
		// one crossing off: counted
		const off = { ...live, table: live.table.map((r, i) => (i === 0 ? { ...r, at: [[r.at[0][0]! + 3, ...r.at[0].slice(1)], ...r.at.slice(1)] } : r)) };
		expect(compareWithShipped(off, shippedTargets)).toEqual({ compared: 81, differ: 1 });
		expect(live.finished).toBe(live.total);
		// and the live run is asked for the settings the shipped study ran with
		expect(shippedTargets.settings).toEqual(full.settings);
		expect(shippedTargets.widthTuning).toEqual(full.widthTuning);
	});

	it('a partial run: cells not run are pending (no seeds), the check reads only the runs so far, and says so', () => {
		const runs = full.runs.filter((r) => r.seed === 1 && (r.width === 8 || (r.width === 32 && r.method === 'sgd')));
		const live = studyShown({ widths: [8, 32], seeds: [1], runs, curvature: full.curvature.filter((c) => c.seed === 1 && c.width === 8), done: false }, shippedTargets);
		expect(live.finished).toBe(4);
		expect(live.total).toBe(6);
		const row = (w: number, m: string) => live.table.find((r) => r.width === w && r.method === m)!;
		expect(row(8, 'es').seeds).toEqual([1]);
		expect(row(32, 'sgd').seeds).toEqual([1]);
		expect(row(32, 'es').seeds).toEqual([]);
		expect(row(32, 'es').budget).toBe(STUDY_BUDGET.es);
		// only h = 8 has ES: no slope yet, and no ratio at h = 32
		expect(live.verdict.tested).toBe(1);
		expect(Number.isFinite(live.verdict.slope)).toBe(false);
		expect(live.verdict.lowestBy.es?.width).toBe(8);
		expect(studySentence(live, 'the runs so far')).toMatch(/^Not shown by the runs so far: ES needed at least .* not tested\.$/);
		expect(studySentence(live, 'the runs so far', true)).toMatch(/ES has not yet reached 70 % at two widths, so there is no slope against d yet\.$/);
		expect(curvatureByWidth(live.curvature, live.widths).map((c) => c.width)).toEqual([8]);
		// nothing run yet: every row pending
		const empty = studyShown({ widths: [8], seeds: [1], runs: [], curvature: [], done: false }, shippedTargets);
		expect(empty.table.every((r) => r.seeds.length === 0)).toBe(true);
		expect(empty.verdict.shown).toBe(false);
	});

	it('progress is weighted by each run’s work, grows with every run and ends at 1', () => {
		const plan = studyPlan({ studyseeds: 2, studywidths: '32' });
		expect(plan).toEqual({ widths: [8, 32], seeds: [1, 2] });
		const order = plan.seeds.flatMap((seed) => plan.widths.flatMap((width) => (['sgd', 'es', 'ga'] as const).map((method) => ({ seed, width, method }))));
		let last = -1;
		for (let i = 0; i < order.length; i++) {
			const mid = studyProgress(plan, order.slice(0, i), { ...order[i], compute: 100 }, mlpMacs);
			const after = studyProgress(plan, order.slice(0, i + 1), null, mlpMacs);
			expect(mid).toBeGreaterThan(last);
			expect(after).toBeGreaterThan(mid);
			last = after;
		}
		expect(last).toBeCloseTo(1, 12);
		// ES at h = 32 is the largest single share of that plan
		const es32 = studyProgress(plan, [{ seed: 1, width: 32, method: 'es' }], null, mlpMacs);
		expect(es32).toBeGreaterThan(studyProgress(plan, [{ seed: 1, width: 8, method: 'es' }, { seed: 1, width: 32, method: 'sgd' }], null, mlpMacs));
	});

	it('the study’s params: seeds 1-3 and a width choice, clamped with notes; the work printed before a run', () => {
		const r = parseParams(creditSchema, new URLSearchParams('studyseeds=9&studywidths=64'));
		expect(r.values.studyseeds).toBe(3);
		expect(r.values.studywidths).toBe('128');
		expect(r.notes.length).toBe(2);
		expect(parseParams(creditSchema, new URLSearchParams('studyseeds=-1')).values.studyseeds).toBe(1);
		const d = parseParams(creditSchema, new URLSearchParams('')).values;
		expect(studyPlan(d)).toEqual({ widths: [...TARGET_WIDTHS], seeds: [1] });
		expect(studyPlan({ studyseeds: 1, studywidths: '8' })).toEqual({ widths: [8], seeds: [1] });
		const w = studyWork({ widths: [8, 32, 128], seeds: [1, 2, 3] });
		expect(w.nets).toBe(27);
		expect(w.forwardPasses).toBe(27 * 27_000 / 3);
		expect(studyWork({ widths: [8], seeds: [1] }).macs).toBe(27_000 * 128 * mlpMacs(8));
	});
});

describe('the module', () => {
	it('takes only types from the tfjs-bearing ml modules (it must load without tfjs)', () => {
		const src = readFileSync(new URL('../../src/lib/widgets/credit/figures.ts', import.meta.url), 'utf8');
		const valueImports = [...src.matchAll(/^import\s+(?!type\b)[^;]*?from\s+'([^']+)'/gm)].map((m) => m[1]);
		expect(valueImports.filter((s) => /\$lib\/ml\/(es|model|trainer|experiments\/credit)$/.test(s) || s.startsWith('@tensorflow'))).toEqual([]);
	});
});
