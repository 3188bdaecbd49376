// Pure figure logic of the credit-assignment widget (no DOM, no tfjs; unit-tested in Node): which
// results apply to the reader's settings (live, shipped or none), the chart series, the weight
// pictures, the race's progress and final points, the cosine request, and the sentences for screen
// readers and the provenance line. The one formula that lives in a tfjs-bearing module (ml/es's
// theoryCosine) comes in as an argument.
import type { CosineRequest, CosineResult } from '$lib/ml/es-theory';
import { studyVerdict, targetTable, type CurvatureRun, type RaceCurves, type RacePoint, type RaceProgress, type SweepPoint, type TargetRun, type WidthTuning } from '$lib/ml/experiments/credit-analysis';
import { COSINE_PAIRS, COSINE_SIGMA, METHODS, METHOD_LABEL, MIN_COMPUTE_RATIO, RACE_TARGET, STUDY_BUDGET, TARGETS, uselessLabel, type Method, type RaceSettings } from '$lib/ml/experiments/credit-defaults';
import type { LinePoint, LineSeries } from '$lib/plots';
import { pct } from '$lib/plots/format';
import { sameRace } from './schema';
import type { ShippedCredit, ShippedTargets } from './shipped';

/** √(N/(N+d)), the cosine N random directions reach in d dimensions (ml/es's theoryCosine). */
export type Theory = (pairs: number, d: number) => number;
/** Where a figure's numbers come from. */
export type Source = 'shipped' | 'live' | 'none';

export const COLOR: Record<Method, string> = { sgd: 'var(--accent)', es: '#e69f00', ga: '#7f7f7f' };
/** ES rerun with useless parameters, and the cosine on the net's own parameters: a purple that stands out on ES's orange (backprop is blue) */
export const USELESS_COLOR = '#cc79a7';
/** first-layer units whose 784 incoming weights are drawn as pictures */
export const PICTURE_UNITS = [0, 1, 2];
/** the population size the headline cosine is read at */
export const HEADLINE_PAIRS = 16;
/** the parameter counts the sweep's theory curve is drawn at */
export const SWEEP_THEORY_D = [1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000];

export const fmtCos = (v: number | undefined | null): string => (v === undefined || v === null || !Number.isFinite(v) ? '–' : v.toFixed(3));

// ---- the cosine ------------------------------------------------------------------------------------

/** cosine: over all d + k parameters; cosineUseful: over the net's own d (the same when k = 0) */
export type CosPoint = { pairs: number; cosine: number; cosineUseful: number; theory: number };
export type CosineKey = { width: number; seed: number; useless: number };
/** a live measurement, with the settings it was made for */
export type LiveCosine = CosineResult & { width: number; seed: number };
export type Picture = { unit: number; truth: Float32Array; estimate: Float32Array };
export type CosineShown = { source: Source; points: CosPoint[]; pictures: Picture[]; picturesN: number };

/** Each entry divided by the largest magnitude, so a picture spans −1…1 (all zeros stay zeros). */
export function normalise(v: ArrayLike<number>): Float32Array {
	let m = 0;
	for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
	const out = new Float32Array(v.length);
	for (let i = 0; i < v.length; i++) out[i] = m > 0 ? v[i] / m : 0;
	return out;
}

const pictureOf = (p: { unit: number; truth: ArrayLike<number>; estimate: ArrayLike<number> }): Picture => ({
	unit: p.unit,
	truth: normalise(p.truth),
	estimate: normalise(p.estimate)
});

/**
 * The cosine figure for the reader's settings: the live measurement if it was made for exactly these
 * settings, else the shipped one (shipped width and seed; one curve per shipped `useless`), else none.
 * The shipped pictures were taken without useless parameters; they stay up while `useless` changes.
 */
