// "Bigger is more robust" and "the learning rate drifts with width", free of tfjs (the page imports it).
// Both studies train the grid's baseline (./double-it-defaults.ts) with one thing changed: the width or
// the residual depth for robustness, the width and the learning rate for the drift. One run = one net
// from one seed; every robustness net is also the drift grid's learning-rate-0.001 point of its width.
// The drift is measured twice: in the standard parametrisation and in μP (../mup.ts), whose base width
// is the baseline's, so that at width 64 the two are the same nets (tests/unit/mup.test.ts).
import { aggregate, type Stat } from './common';
import { BASELINE, type Setting, macsPerExample } from './double-it-defaults';
import { type NetConfig, paramLayout } from '../net-layout';
import { makeRng } from '../rng';

export const ROBUST_WIDTHS = [16, 32, 64, 128, 256, 512] as const;
export const ROBUST_DEPTHS = [1, 2, 4, 8, 16] as const;
/**
 * Relative weight noise: every weight matrix W (not the biases) gets independent Gaussian noise of
 * standard deviation ε · rms(W) per entry, rms(W) = ‖W‖_F / √(entries), so the noise matrix has about
 * ε times W's own Frobenius norm whatever the layer's size. ε = 0 is the clean net.
 */
export const NOISE_EPS = [0.1, 0.2, 0.4, 0.8] as const;
/** Noise draws per ε per net (their accuracies are averaged). */
export const NOISE_DRAWS = 2;
export const DRIFT_WIDTHS = [32, 64, 128, 256, 512] as const;
/** Learning rates of the drift study: 0.001 × 2^k, k = −3 … 3 (the grid's learning-rate row, ×1/8 … ×8). */
export const DRIFT_LRS = [-3, -2, -1, 0, 1, 2, 3].map((k) => BASELINE.learningRate * 2 ** k);
/** The width whose best learning rate is carried over to the others (the grid's baseline width); μP's base width too. */
export const DRIFT_REFERENCE_WIDTH = BASELINE.width;
export type Parametrisation = 'sp' | 'mup';
export const ROBUST_SEEDS = [1, 2, 3] as const;
/**
 * Held-out training digits that choose the learning rate: training digits 7,000 … 7,999, which no run
 * trains on (every run here trains on the first BASELINE.nTrain = 4,000). The test digits only report.
 */
export const HELD_OUT = { from: 7000, n: 1000 } as const;

export type RobustAxis = 'width' | 'depth';
/** One net to train: a setting and a seed; `measure` = score its surgery and weight noise too; `mup` = in μP. */
export type RobustRun = { id: string; setting: Setting; seed: number; measure: boolean; mup?: boolean };

export type RobustResult = {
	id: string;
	seed: number;
	width: number;
	depth: number;
	learningRate: number;
	/** trained in μP (base width DRIFT_REFERENCE_WIDTH); absent: the standard parametrisation */
	mup?: boolean;
	/** test accuracy of the trained net */
	clean: number;
	/** accuracy on the held-out training digits (chooses the learning rate) */
	heldOut: number;
	nonFinite: boolean;
	/** measured nets only: test accuracy under weight noise, one per NOISE_EPS (mean over draws) */
	noise?: number[];
	/** mean test accuracy over every swap of two neighbouring blocks (null with one block) */
	swapAdjacent?: number | null;
	/** mean test accuracy over every deletion of one block */
	deleteOne?: number;
	flops: number;
	ms: number;
};

export const runId = (s: Setting, seed: number, mup = false) => `${mup ? 'mup:' : ''}${s.width}x${s.depth}@${s.learningRate}#${seed}`;

export function robustSetting(width: number, depth: number, learningRate: number = BASELINE.learningRate): Setting {
	return { ...BASELINE, width, depth, learningRate };
}

/**
 * Every net of the two studies for these seeds, each once: the width axis (depth 4), the depth axis
 * (width 64) and the drift grid (widths × learning rates; its 0.001 column is the width axis), in the
 * standard parametrisation and in μP; μP at the base width is the standard net, so it is not run twice.
 */
