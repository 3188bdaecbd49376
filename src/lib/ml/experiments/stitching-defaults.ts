// The stitching experiment's settings and names, without its code: the widget's params schema (and so
// the widget registry, the home page and embed.js) reads these without pulling in tfjs.
export const CUTS = [1, 2, 3] as const;

export type StitchSettings = {
	width: number;
	seedA: number;
	seedB: number;
	steps: number;
	learningRate: number;
	batchSize: number;
	/** Adam steps for each trained affine stitch */
	stitchSteps: number;
	stitchLearningRate: number;
	/** training digits used for correlations and least squares */
	statDigits: number;
};

export const DEFAULT_STITCH: StitchSettings = {
	width: 256,
	seedA: 1,
	seedB: 2,
	steps: 1500,
	learningRate: 1e-3,
	batchSize: 128,
	stitchSteps: 300,
	stitchLearningRate: 1e-3,
	statDigits: 2000
};

/** The default cut shown first (A's first two hidden layers into B's last). */
export const DEFAULT_CUT = 2;

export const METHODS = ['naive', 'activation', 'weight', 'lstsq', 'lstsqRandom', 'lstsqPixels', 'trained', 'random'] as const;
export type Method = (typeof METHODS)[number];

export const METHOD_LABEL: Record<Method, string> = {
	naive: 'naive weld (control)',
	activation: 'permutation: activations',
	weight: 'permutation: weights',
	lstsq: 'least-squares affine',
	lstsqRandom: 'random bottom + least squares (control)',
	lstsqPixels: 'raw pixels + least squares (control)',
	trained: 'trained affine stitch',
	random: 'random bottom + trained stitch (control)'
};

export const SWEEP_WIDTHS = [64, 128, 256, 512] as const;
export const INTERP_POINTS = 21;
export const GRADIENT_FREE = ['naive', 'activation', 'weight', 'lstsq', 'lstsqRandom', 'lstsqPixels'] as const;
export type GradientFreeMethod = (typeof GRADIENT_FREE)[number];

/** The interpolation paths from A to B: B as trained, B relabelled by weights, by activations. */
export const PATHS = ['naive', 'weight', 'activation'] as const;
export type PathName = (typeof PATHS)[number];
