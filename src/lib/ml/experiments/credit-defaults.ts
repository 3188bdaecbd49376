// The credit-assignment experiment's settings, kept free of tfjs so the widget registry (and with it
// the home page and embed.js's first load) can import the params schema without pulling in tfjs.

export type RaceSettings = {
	width: number;
	seed: number;
	/** forward-pass equivalents each method may spend */
	budget: number;
	batchSize: number;
	sgdLearningRate: number;
	/** ES antithetic pairs N (the GA's population is 2N: the same compute per generation) */
	pairs: number;
	sigma: number;
	esLearningRate: number;
	gaSigma: number;
	/** GA truncation: the best this many are parents */
	gaParents: number;
	/** evaluation points along the budget */
	checkpoints: number;
	/**
	 * k: ES is raced a second time with k parameters appended that the loss never reads (0: no second
	 * run). It should match the plain ES run exactly: ES pays for directions that matter, not for knobs.
	 */
	useless: number;
};

// Tuned by scripts/make-credit.ts on held-out training digits at the default width h = 32 (see
// results.json → tuning; every width's winners are in tuning.widths).
export const DEFAULT_RACE: RaceSettings = {
	width: 32,
	seed: 1,
	budget: 6000,
	batchSize: 128,
	sgdLearningRate: 1e-2,
	pairs: 10,
	sigma: 0.03,
	esLearningRate: 0.01,
	gaSigma: 0.01,
	gaParents: 8,
	checkpoints: 20,
	useless: 100_000
};

export const SWEEP_WIDTHS = [2, 8, 32, 128] as const;
/**
 * Widths of the compute-to-target study (h = 2 is left out: there backprop itself stays near 70 %,
 * so neither target is reached by anyone and the comparison says nothing).
 */
export const TARGET_WIDTHS = [8, 32, 128] as const;
/**
 * Forward-pass budgets of the compute-to-target study: backprop 6,000 (it reaches 90 % in a few hundred
 * where it reaches it at all); ES 15,000, 2.5× the race (90 % is beyond any budget three widths × three
 * seeds can afford, so it is reported as "> 15,000"); the GA 6,000, the race's budget (it ends near 56 %
 * there, so more would buy no crossing, only compute). Shared by scripts/make-credit.ts and the page.
 */
export const STUDY_BUDGET = { sgd: 6000, es: 15000, ga: 6000 } as const;
/** digits whose per-example gradients give the study's effective dimension (an n×d matrix: 52 MB at h = 128) */
export const CURVATURE_EXAMPLES = 128;
/** test accuracies whose compute each method must reach in the study (and the race's verdict, at the first) */
export const TARGETS = [0.7, 0.8, 0.9] as const;
/** The race's target test accuracy, and how many times backprop's compute counts as "far behind". */
export const RACE_TARGET = 0.8;
export const MIN_COMPUTE_RATIO = 5;
/** population sizes of the cosine figure (nested: one run of the largest gives all) */
export const COSINE_PAIRS = [1, 2, 4, 8, 16, 32, 64, 128, 256] as const;
export const COSINE_SIGMA = 1e-3;

export const METHODS = ['sgd', 'es', 'ga'] as const;
export type Method = (typeof METHODS)[number];
export const METHOD_LABEL: Record<Method, string> = {
	sgd: 'backprop (Adam)',
	es: 'evolution strategies',
	ga: 'genetic algorithm'
};
/** a race's lines: the three methods, and ES again with the useless parameters (when k > 0) */
export type RaceLine = Method | 'esUseless';
export const uselessLabel = (k: number) => `ES + ${k.toLocaleString('en')} useless parameters`;
