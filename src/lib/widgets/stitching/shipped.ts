// Results computed by scripts/make-stitching.ts from fixed seeds, bundled at build time so the essay's
// figures and quoted numbers are on screen before tfjs or the digit data have loaded. The page
// recomputes every one of them from the shipped checkpoints (or from the reader's own nets).
import results from '../../../../static/checkpoints/stitching/results.json';
import { decodeBase64, shippedResults } from '$lib/shipped';
import type { CurvePoint, Stat } from '$lib/ml/experiments/common';
import type { StitchReport, SweepPoint } from '$lib/ml/experiments/stitching-analysis';
import type { StitchSettings } from '$lib/ml/experiments/stitching-defaults';

export type ShippedStitching = {
	createdBy: string;
	backend: string;
	testDigits: number;
	settings: StitchSettings;
	cut: number;
	nets: Record<'A' | 'B', { testAccuracy: number; curve: CurvePoint[] }>;
	report: StitchReport;
	/** correlation matrix (A rows × B columns) at hidden layer `layer`, before alignment, uint8-quantised */
	corr: { layer: number; width: number; base64: string };
	/** control: A against C, a net from A's initialisation trained with another batch order */
	sameInit: { barrier: number; worstAcc: number; accC: number };
	sweep: SweepPoint[];
	summary: { pairs: [number, number][]; stats: Record<string, Stat> };
};

export const shipped = shippedResults<ShippedStitching>(results, 'stitching', ['settings', 'nets', 'report', 'corr', 'sweep', 'summary']);

/** The shipped correlation matrix back in [−1, 1]. */
export function shippedCorrelation(): Float32Array {
	return Float32Array.from(decodeBase64(shipped.corr.base64), (b) => (b / 255) * 2 - 1);
}
