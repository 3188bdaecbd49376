// Results computed by scripts/make-credit.ts from fixed seeds, bundled at build time so the essay's
// figures and quoted numbers are on screen before tfjs or the digit data have loaded. The page
// recomputes every one of them live.
import results from '../../../../static/checkpoints/credit/results.json';
import { shippedResults } from '$lib/shipped';
import type { Stat } from '$lib/ml/experiments/common';
import type { RaceCurves, SweepPoint, WidthTuning } from '$lib/ml/experiments/credit-analysis';
import type { RaceSettings } from '$lib/ml/experiments/credit-defaults';

export type ShippedCosine = { seed: number; useless: number; d: number; points: { pairs: number; cosine: number; cosineUseful: number; theory: number }[] };

export type ShippedCredit = {
	createdBy: string;
	backend: string;
	testDigits: number;
	evalDigits: number;
	settings: RaceSettings;
	seeds: number[];
	tuning: {
		seed: number;
		heldOut: string;
		/** valLoss null: a trial reused from a log of a stopped run, which printed only the accuracy */
		trials: { method: string; width: number; settings: Record<string, number>; valAccuracy: number; valLoss: number | null }[];
		widths: WidthTuning;
		/** widths searched in one pass, N kept (make-credit --coarse-widths) */
		coarse?: number[];
	};
	race: RaceCurves;
	sweep: SweepPoint[];
	sweepBySeed: Record<string, SweepPoint[]>;
	cosine: {
		sigma: number;
		width: number;
		useless: number[];
		byN: ShippedCosine[];
		pictures: { unit: number; truth: number[]; estimate: number[] }[];
		theory: Record<string, number>;
	};
	summary: { stats: Record<string, Stat> };
};

export const shipped = shippedResults<ShippedCredit>(results, 'credit', ['settings', 'race', 'sweep', 'cosine', 'summary', 'tuning']);

// The compute-to-target study (scripts/make-credit.ts step 4): its table, curvature and check. Its
// curves stay in targets-curves.json, which the page does not load.
import targetsJson from '../../../../static/checkpoints/credit/targets.json';
import type { CurvatureRun, studyVerdict, targetTable } from '$lib/ml/experiments/credit-analysis';
import type { Method } from '$lib/ml/experiments/credit-defaults';

export type ShippedTargets = {
	createdBy: string;
	backend: string;
	testDigits: number;
	/** the tuned settings and each width's winners the study ran with (a live rerun uses them too) */
	settings: RaceSettings;
	widthTuning: WidthTuning;
	targets: number[];
	widths: number[];
	seeds: number[];
	budget: Record<Method, number>;
	table: ReturnType<typeof targetTable>;
	curvature: CurvatureRun[];
	verdict: ReturnType<typeof studyVerdict>;
};
export const shippedTargets = shippedResults<ShippedTargets>(targetsJson, 'credit', ['settings', 'widthTuning', 'targets', 'widths', 'seeds', 'budget', 'table', 'curvature', 'verdict']);