export function cosineShown(live: LiveCosine | null, s: Pick<ShippedCredit, 'cosine' | 'seeds'>, key: CosineKey): CosineShown {
	if (live && live.width === key.width && live.seed === key.seed && live.useless === key.useless) {
		return { source: 'live', points: live.points, pictures: live.pictures.map(pictureOf), picturesN: Math.max(...live.points.map((p) => p.pairs)) };
	}
	const shippedNet = key.width === s.cosine.width && key.seed === s.seeds[0];
	const curve = shippedNet ? s.cosine.byN.find((c) => c.seed === s.seeds[0] && c.useless === key.useless) : undefined;
	return {
		source: curve ? 'shipped' : 'none',
		points: curve?.points ?? [],
		pictures: shippedNet ? s.cosine.pictures.map(pictureOf) : [],
		picturesN: COSINE_PAIRS[COSINE_PAIRS.length - 1]
	};
}

/** What to ask the worker for: every population size, or up to 64 pairs on a slow backend. */
export function cosineRequest(key: CosineKey, slow: boolean, batchSize: number): CosineRequest {
	return {
		width: key.width,
		seed: key.seed,
		pairs: slow ? COSINE_PAIRS.filter((n) => n <= 64) : [...COSINE_PAIRS],
		sigma: COSINE_SIGMA,
		useless: key.useless,
		batchSize,
		units: PICTURE_UNITS
	};
}

export const atPairs = (points: readonly CosPoint[], pairs: number): CosPoint | null => points.find((p) => p.pairs === pairs) ?? null;

/** The theory curve over N = 1…256, five points per doubling. */
export function theoryCurve(d: number, theory: Theory): LinePoint[] {
	return Array.from({ length: 41 }, (_, i) => 2 ** (i / 5)).map((N) => ({ x: N, y: theory(N, d) }));
}

const floorLog = (v: number) => Math.max(v, 1e-4);

/**
 * Theory (dashed) and measurement over all d + k parameters; with useless parameters (k > 0) also the
 * cosine on the net's own d parameters, with its theory at d. A log axis cannot show a cosine ≤ 0, so
 * it is floored at 1e-4.
 */
export function cosineSeries(points: readonly CosPoint[], source: Source, d: number, theory: Theory, useless = 0): LineSeries[] {
	const where = source === 'live' ? 'measured in your browser' : 'measured (shipped)';
	const all: LineSeries[] = [
		{ name: `theory √(N/(N+d)), d = ${(d + useless).toLocaleString('en')}`, color: 'var(--muted)', dashed: true, points: theoryCurve(d + useless, theory) },
		{ name: useless ? `${where}, all parameters` : where, color: COLOR.es, points: points.map((p) => ({ x: p.pairs, y: floorLog(p.cosine) })) }
	];
	if (!useless) return all;
	return [
		...all,
		{ name: `theory, d = ${d.toLocaleString('en')}`, color: USELESS_COLOR, dashed: true, points: theoryCurve(d, theory) },
		{ name: `${where}, the net’s ${d.toLocaleString('en')} parameters only`, color: USELESS_COLOR, points: points.map((p) => ({ x: p.pairs, y: floorLog(p.cosineUseful) })) }
	];
}

// ---- the race --------------------------------------------------------------------------------------

export type RaceShown = { source: Source; curves: RaceCurves; done: boolean };

export const emptyCurves = (): RaceCurves => ({ sgd: [], es: [], ga: [] });

/** The race on screen: the reader's own (running or finished), else the shipped one if it applies, else none. */
export function raceShown(live: { curves: RaceCurves; done: boolean } | null, shippedApplies: boolean, shipped: RaceCurves): RaceShown {
	if (live) return { source: 'live', curves: live.curves, done: live.done };
	return shippedApplies ? { source: 'shipped', curves: shipped, done: true } : { source: 'none', curves: emptyCurves(), done: true };
}

/** The curves with one more point from the worker (a new object: the old one is not changed). */
export const withPoint = (curves: RaceCurves, p: RaceProgress): RaceCurves => ({ ...curves, [p.method]: [...(curves[p.method] ?? []), p.point] });

/** How far the race is: the slowest method's compute over the budget. */
export const raceFraction = (curves: RaceCurves, budget: number): number => Math.min(...METHODS.map((m) => curves[m].at(-1)?.compute ?? 0)) / budget;

/** Has any compute been spent (past the shared starting point)? Only then is there a verdict. */
export const raceStarted = (curves: RaceCurves): boolean => (curves.sgd.at(-1)?.compute ?? 0) > 0;

