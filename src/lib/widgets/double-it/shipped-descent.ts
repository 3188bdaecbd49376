// Results computed by scripts/make-double-it-descent.ts from fixed seeds, bundled at build time so the
// double-descent panel and the essay's numbers are on screen before tfjs or the digits load.
import results from '../../../../static/checkpoints/double-it/descent.json';
import { shippedResults } from '$lib/shipped';
import { type DescentResult, descentCurves, descentVerdict } from '$lib/ml/experiments/double-it-descent-defaults';

export type ShippedDescent = { backend: string; seconds: number; sizes: number[]; widths: number[]; seeds: number[]; results: DescentResult[] };

export const shippedDescent = shippedResults<ShippedDescent>(results, 'double-it/descent', ['sizes', 'widths', 'seeds', 'results']);
export const shippedDescentCurves = descentCurves(shippedDescent.results, shippedDescent.seeds);
export const shippedDescentVerdict = descentVerdict(shippedDescentCurves);
