// Pure analysis of task-vector results (no tfjs): per-domain accuracies, λ curves and grids, the
// verdict and the multi-seed summary. The widget imports this on the main thread without pulling tfjs in.
import { DOMAINS, type Domain } from '../domains';
import type { Task } from './task-vectors-defaults';

// ---- measuring merges -----------------------------------------------------------------------------

/** Per-domain accuracy, keyed by domain. */
export type DomainAcc = Record<Domain, number>;

export const toDomainAcc = (row: number[]): DomainAcc => Object.fromEntries(DOMAINS.map((d, i) => [d, row[i]])) as DomainAcc;

/**
 * Curves over CURVE_LAMBDAS: θ0 + λ(τA + τB), θ0 + λτA, θ0 + λτB, and θ0 + λ·d for each control
 * direction d of τA's length: r (random), g (generic training, rescaled), s (τA shuffled within layers).
 */
export type Curves = { lambdas: number[]; sum: DomainAcc[]; a: DomainAcc[]; b: DomainAcc[]; random: DomainAcc[]; generic: DomainAcc[]; shuffled: DomainAcc[] };
export type Grid = { lambdas: number[]; acc: DomainAcc[][] /* [iA][iB] */ };

/** The control directions the merge must beat, weakest first. */
export const CONTROLS = ['random', 'shuffled', 'generic'] as const;
export type Control = (typeof CONTROLS)[number];

const CURVE_PARTS = ['sum', 'a', 'b', 'random', 'generic', 'shuffled'] as const;
/** coefficient rows over the directions [τA, τB, r, g, s], one block of rows per curve (CURVE_PARTS order) */
const CURVE_ROW: Record<(typeof CURVE_PARTS)[number], (l: number) => number[]> = {
	sum: (l) => [l, l, 0, 0, 0],
	a: (l) => [l, 0, 0, 0, 0],
	b: (l) => [0, l, 0, 0, 0],
	random: (l) => [0, 0, l, 0, 0],
	generic: (l) => [0, 0, 0, l, 0],
	shuffled: (l) => [0, 0, 0, 0, l]
};

export function curveCoeffs(lambdas: readonly number[]): number[][] {
	return CURVE_PARTS.flatMap((p) => lambdas.map(CURVE_ROW[p]));
}

export function curvesFrom(lambdas: readonly number[], acc: number[][]): Curves {
	const k = lambdas.length;
	const part = (i: number) => acc.slice(i * k, (i + 1) * k).map(toDomainAcc);
	return { lambdas: [...lambdas], ...(Object.fromEntries(CURVE_PARTS.map((p, i) => [p, part(i)])) as Omit<Curves, 'lambdas'>) };
}

export function gridCoeffs(lambdas: readonly number[]): number[][] {
	return lambdas.flatMap((a) => lambdas.map((b) => [a, b, 0]));
}

export function gridFrom(lambdas: readonly number[], acc: number[][]): Grid {
	const k = lambdas.length;
	return { lambdas: [...lambdas], acc: Array.from({ length: k }, (_, i) => acc.slice(i * k, (i + 1) * k).map(toDomainAcc)) };
}

export type VectorStats = { cosAB: number; cosAR: number; cosBR: number; cosAG: number; cosBG: number; normA: number; normB: number; normGen: number };

/**
 * λ in [0, 2] on one curve (the sum by default, or a control direction) that maximises the mean accuracy
 * on tasks A and B (pass a held-out curve). Ties go to the smaller λ.
 */
export function bestLambda(curves: Curves, A: Task, B: Task, which: 'sum' | Control = 'sum'): number {
	let best = 0;
	let bestV = -Infinity;
	curves.lambdas.forEach((l, i) => {
		if (l < 0) return;
		const v = (curves[which][i][A] + curves[which][i][B]) / 2;
		if (v > bestV + 1e-12) {
			bestV = v;
			best = l;
		}
	});
	return best;
}

/** λ < 0 on the τA curve where subtracting τA costs task A most beyond what it costs upright digits (held-out curve). */
export function bestNegLambda(curves: Curves, A: Task): number {
	const i0 = curves.lambdas.indexOf(0);
	const base = curves.a[i0];
	let best = -1;
	let bestSel = -Infinity;
	curves.lambdas.forEach((l, i) => {
		if (l >= 0) return;
		const sel = base[A] - curves.a[i][A] - (base.upright - curves.a[i].upright);
		if (sel > bestSel + 1e-12) {
			bestSel = sel;
			best = l;
		}
	});
	return best;
}

/** Merge vs one control on the same test digits of tasks A and B (see ../paired-test). */
export type PairedResult = { onlyFirst: number; onlySecond: number; n: number; p: number };

