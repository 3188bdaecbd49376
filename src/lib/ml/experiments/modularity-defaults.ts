// The modularity experiment's settings and names, without its code: the widget's params schema (and
// so the widget registry, the home page and embed.js) and the widget read these without tfjs.

export type ModularitySettings = {
	depth: number;
	width: number;
	seed: number;
	steps: number;
	learningRate: number;
	/** stochastic depth during training: each block is skipped with this probability (0 = off) */
	layerDrop: number;
	batchSize: number;
	/** init scale of the residual blocks' output matrices B, relative to the standard 1/√depth (1) */
	bScale: number;
};

export const ARCHS = ['residual', 'plain'] as const;
export type Arch = (typeof ARCHS)[number];

/** The settings of the shipped checkpoints (scripts/make-checkpoints.ts) and the widget's defaults. */
export const DEFAULT_SETTINGS: ModularitySettings = {
	depth: 8,
	width: 128,
	seed: 1,
	steps: 1500,
	learningRate: 1e-3,
	layerDrop: 0,
	batchSize: 128,
	bScale: 1
};

/** The second init scale of B the shipped side study trains (scripts/make-checkpoints.ts), and the
 * widget's preset: a larger B makes every block's edit large from the start. */
export const ALT_B_SCALE = 4;

/** How many test digits the widget shows with their predicted labels. */
export const SAMPLE_COUNT = 12;
