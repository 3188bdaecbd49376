// Settings of the shipped task-vector checkpoints (scripts/make-task-vectors.ts) and the widget's
// defaults. No tfjs import: the widget's params schema reads these at build time.

export const TASKS = ['rot90', 'inverted', 'flipped'] as const;
export type Task = (typeof TASKS)[number];

/** The task that is neither a nor b (the first such, if a = b): its fine-tune is the other-task control. */
export const otherTask = (a: Task, b: Task): Task => TASKS.find((t) => t !== a && t !== b) as Task;

export const BASE_KINDS = ['generalist', 'narrow'] as const;
export type BaseKind = (typeof BASE_KINDS)[number];

export type TaskVectorSettings = {
	seed: number;
	/** base: Adam steps and learning rate (on the mix of all four domains, or upright only for the narrow base) */
	baseSteps: number;
	baseLr: number;
	/** each fine-tune: steps and learning rate (the multi-task baseline gets steps × number of tasks) */
	ftSteps: number;
	ftLr: number;
	/** the linear probe trains only the head, for ftSteps steps, at this rate */
	probeLr: number;
	batchSize: number;
};

export const DEFAULT_SETTINGS: TaskVectorSettings = {
	seed: 1,
	baseSteps: 300,
	baseLr: 1e-3,
	ftSteps: 400,
	ftLr: 1e-4,
	probeLr: 1e-3,
	batchSize: 128
};

export const DEFAULT_TASK_A: Task = 'rot90';
export const DEFAULT_TASK_B: Task = 'inverted';

/** λ values of the accuracy-vs-λ curves (step 0.25, so 0, ±0.5, ±1 and ±2 are on them). */
export const CURVE_LAMBDAS = Array.from({ length: 17 }, (_, i) => -2 + i * 0.25);
/** λ axes of the λ-plane heat map: 11 × 11 = 121 models, step 0.4 from −2 to 2, plus the λ = 1 lines. */
export const GRID_LAMBDAS = [-2, -1.5, -1, -0.5, 0, 0.25, 0.5, 0.75, 1, 1.5, 2];
/** test digits per domain for the curves and the heat map (the headline numbers use all 2,000) */
export const FIGURE_DIGITS = 500;
/** sample digits shown per domain with the merged model's predictions */
export const SAMPLES_PER_DOMAIN = 6;
/** training digits held out (never trained on) for choosing λ */
export const HOLDOUT = 1000;
