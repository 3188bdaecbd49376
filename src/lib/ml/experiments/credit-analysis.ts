// The credit-assignment experiment's results as data: the race's and the sweep's shapes, the GA's
// population, the log-log slopes and the verdict. No tfjs: the page uses them on shipped and live runs.
import { COST, logLogFit } from '../es-theory';
import type { Verdict } from './common';
import { METHODS, type Method, type RaceLine, type RaceSettings } from './credit-defaults';
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

/** Step sizes per width, tuned by scripts/make-credit.ts (a step size tuned at one width can fail at another). */
export type WidthTuning = Record<string, { sgdLearningRate: number; esLearningRate: number }>;

/** The sweep races backprop and ES only, without the useless-parameter rerun. */
export function settingsForWidth(s: RaceSettings, width: number, tuning?: WidthTuning): RaceSettings {
	return { ...s, width, useless: 0, ...(tuning?.[String(width)] ?? {}) };
}

export const SWEEP_METHODS = ['sgd', 'es'] as const;

/** log-log slopes across widths: the cosine against d, and ES's loss gap to backprop against d. */
export function sweepSlopes(points: SweepPoint[]) {
	return {
		cosine: logLogFit(points.map((p) => ({ x: p.d, y: p.cosine }))).slope,
		lossRatio: logLogFit(points.map((p) => ({ x: p.d, y: p.final.es.loss / p.final.sgd.loss }))).slope
	};
}

// ---- the verdict --------------------------------------------------------------------------------


/**
 * Does this run show the claim? The essay's "How this could fail" names two results that would refute
 * it, and this checks exactly those, at the end of the race:
 *  1. backprop must beat both gradient-free methods by at least `minGap` of test accuracy;
 *  2. ES rerun with k useless parameters must end within `maxUselessGap` of plain ES (if ES paid for
 *     raw parameter count, it would fall behind). With k = 0 there is no rerun and the text says that
 *     this half was not tested.
 */
export function verdict(curves: RaceCurves, done: boolean, minGap = 0.02, maxUselessGap = 0.01, useless = 0): Verdict {
	const f = Object.fromEntries(METHODS.map((m) => [m, curves[m].at(-1)])) as Record<Method, RacePoint | undefined>;
	if (!f.sgd || !f.es || !f.ga || f.sgd.compute === 0) return { shown: false, text: 'The race has not run yet.' };
	const lo = Math.min(f.sgd.compute, f.es.compute, f.ga.compute);
	const hi = Math.max(f.sgd.compute, f.es.compute, f.ga.compute);
	const at = `after ${lo === hi ? '' : `${lo.toLocaleString('en')}–`}${hi.toLocaleString('en')} forward-pass equivalents`;
	const gapEs = f.sgd.accuracy - f.es.accuracy;
	const gapGa = f.sgd.accuracy - f.ga.accuracy;
	const prefix = done ? '' : 'So far: ';
	const race = `backprop reached ${pct(f.sgd.accuracy, 1)} test accuracy, evolution strategies ${pct(f.es.accuracy, 1)}, the genetic algorithm ${pct(f.ga.accuracy, 1)}`;
	if (gapEs < minGap || gapGa < minGap)
		return {
			shown: false,
			text: `${prefix}${done ? 'Not shown by this run: ' : ''}${at}, ${race}: backprop is not clearly ahead of ${gapEs < minGap ? 'ES' : 'the GA'}.`
		};
	const padded = curves.esUseless?.at(-1);
	// mid-race the rerun may be a checkpoint behind ES: compare it with ES at the same compute
	const twin = curves.esUseless ? curves.es[curves.esUseless.length - 1] : undefined;
	const k = useless.toLocaleString('en');
	if (padded && twin && padded.compute > 0) {
		const off = Math.abs(padded.accuracy - twin.accuracy);
		const rerun = `ES with ${k} useless parameters ${pct(padded.accuracy, 1)}`;
		if (off > maxUselessGap)
			return {
				shown: false,
				text: `${prefix}${done ? 'Not shown by this run: ' : ''}${at}, ${race}; but ${rerun}, ${pct(off, 1)} away from ES without them: here ES did pay for parameters that do nothing.`
			};
		return {
			shown: true,
			text: `${prefix}${done ? 'Shown by this run: ' : ''}${at}, ${race}; ${rerun}, ${off === 0 ? 'exactly the same' : `within ${pct(off, 1)}`}.`
		};
	}
	return {
		shown: true,
		text: `${prefix}${done ? 'Shown by this run: ' : ''}${at}, ${race}. (ES was not rerun with useless parameters, k = 0, so that half of the claim was not tested.)`
	};
}
