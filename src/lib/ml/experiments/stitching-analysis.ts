// The stitching experiment's results as data: the report's shape, the width sweep's point, the
// multi-seed summary and the verdict. No tfjs: the page shows shipped and live reports with these.
import type { Verdict } from './common';
import { CUTS, DEFAULT_CUT, METHODS, PATHS, type Method, type PathName } from './stitching-defaults';
import { pct } from '../../format';

export type PathCurve = { loss: number[]; acc: number[]; barrier: number; worstAcc: number };
export type Interpolation = { alphas: number[] } & Record<PathName, PathCurve>;

export type AlignResult = {
	/** per hidden layer, perm for B (new unit i = old unit perm[i]) */
	perms: { activation: number[][]; weight: number[][] };
	/** mean correlation of matched units per layer: raw diagonal, activation-matched, weight-matched */
	meanCorr: { diagonal: number[]; activation: number[]; weight: number[] };
	weightSweeps: number;
	activationMs: number;
	weightMs: number;
};

export type StitchReport = {
	width: number;
	accA: number;
	accB: number;
	/** test accuracy per method, index k−1 for cut k; NaN = not computed */
	acc: Record<Method, number[]>;
	align: AlignResult;
	interpolation: Interpolation | null;
	timings: { lstsqMs: number; stitchTrainMs: number | null; stitchSteps: number };
	/** loss curves of the trained stitches at the default cut */
	stitchCurves: { trained: [number, number][]; random: [number, number][] } | null;
};

export function emptyAcc(): Record<Method, number[]> {
	return Object.fromEntries(METHODS.map((m) => [m, CUTS.map(() => NaN)])) as Record<Method, number[]>;
}

export type SweepPoint = {
	width: number;
	accA: number;
	accB: number;
	barrier: Record<PathName, number>;
	worstAcc: Record<PathName, number>;
	/** stitch accuracy at the default cut */
	stitch: Record<'naive' | 'activation' | 'weight', number>;
	weightMs: number;
};

export function sweepPointFrom(r: StitchReport): SweepPoint {
	const i = DEFAULT_CUT - 1;
	const interp = r.interpolation;
	return {
		width: r.width,
		accA: r.accA,
		accB: r.accB,
		barrier: { naive: interp?.naive.barrier ?? NaN, weight: interp?.weight.barrier ?? NaN, activation: interp?.activation.barrier ?? NaN },
		worstAcc: { naive: interp?.naive.worstAcc ?? NaN, weight: interp?.weight.worstAcc ?? NaN, activation: interp?.activation.worstAcc ?? NaN },
		stitch: { naive: r.acc.naive[i], activation: r.acc.activation[i], weight: r.acc.weight[i] },
		weightMs: r.align.weightMs
	};
}

/** Headline numbers of one report, by name (the multi-seed summary quoted in the essay). */
export function headline(r: StitchReport): Record<string, number> {
	const out: Record<string, number> = { accA: r.accA, accB: r.accB };
	for (const m of METHODS) CUTS.forEach((k, i) => (out[`${m}${k}`] = r.acc[m][i]));
	for (const m of METHODS) out[`${m}Mean`] = r.acc[m].reduce((a, b) => a + b, 0) / CUTS.length;
	if (r.interpolation) {
		for (const p of PATHS) {
			out[`barrier_${p}`] = r.interpolation[p].barrier;
			out[`worst_${p}`] = r.interpolation[p].worstAcc;
			out[`mid_${p}`] = r.interpolation[p].acc[Math.floor(r.interpolation.alphas.length / 2)];
		}
	}
	const l = DEFAULT_CUT - 1;
	out.corrDiagonal = r.align.meanCorr.diagonal[l];
	out.corrActivation = r.align.meanCorr.activation[l];
	out.corrWeight = r.align.meanCorr.weight[l];
	out.weightSweeps = r.align.weightSweeps;
	out.weightMs = r.align.weightMs;
	out.activationMs = r.align.activationMs;
	out.lstsqMs = r.timings.lstsqMs;
	if (r.timings.stitchTrainMs !== null) out.stitchTrainMs = r.timings.stitchTrainMs;
	return out;
}


/**
 * Does this run show the claim at cut k? Falsified (for this run) if stitching through a permutation
 * found without gradient training is not clearly better than the naive weld (by `minGain`).
 */
export function verdict(r: Pick<StitchReport, 'accA' | 'accB' | 'acc'>, k: number, minGain = 0.1): Verdict {
	const i = k - 1;
	const naive = r.acc.naive[i];
	const act = r.acc.activation[i];
	const wt = r.acc.weight[i];
	const best = Math.max(Number.isFinite(act) ? act : -1, Number.isFinite(wt) ? wt : -1);
	const bestName = best === act ? 'matching activations' : 'matching weights';
	if (!Number.isFinite(naive) || best < 0) return { shown: false, text: 'Still computing the stitches for this cut…' };
	if (Math.min(r.accA, r.accB) < 0.5)
		return { shown: false, text: `The nets only reached ${pct(r.accA, 1)} and ${pct(r.accB, 1)}, so this run cannot test the claim. Train longer.` };
	let text: string;
	let shown: boolean;
	if (best - naive < minGain) {
		shown = false;
		text = `Not shown by this run: at cut ${k}, the best permutation (${bestName}) stitches at ${pct(best, 1)}, not clearly better than welding without alignment (${pct(naive, 1)}).`;
	} else {
		shown = true;
		text = `Shown by this run: at cut ${k}, relabelling B's units by ${bestName} (no gradient training) stitches at ${pct(best, 1)}, against ${pct(naive, 1)} for the naive weld; A alone scores ${pct(r.accA, 1)}, B ${pct(r.accB, 1)}.`;
	}
	const tr = r.acc.trained[i];
	const rnd = r.acc.random[i];
	if (Number.isFinite(tr) && Number.isFinite(rnd))
		text += ` The trained stitch reaches ${pct(tr, 1)}, but from an untrained random bottom the same training reaches ${pct(rnd, 1)}, so it alone proves little.`;
	return { shown, text };
}