/** Measured by measureVerdict (task-vectors.ts): held-out λ per direction, test accuracies, paired tests. */
export type VerdictData = {
	lambdas: { merge: number; neg: number } & Record<Control, number>;
	acc: Record<'base' | 'merge' | 'neg' | Control, DomainAcc>;
	/** the merge (first) against each control (second) on tasks A and B */
	vs: Record<Control, PairedResult>;
	/** test digits per domain */
	digits: number;
	/** the held-out curve of the sum, from which λ* was chosen */
	holdoutSum?: DomainAcc[];
};

export type Verdict = {
	shown: boolean;
	text: string;
	addGain: number;
	randomGain: number;
	shuffledGain: number;
	genericGain: number;
	pRandom: number;
	pShuffled: number;
	pGeneric: number;
	negDropTask: number;
	negDropUpright: number;
	negLambda: number;
};

const pts = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v * 100).toFixed(1)} points`;
/** a loss as a positive number of points: "17.6 points" */
const lost = (v: number) => `${(v * 100).toFixed(1)} points`;
const pText = (p: number) => (p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(p < 0.01 ? 3 : 2)}`);
const CONTROL_TEXT: Record<Control, string> = {
	random: 'a random direction of the same length',
	shuffled: 'τA shuffled within each layer',
	generic: 'generic training of the same length'
};

/**
 * Does this run show the claim? The merge θ0 + λ*(τA + τB) must beat each control direction, each at its
 * own λ chosen on held-out digits, on the two tasks' test digits by McNemar's paired test at level `alpha`
 * (random, then shuffled τA, then generic training); it must keep upright digits within 10 points of the
 * base; and subtracting τA (λ chosen on held-out digits) must cost task A at least 5 points and `margin`
 * more than it costs upright digits.
 */
export function verdict(d: VerdictData, A: Task, B: Task, alpha = 0.05, margin = 0.015): Verdict {
	const mean = (r: DomainAcc) => (r[A] + r[B]) / 2;
	const base = mean(d.acc.base);
	const gain = (k: 'merge' | Control) => mean(d.acc[k]) - base;
	const negDropTask = d.acc.base[A] - d.acc.neg[A];
	const negDropUpright = d.acc.base.upright - d.acc.neg.upright;
	const out = {
		addGain: gain('merge'),
		randomGain: gain('random'),
		shuffledGain: gain('shuffled'),
		genericGain: gain('generic'),
		pRandom: d.vs.random.p,
		pShuffled: d.vs.shuffled.p,
		pGeneric: d.vs.generic.p,
		negDropTask,
		negDropUpright,
		negLambda: d.lambdas.neg
	};
	const merge = `adding both task vectors (λ = ${d.lambdas.merge}, chosen on held-out digits) changes the mean accuracy on the two tasks by ${pts(out.addGain)}`;
	for (const c of CONTROLS) {
		const v = d.vs[c];
		const beaten = v.onlyFirst > v.onlySecond && v.p < alpha;
		if (beaten) continue;
		const ctl = `${CONTROL_TEXT[c]} (λ = ${d.lambdas[c]}) by ${pts(gain(c))}`;
		const paired = `on the same ${v.n.toLocaleString('en-US')} test digits the merge alone is right on ${v.onlyFirst}, the control alone on ${v.onlySecond} (McNemar ${pText(v.p)})`;
		const worse = v.onlySecond > v.onlyFirst && v.p < alpha;
		return {
			...out,
			shown: false,
			text: `Not shown by this run: ${merge}, ${ctl}; ${paired}: the merge ${worse ? 'does worse than' : 'is not distinguishable from'} this control.`
		};
	}
	const upDrop = d.acc.base.upright - d.acc.merge.upright;
	if (upDrop > 0.1)
		return {
			...out,
			shown: false,
			text: `Not shown by this run: ${merge} and beats every control, but costs upright digits ${lost(upDrop)}, so the merged model does not keep the base's skill.`
		};
	if (!(negDropTask > negDropUpright + margin) || negDropTask < 0.05)
		return {
			...out,
			shown: false,
			text: `Half shown: ${merge} and beats every control (generic training ${pts(out.genericGain)}, ${pText(out.pGeneric)}), but subtracting τA costs upright digits about as much as task A (${lost(negDropUpright)} vs ${lost(negDropTask)}).`
		};
	return {
		...out,
		shown: true,
		text: `Shown by this run: ${merge}, more than generic training (${pts(out.genericGain)}, ${pText(out.pGeneric)}), shuffled τA (${pts(out.shuffledGain)}) or a random direction (${pts(out.randomGain)}). Subtracting τA (λ = ${d.lambdas.neg}) costs task A ${lost(negDropTask)} but upright digits ${lost(negDropUpright)}.`
	};
}

/** Mean, sd, min, max over seeds, per key (shared by every experiment). */
export { aggregate, type Stat } from './common';
