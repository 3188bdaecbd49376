// Results computed by scripts/make-double-it.ts from fixed seeds, bundled at build time so the grid,
// its curves and the essay's numbers are on screen before tfjs or the digits have loaded. The page can
// train every run again.
import results from '../../../../static/checkpoints/double-it/results.json';
import { shippedResults } from '$lib/shipped';
import type { RunResult } from '$lib/ml/experiments/double-it-analysis';
import type { RowKey, Setting } from '$lib/ml/experiments/double-it-defaults';

export type ShippedDoubleIt = {
	note: string;
	complete: boolean;
	backend: string;
	seconds: number;
	baseline: Setting;
	seeds: number[];
	rows: RowKey[];
	runs: RunResult[];
};

export const shipped = shippedResults<ShippedDoubleIt>(results, 'double-it', ['baseline', 'seeds', 'rows', 'runs']);
