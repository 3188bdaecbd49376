// The layer-swap widget's parameters: one declaration drives its controls, its URL query, validation
// and its embed attributes. Defaults are the shipped checkpoints' settings.
import { defineSchema, type ParamValues } from '$lib/params/schema';
import { DEFAULT_SETTINGS, type ModularitySettings } from '$lib/ml/experiments/modularity-defaults';
import { IMAGE_SIZE, NUM_CLASSES } from '$lib/ml/data';

export const MAX_DEPTH = 12;

export const layerSwapSchema = defineSchema([
	{
		name: 'order',
		kind: 'intlist',
		label: 'Block order',
		help: 'The order the trained blocks run in: reorder, drop or repeat blocks (indices from 0).',
		min: 0,
		max: MAX_DEPTH - 1,
		maxLength: 2 * MAX_DEPTH,
		default: [],
		live: true
	},
	{ name: 'depth', kind: 'int', label: 'Depth (blocks)', help: 'Number of blocks in both nets.', min: 2, max: MAX_DEPTH, default: DEFAULT_SETTINGS.depth },
	{ name: 'width', kind: 'int', label: 'Width', help: 'Units per hidden layer.', min: 16, max: 256, step: 16, default: DEFAULT_SETTINGS.width },
	{ name: 'seed', kind: 'int', label: 'Seed', help: 'Initial weights and the order of training batches.', min: 0, max: 9999, default: DEFAULT_SETTINGS.seed },
	{ name: 'steps', kind: 'int', label: 'Training steps', help: 'Adam steps of batch 128 for each net.', min: 50, max: 5000, step: 50, default: DEFAULT_SETTINGS.steps },
	{ name: 'lr', kind: 'float', label: 'Learning rate', help: 'Adam learning rate.', min: 1e-4, max: 1e-2, log: true, default: DEFAULT_SETTINGS.learningRate },
	{
		name: 'binit',
		kind: 'float',
		label: 'Residual B init scale (× 1/√depth)',
		help: 'Scales the initial weights of every residual block’s output matrix B. At 1, edits start small; large values make every edit large from the start and the stream grow fast. A knob that can break the claim.',
		min: 0.1,
		max: 10,
		log: true,
		default: DEFAULT_SETTINGS.bScale
	},
	{
		name: 'spu',
		kind: 'int',
		label: 'Steps per update',
		help: 'Training steps between updates of the curves. Fewer is smoother; more is a little faster (on a slow backend, try 5).',
		min: 1,
		max: 200,
		default: 25,
		live: true
	},
	{
		name: 'sdepth',
		kind: 'bool',
		label: 'Stochastic depth (train with layer drop)',
		help: 'Skips each block with probability 0.2 in every training step. This trains the very robustness the essay is about, so it is off by default.',
		default: false
	}
]);

export type LayerSwapParams = ParamValues<typeof layerSwapSchema>;

export const LAYER_DROP_PROBABILITY = 0.2;

export function settingsFrom(p: LayerSwapParams): ModularitySettings {
	return {
		depth: p.depth,
		width: p.width,
		seed: p.seed,
		steps: p.steps,
		learningRate: p.lr,
		layerDrop: p.sdepth ? LAYER_DROP_PROBABILITY : 0,
		batchSize: DEFAULT_SETTINGS.batchSize,
		bScale: p.binit
	};
}

/** Do two settings describe the same nets (e.g. the shipped checkpoints, so shipped results apply)? */
export function sameSettings(s: ModularitySettings, shippedSettings: ModularitySettings): boolean {
	return (
		s.depth === shippedSettings.depth &&
		s.width === shippedSettings.width &&
		s.seed === shippedSettings.seed &&
		s.steps === shippedSettings.steps &&
		Math.abs(s.learningRate - shippedSettings.learningRate) < 1e-12 &&
		s.layerDrop === shippedSettings.layerDrop &&
		s.batchSize === shippedSettings.batchSize &&
		// results written before the knob existed were trained at the default scale
		Math.abs((s.bScale ?? 1) - (shippedSettings.bScale ?? 1)) < 1e-12
	);
}

/**
 * Work of training both nets (what a link with other settings starts), in multiply–adds: steps ×
 * batch × 3 (forward, and a backward of about twice that) × the MACs of one digit through each net,
 * i.e. steps × width² × depth for the blocks. The worst link (depth 12, width 256, 5000 steps) is
 * about 15× the shipped training; see ../auto-run.ts for what starts on load.
 */
export function trainingWork(p: Pick<LayerSwapParams, 'depth' | 'width' | 'steps'>): number {
	const { depth, width: w, steps } = p;
	const embedHead = IMAGE_SIZE * w + w + w * NUM_CLASSES + NUM_CLASSES;
	const perDigit = 2 * embedHead + 2 * depth * (2 * w * w + 2 * w); // residual + the two-matrix control
	return steps * DEFAULT_SETTINGS.batchSize * 3 * perDigit;
}

/** The work of training the shipped nets (the unit of auto-run's limit). */
export const SHIPPED_TRAINING_WORK = trainingWork(DEFAULT_SETTINGS);

/** An order valid for `depth` (entries out of range dropped), with a note if anything was removed. */
export function orderFor(order: readonly number[], depth: number): { order: number[]; note?: string } {
	if (order.length === 0) return { order: Array.from({ length: depth }, (_, i) => i) };
	const kept = order.filter((i) => i < depth);
	if (kept.length === 0) return { order: Array.from({ length: depth }, (_, i) => i), note: `order has no block below depth ${depth}; using the intact order.` };
	if (kept.length < order.length) return { order: kept, note: `order referred to blocks beyond depth ${depth}; they were left out.` };
	return { order: kept };
}