export function planRobust(
	seeds: readonly number[],
	widths: readonly number[] = ROBUST_WIDTHS,
	depths: readonly number[] = ROBUST_DEPTHS,
	driftWidths: readonly number[] = DRIFT_WIDTHS,
	lrs: readonly number[] = DRIFT_LRS
): RobustRun[] {
	const runs = new Map<string, RobustRun>();
	const add = (s: Setting, seed: number, measure: boolean, mup = false) => {
		const id = runId(s, seed, mup);
		const r = runs.get(id);
		if (r) r.measure ||= measure;
		else runs.set(id, { id, setting: s, seed, measure, ...(mup ? { mup } : {}) });
	};
	for (const seed of seeds) {
		for (const w of widths) add(robustSetting(w, BASELINE.depth), seed, true);
		for (const d of depths) add(robustSetting(BASELINE.width, d), seed, true);
		for (const w of driftWidths) for (const lr of lrs) add(robustSetting(w, BASELINE.depth, lr), seed, false);
		for (const w of driftWidths) if (w !== DRIFT_REFERENCE_WIDTH) for (const lr of lrs) add(robustSetting(w, BASELINE.depth, lr), seed, false, true);
	}
	// cheap nets first, so partial results arrive early
	return [...runs.values()].sort((a, b) => runCost(a.setting) - runCost(b.setting) || a.seed - b.seed);
}

export function runCost(s: Setting): number {
	return 6 * macsPerExample(s) * s.batchSize * s.steps;
}

/**
 * `flat` with relative Gaussian noise on every weight matrix (see NOISE_EPS): entry noise std = ε·rms(W).
 * Biases are left alone. ε = 0 returns an exact copy.
 */
export function addRelativeNoise(flat: Float32Array, cfg: NetConfig, eps: number, rng: ReturnType<typeof makeRng>): Float32Array {
	const out = Float32Array.from(flat);
	if (eps === 0) return out;
	for (const slot of paramLayout(cfg)) {
		if (slot.shape.length !== 2) continue;
		let ss = 0;
		for (let i = slot.offset; i < slot.offset + slot.size; i++) ss += flat[i] * flat[i];
		const std = eps * Math.sqrt(ss / slot.size);
		for (let i = slot.offset; i < slot.offset + slot.size; i++) out[i] += std * rng.normal();
	}
	return out;
}

/** The noise stream of one net: fixed by its seed, the same for every width (stream 41). */
export const noiseRng = (seed: number) => makeRng(seed, 41);

// ---- analysis ----

export type AxisPoint = {
	x: number;
	n: number;
	clean: Stat;
	/** per ε: noisy accuracy / clean accuracy (each net against its own clean accuracy) */
	noiseKept: Stat[];
	/** per ε: clean − noisy, in accuracy (fraction) */
	noiseDrop: Stat[];
	swapKept: Stat | null;
	deleteKept: Stat;
};

const stat = (xs: number[]): Stat => aggregate(xs.map((a) => ({ a })))['a'] ?? { mean: NaN, sd: NaN, min: NaN, max: NaN, n: 0 };

/** The measured nets along one axis (width at depth 4, or depth at width 64, learning rate 0.001), per value. */
export function axisPoints(results: readonly RobustResult[], axis: RobustAxis): AxisPoint[] {
	const on = results.filter(
		(r) => r.noise && !r.mup && r.learningRate === BASELINE.learningRate && (axis === 'width' ? r.depth === BASELINE.depth : r.width === BASELINE.width)
	);
	const xs = [...new Set(on.map((r) => (axis === 'width' ? r.width : r.depth)))].sort((a, b) => a - b);
	return xs.map((x) => {
		const rs = on.filter((r) => (axis === 'width' ? r.width : r.depth) === x);
		const swaps = rs.filter((r) => r.swapAdjacent != null);
		return {
			x,
			n: rs.length,
			clean: stat(rs.map((r) => r.clean)),
			noiseKept: NOISE_EPS.map((_, e) => stat(rs.map((r) => r.noise![e] / r.clean))),
			noiseDrop: NOISE_EPS.map((_, e) => stat(rs.map((r) => r.clean - r.noise![e]))),
			swapKept: swaps.length ? stat(swaps.map((r) => r.swapAdjacent! / r.clean)) : null,
			deleteKept: stat(rs.map((r) => r.deleteOne! / r.clean))
		};
	});
}

/**
 * Where a "bigger is better" trend stops: walking up the axis, the last value after which the score
 * no longer rises by more than `margin` (so a flat or falling step ends it). `peak` is the value with the
 * best mean. Null for fewer than two points.
 */
