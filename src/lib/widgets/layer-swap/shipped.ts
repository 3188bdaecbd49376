// Results computed by scripts/make-checkpoints.ts from fixed seeds, bundled at build time so the essay's
// figures and quoted numbers are on screen before tfjs or the digit data have loaded. The page can
// recompute every one of them (the shipped checkpoints are re-evaluated live; Retrain live starts over).
import results from '../../../../static/checkpoints/modularity/results.json';
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
};

export const shipped = results as unknown as ShippedResults;

export function decodeBase64(b64: string): Uint8Array {
	const bin = atob(b64);
	const out = new Uint8Array(bin.length);
	for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
	return out;
}
