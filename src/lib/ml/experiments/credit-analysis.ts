// The credit-assignment experiment's results as data: the race's and the sweep's shapes, the GA's
// population, the log-log slopes and the verdict. No tfjs: the page uses them on shipped and live runs.
import { COST, logLogFit } from '../es-theory';
import type { Verdict } from './common';
import { METHODS, type Method, type RaceSettings } from './credit-defaults';
import { pct } from '../../format';

export const gaPopulation = (s: Pick<RaceSettings, 'pairs'>) => COST.esGeneration(s.pairs);

export type RacePoint = { compute: number; loss: number; accuracy: number };
export type RaceCurves = Record<Method, RacePoint[]>;
export type RaceProgress = { method: Method; point: RacePoint; budget: number };

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

export function settingsForWidth(s: RaceSettings, width: number, tuning?: WidthTuning): RaceSettings {
	return { ...s, width, ...(tuning?.[String(width)] ?? {}) };
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


/** Does this run show the claim? At equal compute backprop must clearly beat both gradient-free methods. */
export function verdict(curves: RaceCurves, done: boolean, minGap = 0.02): Verdict {
	const f = Object.fromEntries(METHODS.map((m) => [m, curves[m].at(-1)])) as Record<Method, RacePoint | undefined>;
	if (!f.sgd || !f.es || !f.ga || f.sgd.compute === 0) return { shown: false, text: 'The race has not run yet.' };
	const lo = Math.min(f.sgd.compute, f.es.compute, f.ga.compute);
	const hi = Math.max(f.sgd.compute, f.es.compute, f.ga.compute);
	const at = `after ${lo === hi ? '' : `${lo.toLocaleString('en')}–`}${hi.toLocaleString('en')} forward-pass equivalents`;
	const gapEs = f.sgd.accuracy - f.es.accuracy;
	const gapGa = f.sgd.accuracy - f.ga.accuracy;
	const prefix = done ? '' : 'So far: ';
	if (gapEs >= minGap && gapGa >= minGap)
		return {
			shown: true,
			text: `${prefix}${done ? 'Shown by this run: ' : ''}${at}, backprop reached ${pct(f.sgd.accuracy, 1)} test accuracy, evolution strategies ${pct(f.es.accuracy, 1)}, the genetic algorithm ${pct(f.ga.accuracy, 1)}.`
		};
	return {
		shown: false,
		text: `${prefix}${done ? 'Not shown by this run: ' : ''}${at}, backprop reached ${pct(f.sgd.accuracy, 1)}, evolution strategies ${pct(f.es.accuracy, 1)}, the genetic algorithm ${pct(f.ga.accuracy, 1)}: backprop is not clearly ahead of ${gapEs < minGap ? 'ES' : 'the GA'}.`
	};
}