export const pointCount = (curves: RaceCurves): number => METHODS.reduce((n, m) => n + curves[m].length, 0);

export function finals(curves: RaceCurves): Record<Method, RacePoint | null> {
	return Object.fromEntries(METHODS.map((m) => [m, curves[m].at(-1) ?? null])) as Record<Method, RacePoint | null>;
}

/** One series per method against compute (the GA dashed), and ES with k useless parameters dashed on top of ES. */
export function raceSeries(curves: RaceCurves, y: 'loss' | 'accuracy', useless = 0): LineSeries[] {
	const xy = (c: RacePoint[]) => c.map((p) => ({ x: p.compute, y: p[y] }));
	const methods: LineSeries[] = METHODS.map((m) => ({ name: METHOD_LABEL[m], color: COLOR[m], dashed: m === 'ga', points: xy(curves[m]) }));
	return curves.esUseless ? [...methods, { name: uselessLabel(useless), color: USELESS_COLOR, dashed: true, points: xy(curves.esUseless) }] : methods;
}

/**
 * How far ES with useless parameters strayed from plain ES, over the points both have: the largest
 * gap in test accuracy and in loss (null when there is no rerun, or nothing to compare yet).
 */
export function uselessGap(curves: RaceCurves): { accuracy: number; loss: number; points: number } | null {
	const padded = curves.esUseless;
	if (!padded) return null;
	const n = Math.min(padded.length, curves.es.length);
	if (n === 0) return null;
	let accuracy = 0,
		loss = 0;
	for (let i = 0; i < n; i++) {
		accuracy = Math.max(accuracy, Math.abs(padded[i].accuracy - curves.es[i].accuracy));
		loss = Math.max(loss, Math.abs(padded[i].loss - curves.es[i].loss));
	}
	return { accuracy, loss, points: n };
}

/** How many step sizes the shipped tuning tried per method. */
export function trialCounts(trials: readonly { method: string }[]): Record<Method, number> {
	return Object.fromEntries(METHODS.map((m) => [m, trials.filter((t) => t.method === m).length])) as Record<Method, number>;
}

// ---- the sweep -------------------------------------------------------------------------------------

export type SweepShown = { source: 'shipped' | 'live'; points: SweepPoint[]; pairs: number };

export function sweepShown(live: { points: SweepPoint[]; pairs: number } | null, s: Pick<ShippedCredit, 'sweep' | 'settings'>): SweepShown {
	return live ? { source: 'live', ...live } : { source: 'shipped', points: s.sweep, pairs: s.settings.pairs };
}

/** The shipped per-width step sizes apply to the shipped settings (any width); otherwise the reader's own. */
export function sweepTuning(settings: RaceSettings, s: Pick<ShippedCredit, 'settings' | 'tuning'>): WidthTuning | null {
	return sameRace({ ...settings, width: s.settings.width }, s.settings) ? s.tuning.widths : null;
}

/** The sweep's three charts against d: cosine (with theory at the sweep's N), final accuracy, final loss. */
export function sweepSeries(points: readonly SweepPoint[], pairs: number, theory: Theory): { cosine: LineSeries[]; accuracy: LineSeries[]; loss: LineSeries[] } {
	const per = (y: 'accuracy' | 'loss') =>
		(['sgd', 'es'] as const).map((m) => ({ name: METHOD_LABEL[m], color: COLOR[m], points: points.map((p) => ({ x: p.d, y: p.final[m][y] })) }));
	return {
		cosine: [
			{ name: `theory, N = ${pairs}`, color: 'var(--muted)', dashed: true, points: SWEEP_THEORY_D.map((x) => ({ x, y: theory(pairs, x) })) },
			{ name: 'measured', color: COLOR.es, points: points.map((p) => ({ x: p.d, y: p.cosine })) }
		],
		accuracy: per('accuracy'),
		loss: per('loss')
	};
}

// ---- sentences -------------------------------------------------------------------------------------

