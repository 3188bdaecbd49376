// Double descent, free of tfjs (the page imports it). A small plain net (one hidden w×w layer after the
// input layer) is trained long enough to fit its training labels, of which a fifth are deliberately
// wrong, at widths from 2 to 256. Classical intuition says test loss falls with size and then rises once
// the net can memorise the noise; "double descent" (Belkin et al. 2019, Nakkiran et al. 2020) is that it
// rises only up to about the width where the net first fits every training label, then falls again.
// The control: that peak must move with the training-set size (twice the digits need a wider net to
// memorise), or it is a bump of these seeds, not the interpolation threshold.
import { makeRng } from '../rng';
import { macsPerExample } from './double-it-defaults';

export const DESCENT = {
	/** share of training labels replaced by a different, random digit */
	noise: 0.2,
	/** which labels are wrong (fixed, the same for every net and seed) */
	noiseSeed: 1234,
	/** long enough for the wide nets to fit every noisy label (96 passes over 2,000 digits) */
	steps: 3000,
	learningRate: 1e-3,
	batchSize: 64,
	depth: 1
} as const;
export const DESCENT_SIZES = [1000, 2000] as const;
export const DESCENT_WIDTHS = [2, 4, 6, 8, 12, 16, 24, 32, 48, 64, 128, 256] as const;
export const DESCENT_SEEDS = [1, 2, 3] as const;
/** A net "fits" its training labels when it gets at least this share of them (noisy ones included) right. */
export const FIT_ACCURACY = 0.99;
/** The least rise to the peak, and fall after it, in mean test loss (nats) that counts as a descent. */
export const DESCENT_DELTA = 0.1;

export type DescentRun = { id: string; nTrain: number; width: number; seed: number };
/** Train scores are on the noisy labels the net was trained on (what it fits); test scores on the clean test digits. */
export type DescentResult = DescentRun & { trainAccuracy: number; testAccuracy: number; testLoss: number; nonFinite: boolean; ms: number };

export const descentId = (nTrain: number, width: number, seed: number) => `descent:${nTrain}:${width}#${seed}`;

/** Every (size, width, seed), narrow nets first so partial results arrive early and across the curve. */
export function descentPlan(sizes: readonly number[], widths: readonly number[], seeds: readonly number[]): DescentRun[] {
	const out: DescentRun[] = [];
	for (const width of [...widths].sort((a, b) => a - b)) for (const seed of seeds) for (const nTrain of sizes) out.push({ id: descentId(nTrain, width, seed), nTrain, width, seed });
	return out;
}

/** Multiply-adds of one training run (forward, per example × examples seen): for progress by work done. */
export const descentWork = (r: DescentRun) => macsPerExample({ width: r.width, depth: DESCENT.depth, residual: false }) * DESCENT.batchSize * DESCENT.steps;

/**
 * The first `n` labels with a share `noise` of them replaced by a different digit, chosen at random:
 * deterministic in `seed`, and a replaced label is never the true one.
 */
export function noisyLabels(labels: ArrayLike<number>, n: number, noise: number = DESCENT.noise, seed: number = DESCENT.noiseSeed): Uint8Array {
	const rng = makeRng(seed, 7);
	const out = Uint8Array.from({ length: n }, (_, i) => labels[i]);
	for (let i = 0; i < n; i++) if (rng.next() < noise) out[i] = (out[i] + 1 + rng.int(9)) % 10;
	return out;
}

export type DescentPoint = { width: number; seeds: number; testLoss: number; testAccuracy: number; trainAccuracy: number };
export type DescentCurve = { nTrain: number; points: DescentPoint[] };

/** Mean over seeds per (size, width), widths ascending; a width appears once all of its seeds are in. */
export function descentCurves(results: readonly DescentResult[], seeds?: readonly number[]): DescentCurve[] {
	const sizes = [...new Set(results.map((r) => r.nTrain))].sort((a, b) => a - b);
	return sizes.map((nTrain) => {
		const widths = [...new Set(results.filter((r) => r.nTrain === nTrain).map((r) => r.width))].sort((a, b) => a - b);
		const points: DescentPoint[] = [];
		for (const width of widths) {
			const rs = results.filter((r) => r.nTrain === nTrain && r.width === width);
			if (seeds && !seeds.every((s) => rs.some((r) => r.seed === s))) continue;
			const mean = (f: (r: DescentResult) => number) => rs.reduce((a, r) => a + f(r), 0) / rs.length;
			points.push({ width, seeds: rs.length, testLoss: mean((r) => r.testLoss), testAccuracy: mean((r) => r.testAccuracy), trainAccuracy: mean((r) => r.trainAccuracy) });
		}
		return { nTrain, points };
	});
}

