// The modularity experiment's summary and verdict, from a surgery report alone (no tfjs): the page
// shows them for shipped and live reports, the script writes the multi-seed summary with them.
import type { SurgeryReport } from '../surgery';
import type { Verdict } from './common';
import { pct } from '../../format';

/** Headline numbers of one report, by name (used for the multi-seed summary quoted in the essay). */
export function headline(r: SurgeryReport): Record<string, number> {
	const L = r.deleteOne.length;
	const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
	const adjacent: number[] = [];
	const far: number[] = [];
	for (let i = 0; i < L; i++)
		for (let j = i + 1; j < L; j++) {
			if (j === i + 1) adjacent.push(r.swap[i][j]);
			if (j - i >= Math.ceil(L / 2)) far.push(r.swap[i][j]);
		}
	const out: Record<string, number> = {
		intact: r.intact,
		swapAdjacent: mean(adjacent),
		swapAdjacentWorst: Math.min(...adjacent),
		swapFar: mean(far),
		deleteOne: mean(r.deleteOne),
		deleteFirst: r.deleteOne[0],
		deleteLast: r.deleteOne[L - 1],
		deleteMiddle: mean(r.deleteOne.slice(1, L - 1)),
		repeatOne: mean(r.repeatOne),
		reverse: r.reverse,
		editRatio: mean(r.editRatio),
		deleteLogit: mean(r.deleteLogit),
		logitNorm: r.logitNorm
	};
	r.horizon.forEach((v, k) => (out[`horizon${k}`] = v));
	r.horizonStrict.forEach((v, k) => (out[`strict${k}`] = v));
	r.horizonPatched.forEach((v, k) => (out[`patched${k}`] = v));
	r.streamNorm.forEach((v, k) => (out[`norm${k}`] = v));
	if (r.streamNorm.length > 1) {
		out.normGrowth = normGrowth(r.streamNorm);
		// how much of the final stream's norm the embedding alone accounts for
		out.embedShare = r.streamNorm[0] / r.streamNorm[r.streamNorm.length - 1];
	}
	if (r.directLogit.length) {
		out.directLogit = mean(r.directLogit);
		// total over direct effect of deleting a block: below 1, what is downstream partly repairs the loss;
		// above 1, it amplifies it
		out.deleteOverDirect = mean(r.deleteLogit.map((d, i) => d / r.directLogit[i]));
	}
	return out;
}

/** Mean growth factor of ‖h‖ per block: the geometric mean of the block-to-block ratios. */
export function normGrowth(norms: readonly number[]): number {
	return (norms[norms.length - 1] / norms[0]) ** (1 / (norms.length - 1));
}

/** The smallest horizon k that keeps accuracy within `tol` of the intact net (the curve's length − 1 if none). */
export function horizonReach(curve: readonly number[], intact: number, tol = 0.01): number {
	const k = curve.findIndex((a) => a >= intact - tol);
	return k < 0 ? curve.length - 1 : k;
}

/**
 * Does this run show the claim, as the essay's "How this could fail" states it? Falsified (for this run)
 * if neighbour swaps or single deletions cost the residual net more than `maxDrop` on average, or if
 * the residual net does not do clearly better (`minGap`) than the no-skip control under both surgeries.
 */
export function verdict(residual: SurgeryReport, plain: SurgeryReport, maxDrop = 0.05, minGap = 0.1): Verdict {
	const r = headline(residual);
	const p = headline(plain);
	if (r.intact < 0.5)
		return { shown: false, text: `The residual net only reached ${pct(r.intact, 1)} test accuracy, so this run cannot test the claim. Train longer or with a different learning rate.` };
	const surgeries = [
		{ name: 'swapping neighbouring blocks', key: 'swapAdjacent' },
		{ name: 'deleting one block', key: 'deleteOne' }
	] as const;
	for (const s of surgeries) {
		const drop = r.intact - r[s.key];
		if (drop > maxDrop)
			return {
				shown: false,
				text: `Not shown by this run: ${s.name} costs the residual net ${pct(drop, 1)} on average (from ${pct(r.intact, 1)} to ${pct(r[s.key], 1)}), more than the ${pct(maxDrop, 1)} the claim allows.`
			};
	}
	for (const s of surgeries) {
		if (r[s.key] - p[s.key] < minGap)
			return {
				shown: false,
				text: `Not shown by this run: under ${s.name} the control without skips does almost as well (${pct(p[s.key], 1)} vs ${pct(r[s.key], 1)} for the residual net), so skip connections are not what makes the difference here.`
			};
	}
	return {
		shown: true,
		text: `Shown by this run: the residual net keeps ${pct(r.swapAdjacent, 1)} on average when neighbouring blocks swap and ${pct(r.deleteOne, 1)} when one block is deleted (intact ${pct(r.intact, 1)}); the control without skips falls to ${pct(p.swapAdjacent, 1)} and ${pct(p.deleteOne, 1)}.`
	};
}
