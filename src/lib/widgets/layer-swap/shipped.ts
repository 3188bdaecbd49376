// Results computed by scripts/make-checkpoints.ts from fixed seeds, bundled at build time so the essay's
// figures and quoted numbers are on screen before tfjs or the digit data have loaded. The page can
// recompute every one of them (the shipped checkpoints are re-evaluated live; Retrain live starts over).
import results from '../../../../static/checkpoints/modularity/results.json';
import { decodeBase64, shippedResults } from '$lib/shipped';
import type { SurgeryReport } from '$lib/ml/surgery';
import type { CurvePoint, Stat } from '$lib/ml/experiments/common';
import type { Arch, ModularitySettings } from '$lib/ml/experiments/modularity-defaults';

export type ShippedNet = { testAccuracy: number; curve: CurvePoint[]; report: SurgeryReport; predictions: number[] };
export type ShippedResults = {
	createdBy: string;
	backend: string;
	testDigits: number;
	settings: ModularitySettings;
	nets: Record<Arch, ShippedNet>;
	samples: { labels: number[]; pixelsBase64: string };
	summary: { seeds: number[] } & Record<Arch, Record<string, Stat>>;
	/** side studies over the same seeds (summaries only): B initialised at bScale×, and the one-matrix plain control */
	sideStudies?: {
		altInit: { bScale: number; residual: Record<string, Stat> };
		oneMatrix: { plain: Record<string, Stat> };
	};
};

export const shipped = shippedResults<ShippedResults>(results, 'modularity', ['settings', 'nets', 'samples', 'summary']);
export { decodeBase64 };
