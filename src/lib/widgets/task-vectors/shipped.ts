// Results computed by scripts/make-task-vectors.ts from fixed seeds, bundled at build time so the essay's
// figures and quoted numbers are on screen before tfjs or the digit data have loaded. The page recomputes
// them live from the shipped checkpoints (and from the reader's own fine-tunes).
import results from '../../../../static/checkpoints/task-vectors/results.json';
import { decodeBase64, shippedResults } from '$lib/shipped';
import type { BaseKind, CurvePoint, Curves, DomainAcc, Grid, Stat, Task, TaskVectorSettings, VectorStats, VerdictData } from '$lib/ml/experiments/task-vectors';

export type ShippedPair = { curves: Curves; grid: Grid; verdictData: VerdictData; stats: VectorStats; predictions: number[] };
export type ShippedAccuracy = {
	base: DomainAcc;
	sum1: DomainAcc;
	best: DomainAcc;
	neg1: DomainAcc;
	neg2: DomainAcc;
	rand1: DomainAcc;
	rand2: DomainAcc;
	gen1: DomainAcc;
	shuf1: DomainAcc;
	ft: Partial<Record<Task, DomainAcc>>;
	multitask: DomainAcc;
	/** multi-task training on all four domains (generalist only) */
	multitask4: DomainAcc | null;
	/** θ₀ trained further on its own mix for one fine-tune's steps */
	generic: DomainAcc;
	probe: Partial<Record<Task, number>>;
	lambdaStar: number;
};
export type ShippedRun = {
	headline: Record<string, number>;
	accuracy: ShippedAccuracy;
	lossCurves: Record<string, CurvePoint[]>;
	pairs: Record<string, ShippedPair>;
};
export type ShippedResults = {
	createdBy: string;
	backend: string;
	settings: TaskVectorSettings;
	tasks: { A: Task; B: Task };
	testDigits: number;
	figureDigits: number;
	holdoutDigits: number;
	curveLambdas: number[];
	gridLambdas: number[];
	generalist: ShippedRun;
	narrow: ShippedRun;
	samples: { labels: number[]; pixelsBase64: string };
	summary: { seeds: number[] } & Record<BaseKind, Record<string, Stat>>;
};

export const shipped = shippedResults<ShippedResults>(results, 'task-vectors', ['settings', 'tasks', 'generalist', 'narrow', 'samples', 'summary']);
export { decodeBase64 };

/**
 * The longer-trained generalist base (scripts/make-task-vectors.ts --base-steps 2000): the same fine-tunes
 * and controls on a base that further generic training helps less. Headline numbers only, no checkpoints.
 */
import longResults from '../../../../static/checkpoints/task-vectors/base-2000.json';
export type LongBaseResults = { settings: TaskVectorSettings; seeds: number[]; headlines: Record<string, number>[]; summary: Record<string, Stat> };
export const longBase = shippedResults<LongBaseResults>(longResults, 'task-vectors/base-2000', ['settings', 'seeds', 'headlines', 'summary']);
