// Pure analysis of task-vector results (no tfjs): per-domain accuracies, λ curves and grids, the
// verdict and the multi-seed summary. The widget imports this on the main thread without pulling tfjs in.
import { DOMAINS, type Domain } from '../domains';
import type { Task } from './task-vectors-defaults';
import { pct } from '../../format';

// ---- measuring merges -----------------------------------------------------------------------------

/** Per-domain accuracy, keyed by domain. */
export type DomainAcc = Record<Domain, number>;

export const toDomainAcc = (row: number[]): DomainAcc => Object.fromEntries(DOMAINS.map((d, i) => [d, row[i]])) as DomainAcc;

/** Curves over CURVE_LAMBDAS: θ0 + λ(τA + τB), θ0 + λτA, θ0 + λτB, θ0 + λr (r random, ‖r‖ = ‖τA‖). */
export type Curves = { lambdas: number[]; sum: DomainAcc[]; a: DomainAcc[]; b: DomainAcc[]; random: DomainAcc[] };
export type Grid = { lambdas: number[]; acc: DomainAcc[][] /* [iA][iB] */ };

/** coefficient rows over the vectors [τA, τB, r] */
export function curveCoeffs(lambdas: readonly number[]): number[][] {
	return [...lambdas.map((l) => [l, l, 0]), ...lambdas.map((l) => [l, 0, 0]), ...lambdas.map((l) => [0, l, 0]), ...lambdas.map((l) => [0, 0, l])];
}

export function curvesFrom(lambdas: readonly number[], acc: number[][]): Curves {
	const k = lambdas.length;
	const part = (i: number) => acc.slice(i * k, (i + 1) * k).map(toDomainAcc);
	return { lambdas: [...lambdas], sum: part(0), a: part(1), b: part(2), random: part(3) };
}

export function gridCoeffs(lambdas: readonly number[]): number[][] {
	return lambdas.flatMap((a) => lambdas.map((b) => [a, b, 0]));
}

export function gridFrom(lambdas: readonly number[], acc: number[][]): Grid {
	const k = lambdas.length;
	return { lambdas: [...lambdas], acc: Array.from({ length: k }, (_, i) => acc.slice(i * k, (i + 1) * k).map(toDomainAcc)) };
}

export type VectorStats = { cosAB: number; cosAR: number; cosBR: number; normA: number; normB: number };

/** λ in [0, 2] on the curve that maximises the mean accuracy on tasks A and B (pass a held-out curve). */
export function bestLambda(curves: Curves, A: Task, B: Task): number {
	let best = 0;
	let bestV = -Infinity;
	curves.lambdas.forEach((l, i) => {
		if (l < 0) return;
		const v = (curves.sum[i][A] + curves.sum[i][B]) / 2;
		if (v > bestV + 1e-12) {
			bestV = v;
			best = l;
		}
	});
	return best;
}

export type Verdict = { shown: boolean; text: string; addGain: number; randomGain: number; negDropTask: number; negDropUpright: number; negLambda: number };

const pctText = (v: number) => pct(v, 1);
const pts = (v: number) => `${(v * 100).toFixed(1)} points`;

/**
 * Does this run show the claim? Falsified if adding the two vectors (best λ in [0, 2]) does no better
 * on the two tasks than the random direction does at any λ, or if negating τA (λ in [−2, 0)) never costs
 * task A clearly more than it costs upright digits (the base skill). `margin` is the noise allowance.
 */
export function verdict(curves: Curves, A: Task, B: Task, margin = 0.015): Verdict {
	const L = curves.lambdas;
	const i0 = L.indexOf(0);
	const mean = (r: DomainAcc) => (r[A] + r[B]) / 2;
	const baseMean = mean(curves.sum[i0]);
	let addGain = -Infinity;
	let addL = 0;
	let randomGain = -Infinity;
	L.forEach((l, i) => {
		if (l >= 0 && mean(curves.sum[i]) - baseMean > addGain) {
			addGain = mean(curves.sum[i]) - baseMean;
			addL = l;
		}
		randomGain = Math.max(randomGain, mean(curves.random[i]) - baseMean);
	});
	const base = curves.a[i0];
	let negDropTask = 0;
	let negDropUpright = 0;
	let negLambda = 0;
	let bestSel = -Infinity;
	L.forEach((l, i) => {
		if (l >= 0) return;
		const dT = base[A] - curves.a[i][A];
		const dU = base.upright - curves.a[i].upright;
		if (dT - dU > bestSel) {
			bestSel = dT - dU;
			negDropTask = dT;
			negDropUpright = dU;
			negLambda = l;
		}
	});
	const out = { addGain, randomGain, negDropTask, negDropUpright, negLambda };
	if (addGain <= randomGain)
		return {
			...out,
			shown: false,
			text: `Not shown by this run: adding the two task vectors lifts the mean accuracy on the two tasks by ${pts(addGain)} at best, no more than a random direction of the same size (${pts(randomGain)}).`
		};
	if (addGain <= randomGain + margin)
		return {
			...out,
			shown: false,
			text: `Too close to call in this run: adding both task vectors (λ = ${addL}) lifts the mean accuracy on the two tasks by ${pts(addGain)}, a random direction of the same size by ${pts(randomGain)}; the gap is within the noise of these test digits.`
		};
	const iAdd = L.indexOf(addL);
	const addDropUpright = curves.sum[i0].upright - curves.sum[iAdd].upright;
	if (addDropUpright > 0.1)
		return {
			...out,
			shown: false,
			text: `Not shown by this run: adding both task vectors (λ = ${addL}) lifts the two tasks by ${pts(addGain)} on average, but costs upright digits ${pts(addDropUpright)}, so the merged model does not keep the base's skill.`
		};
	if (!(negDropTask > negDropUpright + margin) || negDropTask < 0.05)
		return {
			...out,
			shown: false,
			text: `Half shown: addition works (+${pts(addGain)} on the two tasks at λ = ${addL}, random direction ${randomGain >= 0 ? '+' : ''}${pts(randomGain)}), but subtracting τA costs upright digits about as much as task A (${pts(negDropUpright)} vs ${pts(negDropTask)}).`
		};
	return {
		...out,
		shown: true,
		text: `Shown by this run: adding both task vectors (λ = ${addL}) lifts the mean accuracy on the two tasks by ${pts(addGain)}; a random direction of the same size manages ${randomGain >= 0 ? '+' : ''}${pts(randomGain)}. Subtracting τA (λ = ${negLambda}) costs task A ${pts(negDropTask)} but upright digits ${pts(negDropUpright)}.`
	};
}

/** Mean, sd, min, max over seeds, per key (shared by every experiment). */
export { aggregate, type Stat } from './common';