export function trendEnd(points: readonly { x: number; mean: number }[], margin = 0.005): { holdsTo: number; peak: number; rising: boolean } | null {
	const ps = points.filter((p) => Number.isFinite(p.mean));
	if (ps.length < 2) return null;
	let i = 0;
	while (i + 1 < ps.length && ps[i + 1].mean > ps[i].mean + margin) i++;
	const peak = ps.reduce((a, b) => (b.mean > a.mean ? b : a));
	return { holdsTo: ps[i].x, peak: peak.x, rising: i > 0 };
}

/** The index of the largest finite value (the first one on ties); -1 if none. */
export function argmax(values: readonly number[]): number {
	let best = -1;
	values.forEach((v, i) => {
		if (Number.isFinite(v) && (best < 0 || v > values[best])) best = i;
	});
	return best;
}

export type DriftRow = {
	width: number;
	/** per learning rate (DRIFT_LRS order, only those present): held-out and test accuracy over seeds */
	lrs: number[];
	heldOut: Stat[];
	test: Stat[];
	/** learning rate with the best mean held-out accuracy */
	best: number;
	bestTest: Stat;
	/** test accuracy at the reference width's best learning rate, and what that costs against `best` */
	atReference: Stat | null;
	lost: number | null;
	/** each seed's own pick on its held-out accuracy, in seed order (seeds that trained at every rate) */
	seedBest: { seed: number; lr: number }[];
};

/** Whether a net counts in this parametrisation's drift: μP takes the standard nets at its base width, which are the same nets. */
export const inParametrisation = (r: RobustResult, param: Parametrisation) => (param === 'mup' ? !!r.mup || r.width === DRIFT_REFERENCE_WIDTH : !r.mup);

/**
 * Per width: the best learning rate (chosen on held-out training digits) and the cost of carrying over
 * width 64's, in one parametrisation (see inParametrisation).
 */
export function driftRows(results: readonly RobustResult[], param: Parametrisation = 'sp', reference = DRIFT_REFERENCE_WIDTH): DriftRow[] {
	const on = results.filter((r) => r.depth === BASELINE.depth && inParametrisation(r, param));
	const widths = [...new Set(on.map((r) => r.width))].sort((a, b) => a - b);
	const rows = widths
		.map((width) => {
			const rs = on.filter((r) => r.width === width);
			const lrs = [...new Set(rs.map((r) => r.learningRate))].sort((a, b) => a - b);
			if (lrs.length < 2) return null;
			const heldOut = lrs.map((lr) => stat(rs.filter((r) => r.learningRate === lr).map((r) => (r.nonFinite ? 0 : r.heldOut))));
			const test = lrs.map((lr) => stat(rs.filter((r) => r.learningRate === lr).map((r) => (r.nonFinite ? 0 : r.clean))));
			const b = argmax(heldOut.map((s) => s.mean));
			const seeds = [...new Set(rs.map((r) => r.seed))].sort((x, y) => x - y);
			const seedBest = seeds.flatMap((seed) => {
				const own = lrs.map((lr) => rs.find((r) => r.seed === seed && r.learningRate === lr));
				if (own.some((r) => !r)) return [];
				return [{ seed, lr: lrs[argmax(own.map((r) => (r!.nonFinite ? 0 : r!.heldOut)))] }];
			});
			return { width, lrs, heldOut, test, best: lrs[b], bestTest: test[b], atReference: null, lost: null, seedBest } as DriftRow;
		})
		.filter((r): r is DriftRow => r !== null);
	const ref = rows.find((r) => r.width === reference);
	if (ref) {
		for (const r of rows) {
			const i = r.lrs.indexOf(ref.best);
			if (i < 0) continue;
			r.atReference = r.test[i];
			r.lost = r.bestTest.mean - r.test[i].mean;
		}
	}
	return rows;
}

/** The shipped file's shape (static/checkpoints/double-it/robust.json). */
export type ShippedRobust = {
	note: string;
	complete: boolean;
	backend: string;
	seconds: number;
	seeds: number[];
	noiseEps: number[];
	noiseDraws: number;
	heldOut: { from: number; n: number };
	results: RobustResult[];
};

export const ROBUST_PANEL_LIVE_WIDTHS = [32, 64, 128] as const;
