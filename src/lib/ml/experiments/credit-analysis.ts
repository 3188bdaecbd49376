// The credit-assignment experiment's results as data: the race's and the sweep's shapes, the GA's
// population, the log-log slopes and the verdict. No tfjs: the page uses them on shipped and live runs.
import { COST, logLogFit, mlpParamCount } from '../es-theory';
import type { Verdict } from './common';
import { METHODS, MIN_COMPUTE_RATIO, RACE_TARGET, type Method, type RaceLine, type RaceSettings } from './credit-defaults';
export { MIN_COMPUTE_RATIO, RACE_TARGET };
import { pct } from '../../format';

export const gaPopulation = (s: Pick<RaceSettings, 'pairs'>) => COST.esGeneration(s.pairs);

export type RacePoint = { compute: number; loss: number; accuracy: number };
/** each method's curve, and ES's with k useless parameters when that was run */
export type RaceCurves = Record<Method, RacePoint[]> & { esUseless?: RacePoint[] };
export type RaceProgress = { method: RaceLine; point: RacePoint; budget: number };

export const finalPoint = (curve: RacePoint[]): RacePoint | undefined => curve.at(-1);

export type SweepPoint = {
	width: number;
	d: number;
	/** final point of each method's race at this width (the sweep races backprop and ES only) */
	final: { sgd: RacePoint; es: RacePoint; ga?: RacePoint };
	/** ES cosine at the race's N, at initialisation, on one minibatch */
	cosine: number;
	theory: number;
	/** the step sizes this width ran with (tuned per width on held-out training digits when shipped) */
	sgdLearningRate: number;
	esLearningRate: number;
};

/**
 * Settings per width, tuned by scripts/make-credit.ts (a step size tuned at one width can fail at
 * another): both step sizes, and ES's noise and population (older files carry the step sizes only).
 */
export type WidthTuning = Record<string, { sgdLearningRate: number; esLearningRate: number; sigma?: number; pairs?: number; gaSigma?: number }>;

/** The sweep races backprop and ES only, without the useless-parameter rerun. */
export function settingsForWidth(s: RaceSettings, width: number, tuning?: WidthTuning): RaceSettings {
	return { ...s, width, useless: 0, ...(tuning?.[String(width)] ?? {}) };
}

export const SWEEP_METHODS = ['sgd', 'es'] as const;

/**
 * log-log slope of the cosine against d across widths. (No loss-ratio slope: backprop's training loss
 * at the budget is ~1e-3, memorisation, so a ratio over it measured backprop overfitting, not ES.)
 */
export function sweepSlopes(points: SweepPoint[]) {
	return { cosine: logLogFit(points.map((p) => ({ x: p.d, y: p.cosine }))).slope };
}

// ---- tuning: a coordinate search that ends only at interior optima -----------------------------------

/** held-out score of a setting: accuracy first, loss breaks ties */
export type TuneScore = { accuracy: number; loss: number };
const better = (a: TuneScore, b: TuneScore) => a.accuracy > b.accuracy || (a.accuracy === b.accuracy && a.loss < b.loss);

export type AxisReport = { key: string; ladder: number[]; tried: number[]; best: number; interior: boolean; atLadderEnd: boolean };

/**
 * Tune the named settings one at a time on their ladders (sorted values), starting from `start`
 * (each start value must be on its ladder). Along an axis the search scores the current value and
 * both neighbours, and keeps stepping towards the best until the best has a scored neighbour on
 * either side; it sweeps the axes again until a whole sweep changes nothing. So every winner is
 * interior along every axis at the final point, unless it sits at the end of its ladder (reported).
 * `score` is called once per distinct setting (the caller may cache).
 */
export async function coordinateSearch<K extends string>(
	start: Record<K, number>,
	ladders: Record<K, number[]>,
	score: (s: Record<K, number>) => Promise<TuneScore>,
	maxSweeps = 4
): Promise<{ best: Record<K, number>; axes: AxisReport[] }> {
	const keys = Object.keys(ladders) as K[];
	const cache = new Map<string, TuneScore>();
	const at = async (s: Record<K, number>) => {
		const id = keys.map((k) => s[k]).join(',');
		let v = cache.get(id);
		if (!v) cache.set(id, (v = await score({ ...s })));
		return v;
	};
	let cur = { ...start };
	let axes: AxisReport[] = [];
	for (let sweep = 0; sweep < maxSweeps; sweep++) {
		let changed = false;
		axes = [];
		for (const k of keys) {
			const ladder = ladders[k];
			let i = ladder.indexOf(cur[k]);
			if (i < 0) throw new Error(`${k}=${cur[k]} is not on its ladder`);
			const tried = new Map<number, TuneScore>();
			const probe = async (j: number) => {
				if (j < 0 || j >= ladder.length || tried.has(j)) return;
				tried.set(j, await at({ ...cur, [k]: ladder[j] }));
			};
			for (;;) {
				await probe(i - 1);
				await probe(i);
				await probe(i + 1);
				let b = i;
				for (const [j, v] of tried) if (better(v, tried.get(b)!)) b = j;
				if (b === i) break;
				i = b;
			}
			if (ladder[i] !== cur[k]) changed = true;
			cur = { ...cur, [k]: ladder[i] };
			const atLadderEnd = i === 0 || i === ladder.length - 1;
			axes.push({ key: k, ladder, tried: [...tried.keys()].sort((a, b) => a - b).map((j) => ladder[j]), best: ladder[i], interior: !atLadderEnd, atLadderEnd });
		}
		if (!changed) break;
	}
	return { best: cur, axes };
}

