// The stitching widget's parameters: one declaration drives its controls, its URL query and
// validation. Defaults are the shipped checkpoints' settings (scripts/make-stitching.ts).
import { defineSchema, type ParamValues } from '$lib/params/schema';
import { CUTS, DEFAULT_CUT, DEFAULT_STITCH, METHOD_LABEL, type StitchSettings } from '$lib/ml/experiments/stitching-defaults';

export const stitchingSchema = defineSchema([
	{
		name: 'cut',
		kind: 'int',
		label: 'Cut after hidden layer k',
		help: 'A runs its first k hidden layers; B runs the rest. k = 3 feeds all of A into B’s output layer.',
		min: CUTS[0],
		max: CUTS[CUTS.length - 1],
		default: DEFAULT_CUT,
		live: true
	},
	{
		name: 'method',
		kind: 'enum',
		label: 'How to join the halves',
		help: 'The first four need no gradient training. Least squares and the trained stitch are each shown beside their controls: the same map from an untrained random bottom (and, for least squares, from the raw pixels).',
		// gradient-free methods first; the naive weld is the control
		choices: [
			{ value: 'activation', label: 'Permute: match activations' },
			{ value: 'weight', label: 'Permute: match weights' },
			{ value: 'lstsq', label: 'Least-squares affine' },
			{ value: 'naive', label: 'Naive weld (control)' },
			{ value: 'trained', label: 'Trained affine stitch' }
		],
		default: 'activation',
		live: true
	},
	{ name: 'seeda', kind: 'int', label: 'Seed of net A', help: 'Initial weights and batch order of A.', min: 0, max: 9999, default: DEFAULT_STITCH.seedA },
	{ name: 'seedb', kind: 'int', label: 'Seed of net B', help: 'Initial weights and batch order of B. Use a different seed from A.', min: 0, max: 9999, default: DEFAULT_STITCH.seedB },
	{ name: 'width', kind: 'int', label: 'Width', help: 'Units per hidden layer of both nets.', min: 32, max: 512, step: 32, default: DEFAULT_STITCH.width },
	{ name: 'steps', kind: 'int', label: 'Training steps', help: 'Adam steps of batch 128 for each net.', min: 100, max: 5000, step: 100, default: DEFAULT_STITCH.steps },
	{
		name: 'sst',
		kind: 'int',
		label: 'Stitch training steps',
		help: 'Adam steps for each trained affine stitch (A and B frozen).',
		min: 20,
		max: 2000,
		step: 20,
		default: DEFAULT_STITCH.stitchSteps
	},
	{
		name: 'spu',
		kind: 'int',
		label: 'Steps per update',
		help: 'Training steps between progress updates. Fewer is smoother; more is a little faster.',
		min: 1,
		max: 200,
		default: 25,
		live: true
	}
]);

export type StitchingParams = ParamValues<typeof stitchingSchema>;

export { METHOD_LABEL };

export function settingsFrom(p: StitchingParams): StitchSettings {
	return { ...DEFAULT_STITCH, width: p.width, seedA: p.seeda, seedB: p.seedb, steps: p.steps, stitchSteps: p.sst };
}

/** MACs of one digit through one of the nets (784-w-w-w-10). */
function netMacs(w: number): number {
	return 784 * w + 2 * w * w + w * 10;
}

/**
 * Work, in multiply–adds, of what a link starts on load: training A and B when they are not the
 * shipped nets (2 × steps × batch × 3 × one net's MACs, i.e. steps × width²), then the trained
 * stitches (3 cuts × trained and random × sst steps, each about a pass through a net). The worst link
 * (width 512, 5000 steps, 2000 stitch steps) is about 13× the shipped work; see ../auto-run.ts.
 */
export function startWork(p: Pick<StitchingParams, 'width' | 'steps' | 'sst'>, trainsNets: boolean): number {
	const perStep = DEFAULT_STITCH.batchSize * 3 * netMacs(p.width);
	return (trainsNets ? 2 * p.steps * perStep : 0) + 3 * 2 * p.sst * perStep;
}

/** The shipped nets' training and stitches: the unit of auto-run's limit. */
export const SHIPPED_WORK = startWork({ width: DEFAULT_STITCH.width, steps: DEFAULT_STITCH.steps, sst: DEFAULT_STITCH.stitchSteps }, true);

/** Do two settings describe the same nets (so shipped checkpoints and results apply)? */
export function sameNets(a: StitchSettings, b: StitchSettings): boolean {
	return a.width === b.width && a.seedA === b.seedA && a.seedB === b.seedB && a.steps === b.steps && Math.abs(a.learningRate - b.learningRate) < 1e-12 && a.batchSize === b.batchSize;
}
