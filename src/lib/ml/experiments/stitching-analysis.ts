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
	/** passes over the layers of the weight-matching restart kept */
	weightSweeps: number;
	/** weight matching's restarts, and the objective each ended at (the largest is kept) */
	weightRestarts: number;
	weightObjectives: number[];
	/**
	 * Weight matching's objective ⟨θ_A, π(θ_B)⟩ (every weight and bias) under each path's relabelling (naive =
	 * none), and ‖θ_A‖·‖θ_B‖, which turns it into a cosine. Lets runs be compared by how well they matched.
	 */
	objective: Record<PathName, number> & { norms: number };
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
	/** ⟨θ_A, π(θ_B)⟩ per path and ‖θ_A‖·‖θ_B‖ (AlignResult.objective) */
	objective: AlignResult['objective'];
	weightRestarts: number;
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
		weightMs: r.align.weightMs,
		objective: r.align.objective,
		weightRestarts: r.align.weightRestarts
	};
}

/** Headline numbers of one report, by name (the multi-seed summary quoted in the essay). */
export function headline(r: StitchReport): Record<string, number> {
	const out: Record<string, number> = { accA: r.accA, accB: r.accB };
	for (const m of METHODS) CUTS.forEach((k, i) => (out[`${m}${k}`] = r.acc[m][i]));
	for (const m of METHODS) out[`${m}Mean`] = r.acc[m].reduce((a, b) => a + b, 0) / CUTS.length;
	// what A's training adds to a linear read-out, per cut (the essay quotes these gaps over seed pairs)
	CUTS.forEach((k, i) => {
		out[`lstsqOverRandom${k}`] = r.acc.lstsq[i] - r.acc.lstsqRandom[i];
		out[`lstsqOverPixels${k}`] = r.acc.lstsq[i] - r.acc.lstsqPixels[i];
	});
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
	for (const p of PATHS) {
		out[`objective_${p}`] = r.align.objective[p];
		out[`cosine_${p}`] = r.align.objective[p] / r.align.objective.norms;
	}
	out.weightMs = r.align.weightMs;
	out.activationMs = r.align.activationMs;
	out.lstsqMs = r.timings.lstsqMs;
	if (r.timings.stitchTrainMs !== null) out.stitchTrainMs = r.timings.stitchTrainMs;
	return out;
}


/**
 * The falsifier of essays/stitching.md ("How this could fail"), as numbers. Keep the two in step: the
 * essay states these thresholds in words.
 */
export const VERDICT_MARGINS = {
	/** a relabelling alone must bring the weld within this of the worse parent */
	permutation: 0.05,
	/** the least-squares stitch from A must beat the same fit from a random bottom and from pixels by this */
	control: 0.02,
	/** aligning B must cut the straight path's loss barrier to at most this fraction of the unaligned one */
	barrier: 0.5
} as const;

const finite = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);
const nats = (v: number) => `${Math.max(0, v).toFixed(2)} nats`;

/**
 * Does this run show the claim at cut k? Three checks, each a sentence of the essay's falsifier:
 *   1. features shared up to a linear map: the least-squares stitch from A's bottom beats the same fit from
 *      an untrained random bottom and from the raw pixels by `control`;
 *   2. largely up to a relabelling: the best permutation stitch (no gradient training) comes within
 *      `permutation` of the worse parent;
 *   3. the same relabelling lines up the whole nets: aligning B cuts the interpolation barrier to at most
 *      `barrier` × the unaligned one (checked once the interpolation is computed; until then not shown).
 */
export function verdict(
	r: Pick<StitchReport, 'accA' | 'accB' | 'acc'> & { interpolation?: Interpolation | null },
	k: number,
	margins: { permutation: number; control: number; barrier: number } = VERDICT_MARGINS
): Verdict {
	const i = k - 1;
	const naive = r.acc.naive[i];
	const act = r.acc.activation[i];
	const wt = r.acc.weight[i];
	const lstsq = r.acc.lstsq[i];
	const fromRandom = r.acc.lstsqRandom[i];
	const fromPixels = r.acc.lstsqPixels[i];
	const best = Math.max(finite(act) ? act : -1, finite(wt) ? wt : -1);
	const bestName = best === act ? 'matching activations' : 'matching weights';
	if (![naive, lstsq, fromRandom, fromPixels].every(finite) || best < 0) return { shown: false, text: 'Still computing the stitches for this cut…' };
	if (Math.min(r.accA, r.accB) < 0.5)
		return { shown: false, text: `The nets only reached ${pct(r.accA, 1)} and ${pct(r.accB, 1)}, so this run cannot test the claim. Train longer.` };
	const worse = Math.min(r.accA, r.accB);
	const control = Math.max(fromRandom, fromPixels);
	const controlName = fromRandom >= fromPixels ? 'an untrained random bottom' : 'the raw pixels';
	const pts = (v: number) => `${(v * 100).toFixed(1)} points`;
	const failures: string[] = [];
	if (lstsq - control < margins.control)
		failures.push(
			`the least-squares map from A's bottom (${pct(lstsq, 1)}) is not ${pts(margins.control)} better than the same fit from ${controlName} (${pct(control, 1)}), so A's features add little to what a linear read-out of the input gives`
		);
	if (worse - best > margins.permutation)
		failures.push(
			`the best relabelling (${bestName}) stitches at ${pct(best, 1)}, more than ${pts(margins.permutation)} below the worse parent (${pct(worse, 1)}; naive weld ${pct(naive, 1)})`
		);
	const ip = r.interpolation;
	const unaligned = ip?.naive.barrier;
	const aligned = Math.min(...(['activation', 'weight'] as const).map((p) => (finite(ip?.[p].barrier) ? ip![p].barrier : Infinity)));
	const barrierKnown = finite(unaligned) && Number.isFinite(aligned);
	if (barrierKnown && !(aligned <= margins.barrier * unaligned && unaligned > 0))
		failures.push(`aligning B leaves a loss barrier of ${nats(aligned)} on the straight path, against ${nats(unaligned)} unaligned`);
	if (failures.length) return { shown: false, text: `Not shown by this run at cut ${k}: ${failures.join('; and ')}.` };
	const stitchPart =
		`at cut ${k}, least squares from A's bottom into B's top scores ${pct(lstsq, 1)} (${pct(fromRandom, 1)} from an untrained bottom, ${pct(fromPixels, 1)} from the pixels); ` +
		`relabelling B's units by ${bestName} alone scores ${pct(best, 1)} (naive weld ${pct(naive, 1)}; A ${pct(r.accA, 1)}, B ${pct(r.accB, 1)})`;
	if (!barrierKnown) return { shown: false, text: `So far: ${stitchPart}. The barrier check waits for the interpolation.` };
	let text = `Shown by this run: ${stitchPart}; aligning B cuts the loss barrier from ${nats(unaligned)} to ${nats(aligned)}.`;
	const tr = r.acc.trained[i];
	const rnd = r.acc.random[i];
	if (finite(tr) && finite(rnd))
		text += ` The trained stitch reaches ${pct(tr, 1)}, but the same training from an untrained bottom reaches ${pct(rnd, 1)}, so it alone proves little.`;
	return { shown: true, text };
}