/** What the figures show now, for screen readers (the header's live summary). */
export function figureSummary(o: { points: readonly CosPoint[]; d: number; useless: number; curves: RaceCurves; raceUseless?: number; theory: Theory }): string {
	const at = atPairs(o.points, HEADLINE_PAIRS);
	const f = finals(o.curves);
	const padded = o.curves.esUseless?.at(-1);
	return (
		`Cosine of the ES estimate with the true gradient at N = ${HEADLINE_PAIRS}: ${fmtCos(at?.cosine)} (theory ${fmtCos(o.theory(HEADLINE_PAIRS, o.d + o.useless))}), ` +
		`d = ${o.d.toLocaleString('en')}${o.useless ? ` + ${o.useless.toLocaleString('en')} useless; on the net’s own parameters ${fmtCos(at?.cosineUseful)}` : ''}. ` +
		`Race: ${METHODS.map((m) => `${METHOD_LABEL[m]} ${f[m] ? pct(f[m].accuracy, 1) : '–'}`).join(', ')}` +
		(padded ? `, ${uselessLabel(o.raceUseless ?? 0)} ${pct(padded.accuracy, 1)}` : '') +
		` after ${(f.sgd?.compute ?? 0).toLocaleString('en')} forward passes.`
	);
}

/** The footer's provenance: how the shipped results were made, and where the live ones were (if any). */
export function provenance(s: Pick<ShippedCredit, 'seeds' | 'backend' | 'evalDigits' | 'testDigits'>, liveBackend: string | null): string {
	return (
		`Shipped results: scripts/make-credit.ts (seed ${s.seeds[0]}, ${s.backend} backend in Node); loss on ${s.evalDigits} training digits, accuracy on ${s.testDigits} test digits. ` +
		(liveBackend ? `Live figures computed in your browser on ${liveBackend}.` : '')
	);
}

// ---- the compute-to-target study -----------------------------------------------------------------

/** The median of per-seed computes, a seed that never got there counting as more than any (null if the median did not). */
export function medianCompute(at: readonly (number | null)[]): number | null {
	if (!at.length) return null;
	const s = [...at].sort((a, b) => (a ?? Infinity) - (b ?? Infinity));
	return s[Math.floor((s.length - 1) / 2)] ?? null;
}

/**
 * The study's check, as "How this could fail" states it; `by` names who showed it (or not), and
 * `sofar` says the runs are a live study's first ones (a slope may be missing only for want of runs).
 */
export function studySentence(study: Pick<ShippedTargets, 'verdict' | 'widths' | 'seeds' | 'targets'>, by = 'the study', sofar = false): string {
	const v = study.verdict;
	const T = pct(RACE_TARGET, 0);
	const who = (w: { method: string; width: number; seed: number }) => `${w.method === 'es' ? 'ES' : 'the GA'} at h = ${w.width}, seed ${w.seed}`;
	const x = (r: number) => (r >= 10 ? Math.floor(r) : Math.floor(r * 10) / 10);
	const es = v.lowestBy?.es;
	const ratio = v.refuted?.length
		? `${who(v.refuted[0])} reached ${T} with only ${x(v.refuted[0].ratio)}× backprop’s compute (the claim needs ${MIN_COMPUTE_RATIO}×).`
		: es
			? `ES needed at least ${x(es.ratio)}× backprop’s compute to reach ${T} at every width and seed where backprop got there${es.reached ? '' : ' (or never got there)'}; no method got there with less than ${MIN_COMPUTE_RATIO}×.`
			: `Backprop never reached ${T}, so no ratio was measured.`;
	const undecided = v.undecided?.length
		? ` Undecided: ${v.undecided.map((u) => `${who(u)} did not reach ${T} within a budget only ${x(u.ratio)}× backprop’s compute`).join('; ')}.`
		: '';
	const dim = Number.isFinite(v.slope)
		? ` ES’s median compute to 70 % against d, ${v.tested} widths: log-log slope ${v.slope.toFixed(2)} (0: flat; 1: in proportion to d; the claim needs below 0.5).`
		: sofar
			? ` ES has not yet reached 70 % at two widths, so there is no slope against d yet.`
			: ` ES did not reach 70 % at enough widths to fit a slope against d, so that half was not tested.`;
	return `${v.shown ? 'Shown' : 'Not shown'} by ${by}: ${ratio}${undecided}${dim}`;
}