// ---- compute to a target accuracy -----------------------------------------------------------------

/**
 * The compute at which a curve first reaches `target` test accuracy, bracketed by its checkpoints:
 * [after, at] = the last point below and the first point at or above it; null when it never did
 * within the curve (reported as "> budget", never dropped).
 */
export function computeToTarget(curve: RacePoint[], target: number): { after: number; at: number } | null {
	for (let i = 0; i < curve.length; i++) if (curve[i].accuracy >= target) return { after: i > 0 ? curve[i - 1].compute : 0, at: curve[i].compute };
	return null;
}

// ---- the verdict --------------------------------------------------------------------------------



/**
 * How many times backprop's compute a method needed to reach the target, as a lower bound: the
 * method's last checkpoint below the target against backprop's first at or above it (both
 * bracketed by checkpoints, so the true ratio is at least this). A method that has not reached the
 * target gets the compute it has spent so far, with `reached: false` (its ratio is more than that).
 */
export function computeRatio(sgd: RacePoint[], other: RacePoint[], target: number): { ratio: number; reached: boolean; at: number } | null {
	const bp = computeToTarget(sgd, target);
	if (!bp || bp.at === 0) return null;
	const m = computeToTarget(other, target);
	if (m) return { ratio: m.after / bp.at, reached: true, at: m.at };
	const spent = other.at(-1)?.compute ?? 0;
	return { ratio: spent / bp.at, reached: false, at: spent };
}

/**
 * Does this run show the claim? The essay's "How this could fail" names two results that would refute
 * it in a race, and this checks exactly those:
 *  1. backprop must reach `target` test accuracy with at most 1/`minRatio` of the compute ES and the
 *     GA need (a method that never reaches it within the budget needs more than the budget);
 *  2. ES rerun with k useless parameters must end within `maxUselessGap` of plain ES (if ES paid for
 *     raw parameter count, it would fall behind). With k = 0 there is no rerun and the text says that
 *     this half was not tested.
 */
export function verdict(curves: RaceCurves, done: boolean, minRatio = MIN_COMPUTE_RATIO, maxUselessGap = 0.01, useless = 0, target = RACE_TARGET): Verdict {
	const f = Object.fromEntries(METHODS.map((m) => [m, curves[m].at(-1)])) as Record<Method, RacePoint | undefined>;
	if (!f.sgd || !f.es || !f.ga || f.sgd.compute === 0) return { shown: false, text: 'The race has not run yet.' };
	const prefix = done ? '' : 'So far: ';
	const no = done ? 'Not shown by this run: ' : '';
	const yes = done ? 'Shown by this run: ' : '';
	const race = `backprop reached ${pct(f.sgd.accuracy, 1)} test accuracy, evolution strategies ${pct(f.es.accuracy, 1)}, the genetic algorithm ${pct(f.ga.accuracy, 1)}`;
	const T = pct(target, 0);
	const bp = computeToTarget(curves.sgd, target);
	if (!bp) return { shown: false, text: `${prefix}${no}${race}; backprop has not reached ${T}${done ? ' within the budget' : ' yet'}, so the compute each needs to get there was not compared.` };
	const n = (x: number) => Math.round(x).toLocaleString('en');
	const parts: string[] = [];
	const label = { es: 'ES', ga: 'the GA' } as const;
	for (const m of ['es', 'ga'] as const) {
		const r = computeRatio(curves.sgd, curves[m], target)!;
		const times = r.ratio >= 10 ? Math.floor(r.ratio) : Math.floor(r.ratio * 10) / 10;
		if (r.reached && r.ratio < minRatio)
			return { shown: false, text: `${prefix}${no}${race}; backprop reached ${T} within ${n(bp.at)} forward-pass equivalents and ${label[m]} within ${n(r.at)}: less than ${minRatio}× more compute, not far behind.` };
		if (!r.reached && r.ratio < minRatio) {
			if (done) return { shown: false, text: `${prefix}${no}${race}; backprop reached ${T} within ${n(bp.at)} forward-pass equivalents, ${label[m]} not within the budget of ${n(r.at)}, too small a budget to tell ${minRatio}× apart.` };
			return { shown: false, text: `${prefix}${race}; backprop reached ${T} within ${n(bp.at)} forward-pass equivalents, ${label[m]} not yet.` };
		}
		parts.push(r.reached ? `${label[m]} needed at least ${times}× as much` : `${label[m]} not within ${n(r.at)} (more than ${times}×)`);
	}
	const target_ = `backprop reached ${T} within ${n(bp.at)} forward-pass equivalents; ${parts.join(', ')}`;
	const padded = curves.esUseless?.at(-1);
	// mid-race the rerun may be a checkpoint behind ES: compare it with ES at the same compute
	const twin = curves.esUseless ? curves.es[curves.esUseless.length - 1] : undefined;
	const k = useless.toLocaleString('en');
	if (padded && twin && padded.compute > 0) {
		const off = Math.abs(padded.accuracy - twin.accuracy);
		const rerun = `ES with ${k} useless parameters ${pct(padded.accuracy, 1)}`;
		if (off > maxUselessGap)
			return { shown: false, text: `${prefix}${no}${race}; ${target_}; but ${rerun}, ${pct(off, 1)} away from ES without them: here ES did pay for parameters that do nothing.` };
		return { shown: true, text: `${prefix}${yes}${race}; ${target_}; ${rerun}, ${off === 0 ? 'exactly the same' : `within ${pct(off, 1)}`}.` };
	}
	return { shown: true, text: `${prefix}${yes}${race}; ${target_}. (ES was not rerun with useless parameters, k = 0, so that half of the claim was not tested.)` };
}

