// The "Double it" widget's parameters: one declaration drives its controls, its URL query and
// validation. `cell` is the grid cell whose curves are drawn beside the baseline's (and retrained on
// click); `seed` the seed a cell is retrained from; `seeds` how many seeds a live grid uses; `learnmax`
// the widest net the "bigger learns faster" panel trains when run live.
import { defineSchema, type ParamValues } from '$lib/params/schema';
import { BASELINE, LEARN_WIDTHS, ROWS, cellId, macsPerExample, type Setting } from '$lib/ml/experiments/double-it-defaults';
import { fmtFactor } from '$lib/ml/experiments/double-it-analysis';

export const CELL_CHOICES = ROWS.flatMap((r) => r.factors.map((f) => ({ value: cellId(r.key, f), label: `${r.label} ${fmtFactor(f)}` })));

export const doubleItSchema = defineSchema([
	{ name: 'cell', kind: 'enum', label: 'Cell', help: 'The grid cell whose curve is drawn beside the baseline’s.', choices: CELL_CHOICES, default: cellId('learningRate', 8) },
	{ name: 'seed', kind: 'int', label: 'Seed of a live cell', help: 'Initial weights and minibatch order when a cell is retrained here.', min: 1, max: 9999, default: 1 },
	{ name: 'seeds', kind: 'int', label: 'Seeds per cell (live grid)', help: 'How many seeds the live grid trains per cell (seeds 1…n).', min: 1, max: 5, default: 3 },
	{
		name: 'learnmax',
		kind: 'enum',
		label: 'Widest net (live panel)',
		help: 'The “bigger learns faster” panel trains widths 16 up to this when run here.',
		choices: LEARN_WIDTHS.filter((w) => w >= 64).map((w) => ({ value: String(w), label: String(w) })),
		default: '256'
	},
	// the robustness and drift panels (RobustPanel.svelte, DriftPanel.svelte); live work is capped here
	// switches the view at once; a live run keeps the axis it started with
	{ name: 'raxis', kind: 'enum', label: 'Robustness against', help: 'Which axis the “bigger is more robust” panel shows: width (4 blocks) or residual depth (width 64).', choices: [{ value: 'width', label: 'width' }, { value: 'depth', label: 'depth' }], default: 'width', live: true },
	{ name: 'rmax', kind: 'enum', label: 'Largest net (live robustness)', help: 'The robustness panel trains widths 16 up to this (or depths 1 up to this ÷ 16) when run here.', choices: ['32', '64', '128', '256'].map((v) => ({ value: v, label: v })), default: '64' },
	{
		name: 'ddmax',
		kind: 'enum',
		label: 'Widest net (live double descent)',
		help: 'The double-descent panel trains widths 2 up to this, on 1,000 and on 2,000 noisy digits, when run here.',
		choices: ['64', '128', '256'].map((v) => ({ value: v, label: v })),
		default: '128'
	},
	{
		name: 'dparam',
		kind: 'enum',
		label: 'Parametrisation (drift)',
		help: 'Which parametrisation the drift panel shows and trains: the standard one, or μP with width 64 as its base width.',
		choices: [
			{ value: 'sp', label: 'standard' },
			{ value: 'mup', label: 'μP' }
		],
		default: 'sp',
		// switches the view at once; a live run keeps the parametrisation it started with
		live: true
	},
	{ name: 'dwidth', kind: 'enum', label: 'Width (live drift)', help: 'The drift panel trains this width (and width 64) at every learning rate of the study when run here.', choices: ['32', '128', '256', '512'].map((v) => ({ value: v, label: v })), default: '32' }
]);

export type DoubleItParams = ParamValues<typeof doubleItSchema>;

/** Work of one training run in multiply–adds (forward), for what a link may start on load. */
export function runWork(s: Setting): number {
	return macsPerExample(s) * s.batchSize * s.steps;
}
export const BASELINE_WORK = runWork(BASELINE);