// ---- the compute-to-target study, shipped or recomputed live -------------------------------------------

/** The reader's run of the study: what it was asked for, and the runs and curvatures finished so far. */
export type LiveStudy = { widths: number[]; seeds: number[]; runs: TargetRun[]; curvature: CurvatureRun[]; done: boolean };

/** The study on screen: the shipped one, or the reader's (its table, curvature and check from the runs so far). */
export type StudyShown = Pick<ShippedTargets, 'targets' | 'widths' | 'seeds' | 'budget' | 'table' | 'curvature' | 'verdict'> & {
	source: 'shipped' | 'live';
	done: boolean;
	/** runs finished, of `total` */
	finished: number;
	total: number;
};

export function studyShown(live: LiveStudy | null, shipped: ShippedTargets): StudyShown {
	if (!live) {
		const total = shipped.widths.length * shipped.seeds.length * METHODS.length;
		return { ...shipped, source: 'shipped', done: true, finished: total, total };
	}
	const study = { targets: [...TARGETS], widths: live.widths, seeds: live.seeds, budget: { ...STUDY_BUDGET }, runs: live.runs, curvature: live.curvature };
	// a width whose ES has not run yet has nothing to put on the slope (nor a ratio)
	const withEs = live.widths.filter((w) => live.runs.some((r) => r.width === w && r.method === 'es'));
	return {
		...study,
		table: targetTable(study).map((row) => ({ ...row, budget: STUDY_BUDGET[row.method] })),
		verdict: studyVerdict({ ...study, widths: withEs }),
		source: 'live',
		done: live.done,
		finished: live.runs.length,
		total: live.widths.length * live.seeds.length * METHODS.length
	};
}

/** Mean curvature per width over the seeds measured so far (widths not measured yet are left out). */
export function curvatureByWidth(curvature: readonly CurvatureRun[], widths: readonly number[]) {
	return widths.flatMap((width) => {
		const c = curvature.filter((r) => r.width === width);
		if (!c.length) return [];
		const mean = (f: (r: CurvatureRun) => number) => c.reduce((a, r) => a + f(r), 0) / c.length;
		return [{ width, d: c[0].d, seeds: c.length, effectiveDim: mean((r) => r.effectiveDim), trace: mean((r) => r.trace), top: mean((r) => r.topEigenvalue) }];
	});
}

/**
 * Progress of a live study, weighted by each step's multiply–adds (a run at its full budget; one that
 * stopped early counts as done), with `current` the run under way and the forward passes it has spent.
 */
export function studyProgress(
	plan: { widths: readonly number[]; seeds: readonly number[] },
	finished: readonly Pick<TargetRun, 'width' | 'method' | 'seed'>[],
	current: { width: number; method: Method; compute: number } | null,
	macs: (width: number) => number
): number {
	const weight = (width: number, method: Method) => STUDY_BUDGET[method] * macs(width);
	const total = plan.seeds.length * plan.widths.reduce((a, w) => a + METHODS.reduce((b, m) => b + weight(w, m), 0), 0);
	const done = finished.reduce((a, r) => a + weight(r.width, r.method), 0);
	const now = current ? Math.min(1, current.compute / STUDY_BUDGET[current.method]) * weight(current.width, current.method) : 0;
	return total > 0 ? Math.min(1, (done + now) / total) : 0;
}

/**
 * A live study's crossings against the shipped study's, seed by seed (same seeds and settings, so on the
 * shipped backend they should be equal): how many were compared and how many differ.
 */
export function compareWithShipped(live: Pick<StudyShown, 'table' | 'targets'>, shipped: Pick<ShippedTargets, 'table'>): { compared: number; differ: number } {
	let compared = 0;
	let differ = 0;
	for (const row of live.table) {
		const ship = shipped.table.find((r) => r.width === row.width && r.method === row.method);
		if (!ship) continue;
		row.seeds.forEach((seed, k) => {
			const j = ship.seeds.indexOf(seed);
			if (j < 0) return;
			live.targets.forEach((_, i) => {
				compared++;
				if (row.at[i][k] !== ship.at[i][j]) differ++;
			});
		});
	}
	return { compared, differ };
}