export type DescentShape = {
	nTrain: number;
	/** the narrowest width whose mean training accuracy (on the noisy labels) reaches FIT_ACCURACY */
	fitWidth: number | null;
	/** the lowest test loss below fitWidth (the classical regime's best) */
	before: { width: number; loss: number } | null;
	/** the highest test loss within a factor 2 of fitWidth */
	peak: { width: number; loss: number } | null;
	/** the lowest test loss wider than the peak */
	after: { width: number; loss: number } | null;
	rise: number;
	fall: number;
	/** rise and fall both at least DESCENT_DELTA */
	shown: boolean;
};

const lowest = (ps: DescentPoint[]) => (ps.length ? ps.reduce((a, b) => (b.testLoss < a.testLoss ? b : a)) : null);
const highest = (ps: DescentPoint[]) => (ps.length ? ps.reduce((a, b) => (b.testLoss > a.testLoss ? b : a)) : null);
const at = (p: DescentPoint | null) => (p ? { width: p.width, loss: p.testLoss } : null);

/** Where one curve falls, rises and falls again, measured against where the net first fits its labels. */
export function descentShape(curve: DescentCurve): DescentShape {
	const ps = curve.points;
	const fit = ps.find((p) => p.trainAccuracy >= FIT_ACCURACY) ?? null;
	const fitWidth = fit?.width ?? null;
	const before = fitWidth === null ? null : lowest(ps.filter((p) => p.width < fitWidth));
	const peak = fitWidth === null ? null : highest(ps.filter((p) => p.width >= fitWidth / 2 && p.width <= fitWidth * 2));
	const after = peak ? lowest(ps.filter((p) => p.width > peak.width)) : null;
	const rise = before && peak ? peak.testLoss - before.testLoss : NaN;
	const fall = after && peak ? peak.testLoss - after.testLoss : NaN;
	return { nTrain: curve.nTrain, fitWidth, before: at(before), peak: at(peak), after: at(after), rise, fall, shown: rise >= DESCENT_DELTA && fall >= DESCENT_DELTA };
}

/**
 * The essay's falsifiable sentence: "at both training-set sizes, test loss rises by at least 0.1 nats to
 * a peak within a factor 2 of the width where the net first fits its noisy labels, then falls by at
 * least 0.1; and the peak sits at a larger width for the larger training set."
 */
export function descentVerdict(curves: readonly DescentCurve[]): { shown: boolean; decided: boolean; moved: boolean | null; shapes: DescentShape[]; text: string } {
	const shapes = curves.map(descentShape);
	const bySize = [...shapes].sort((a, b) => a.nTrain - b.nTrain);
	const decided = bySize.length >= 2 && bySize.every((s) => s.peak !== null && s.after !== null);
	const moved = decided ? bySize.every((s, i) => i === 0 || s.peak!.width > bySize[i - 1].peak!.width) : null;
	const shown = decided && bySize.every((s) => s.shown) && moved === true;
	const f = (x: number) => x.toFixed(2);
	const each = bySize.map((s) =>
		s.peak && s.before && s.after
			? `${s.nTrain.toLocaleString('en')} digits: fits its labels from width ${s.fitWidth}; test loss ${f(s.before.loss)} at width ${s.before.width}, up to ${f(s.peak.loss)} at ${s.peak.width}, down to ${f(s.after.loss)} at ${s.after.width}`
			: `${s.nTrain.toLocaleString('en')} digits: ${s.fitWidth === null ? 'no width fits its labels yet' : 'not enough widths yet'}`
	);
	const text = !decided
		? `Not decided yet: ${each.join('; ')}.`
		: shown
			? `Double descent in this run: ${each.join('; ')}. The peak moves to wider nets with more data, as the interpolation threshold should.`
			: `No double descent by the essay's test in this run: ${each.join('; ')}${moved ? '' : '; the peak did not move to wider nets with more data'}.`;
	return { shown, decided, moved, shapes, text };
}
