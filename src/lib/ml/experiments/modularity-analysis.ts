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
		editRatio: mean(r.editRatio)
	};
	r.horizon.forEach((v, k) => (out[`horizon${k}`] = v));
	return out;
}

/**
 * Does this run show the claim? Falsified (for this run) if adjacent swaps cost the residual net more
 * than `maxDrop` on average, or if the residual net is not clearly more robust than the plain control.
 */
export function verdict(residual: SurgeryReport, plain: SurgeryReport, maxDrop = 0.05, minGap = 0.1): Verdict {
	const r = headline(residual);
	const p = headline(plain);
	const rDrop = r.intact - r.swapAdjacent;
	const gap = r.swapAdjacent - p.swapAdjacent;
	if (r.intact < 0.5)
		return { shown: false, text: `The residual net only reached ${pct(r.intact, 1)} test accuracy, so this run cannot test the claim. Train longer or with a different learning rate.` };
	if (rDrop > maxDrop)
		return {
			shown: false,
			text: `Not shown by this run: swapping neighbouring blocks costs the residual net ${pct(rDrop, 1)} on average (from ${pct(r.intact, 1)} to ${pct(r.swapAdjacent, 1)}), more than the ${pct(maxDrop, 1)} the claim allows.`
		};
	if (gap < minGap)
		return {
			shown: false,
			text: `Not shown by this run: the plain control survives neighbour swaps almost as well (${pct(p.swapAdjacent, 1)} vs ${pct(r.swapAdjacent, 1)} for the residual net), so skip connections are not what makes the difference here.`
		};
	return {
		shown: true,
		text: `Shown by this run: swapping neighbouring blocks keeps the residual net at ${pct(r.swapAdjacent, 1)} on average (intact ${pct(r.intact, 1)}), while the plain control falls to ${pct(p.swapAdjacent, 1)}.`
	};
}