// ---- the compute-to-target study (shipped: scripts/make-credit.ts) ---------------------------------

export type Bracket = { after: number; at: number };
export type TargetRun = { seed: number; width: number; method: Method; budget: number; reached: (Bracket | null)[]; curve: RacePoint[] };
export type CurvatureRun = { seed: number; width: number; d: number; examples?: number; trace: number; topEigenvalue: number; effectiveDim: number };
export type TargetStudy = { targets: number[]; widths: number[]; seeds: number[]; budget: Record<Method, number>; runs: TargetRun[]; curvature: CurvatureRun[] };

/** Per width, method and target: each seed's compute to the target (null: more than the budget). */
export function targetTable(study: Pick<TargetStudy, 'targets' | 'widths' | 'runs'>) {
	return study.widths.flatMap((width) =>
		METHODS.map((method) => {
			const runs = study.runs.filter((r) => r.width === width && r.method === method).sort((a, b) => a.seed - b.seed);
			return { width, method, budget: runs[0]?.budget ?? 0, seeds: runs.map((r) => r.seed), at: study.targets.map((_, t) => runs.map((r) => r.reached[t]?.at ?? null)) };
		})
	);
}

/**
 * The study's own check, the sentence "How this could fail" states for it: at every width and seed
 * where backprop reached the target, ES and the GA needed at least `minRatio`× its compute (lower
 * bounds, as in computeRatio); and ES's compute to `dimTarget` did not grow in proportion to d (the
 * log-log slope of its median over widths below 0.5, halfway between "flat" and "∝ d").
 */
export function studyVerdict(study: TargetStudy, target = RACE_TARGET, dimTarget = 0.7, minRatio = MIN_COMPUTE_RATIO) {
	const ti = study.targets.indexOf(target);
	const worst: { width: number; method: Method; seed: number; ratio: number; reached: boolean }[] = [];
	for (const width of study.widths)
		for (const seed of study.seeds) {
			const bp = study.runs.find((r) => r.width === width && r.seed === seed && r.method === 'sgd')?.reached[ti];
			if (!bp) continue;
			for (const method of ['es', 'ga'] as const) {
				const run = study.runs.find((r) => r.width === width && r.seed === seed && r.method === method);
				if (!run) continue;
				const m = run.reached[ti];
				worst.push({ width, method, seed, ratio: (m ? m.after : run.curve.at(-1)!.compute) / bp.at, reached: !!m });
			}
		}
	worst.sort((a, b) => a.ratio - b.ratio);
	const di = study.targets.indexOf(dimTarget);
	const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
	const esDim = study.widths.map((width) => {
		const at = study.runs.filter((r) => r.width === width && r.method === 'es').map((r) => r.reached[di]?.at ?? null);
		return { width, d: mlpParamCount(width), median: at.some((a) => a === null) ? null : med(at as number[]) };
	});
	const fitted = esDim.filter((p) => p.median !== null) as { width: number; d: number; median: number }[];
	const slope = fitted.length >= 2 ? logLogFit(fitted.map((p) => ({ x: p.d, y: p.median }))).slope : NaN;
	// refuted only by a method that did reach the target within minRatio× backprop's compute; one that
	// did not reach it within a budget under minRatio× backprop's compute leaves that cell undecided
	const refuted = worst.filter((w) => w.reached && w.ratio < minRatio);
	const undecided = worst.filter((w) => !w.reached && w.ratio < minRatio);
	const ratioHolds = worst.length > 0 && refuted.length === 0;
	const dimHolds = Number.isFinite(slope) && slope < 0.5;
	const lowestBy = Object.fromEntries((['es', 'ga'] as const).map((m) => [m, worst.find((w) => w.method === m) ?? null]));
	return { lowest: worst[0] ?? null, lowestBy, refuted, undecided, ratioHolds, esDim, slope, dimHolds, tested: fitted.length, shown: ratioHolds && dimHolds };
}
