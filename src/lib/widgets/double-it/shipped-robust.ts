// Results computed by scripts/make-double-it-robust.ts from fixed seeds, bundled at build time so the
// robustness and drift panels and the essay's numbers are on screen before tfjs or the digits load.
import results from '../../../../static/checkpoints/double-it/robust.json';
import { shippedResults } from '$lib/shipped';
import type { ShippedRobust } from '$lib/ml/experiments/double-it-robust-defaults';
import { driftValues, robustStats } from './robust-figures';

export const shippedRobust = shippedResults<ShippedRobust>(results, 'double-it/robust', ['seeds', 'noiseEps', 'results']);
export const robustStatsShipped = robustStats(shippedRobust.results);
export const driftValuesShipped = driftValues(shippedRobust.results);
