import type { ModularitySettings } from './modularity';

/** The settings of the shipped checkpoints (scripts/make-checkpoints.ts) and the widget's defaults. */
export const DEFAULT_SETTINGS: ModularitySettings = {
	depth: 8,
	width: 128,
	seed: 1,
	steps: 1500,
	learningRate: 1e-3,
	layerDrop: 0,
	batchSize: 128
};

/** How many test digits the widget shows with their predicted labels. */
export const SAMPLE_COUNT = 12;
