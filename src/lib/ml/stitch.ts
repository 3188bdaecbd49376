// Model stitching and permutation alignment for the plain MLP of model.ts (residual: false):
//
//   hidden layer 1:  h1 = relu(x·We + be)          (the "embed")
//   hidden layer ℓ:  hℓ = relu(hℓ₋₁·Wℓ + cℓ)        (block ℓ−2), ℓ = 2..depth+1
//   logits:          hH·Wh + bh
//
// A stitch at cut k feeds A's hidden layer k into B's layers after k (k = 1: A's embed into B's first
// block; k = depth+1: A's whole trunk into B's head), optionally through a map T: naive (identity),
// a permutation (B's units relabelled to line up with A's), or an affine map h·M + c.
//
// Permuting the hidden units of a net leaves its function unchanged when the incoming weights'
// columns, the biases and the outgoing weights' rows move together; inputs and outputs never move.
// Convention everywhere: perm[i] = j means "new unit i is old unit j" (of B), found by maximising
// Σ_i score[i][perm[i]] where rows are A's units and columns B's.
// (Long because activation matching, weight matching and the stitches share one set of layer
// conventions; splitting them would spread those index conventions over several files.)
import * as tf from '@tensorflow/tfjs-core';
import { IMAGE_SIZE, NUM_CLASSES } from './data';
import { type Net, type NetConfig, applyBlock, embed, head, matMulAT, matMulBT, netTensors, paramLayout } from './model';
import { linearAssignment, assignmentScore } from './assignment';
import { makeRng, permutation } from './rng';
import type { TrainingData } from './trainer';

/** Number of hidden layers (cuts) of a plain net: the embed plus one per block. */
export function hiddenCount(cfg: NetConfig): number {
	return cfg.depth + 1;
}

function assertPlain(cfg: NetConfig) {
	if (cfg.residual) throw new Error('stitching is defined here for the plain (non-residual) MLP');
}

/** A's first k hidden layers on x (k ≥ 1). */
export function bottom(net: Net, x: tf.Tensor2D, k: number): tf.Tensor2D {
	let h = embed(net, x);
	for (let i = 0; i < k - 1; i++) h = applyBlock(net.blocks[i], h);
	return h;
}

/** B's layers after cut k, from a hidden state of layer k. */
export function top(net: Net, h: tf.Tensor2D, k: number): tf.Tensor2D {
	let cur = h;
	for (let i = k - 1; i < net.blocks.length; i++) cur = applyBlock(net.blocks[i], cur);
	return head(net, cur);
}

/** Every hidden layer's activations (index 0 = layer 1, the embed). */
export function hiddenStates(net: Net, x: tf.Tensor2D): tf.Tensor2D[] {
	const out = [embed(net, x)];
	for (const b of net.blocks) out.push(applyBlock(b, out[out.length - 1]));
	return out;
}

export type AffineTensors = { M: tf.Tensor2D; c: tf.Tensor1D };

/** Logits of the stitched net: A's layers ≤ k, then T (identity if absent), then B's layers > k. */
export function stitchedLogits(A: Net, B: Net, k: number, x: tf.Tensor2D, map?: AffineTensors | null): tf.Tensor2D {
	let h = bottom(A, x, k);
	if (map) h = tf.add(tf.matMul(h, map.M), map.c) as tf.Tensor2D;
	return top(B, h, k);
}

// ---- permutations of hidden units ------------------------------------------------------------------

/**
 * Relabel the hidden units of a plain net: perms[ℓ] for hidden layer ℓ+1 (length hiddenCount).
 * new W[r, c] = old W[Pin[r], Pout[c]]; new bias[c] = old bias[Pout[c]].
 */
export function permuteHidden(cfg: NetConfig, flat: Float32Array, perms: readonly ArrayLike<number>[]): Float32Array {
	assertPlain(cfg);
	const H = hiddenCount(cfg);
	if (perms.length !== H) throw new Error(`need ${H} permutations, got ${perms.length}`);
	const out = new Float32Array(flat.length);
	const slots = new Map(paramLayout(cfg).map((s) => [s.name, s]));
	const identity = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
	const moveMatrix = (name: string, pin: ArrayLike<number>, pout: ArrayLike<number>) => {
		const s = slots.get(name)!;
		const [rows, cols] = s.shape;
		for (let r = 0; r < rows; r++) {
			const src = s.offset + pin[r] * cols;
			const dst = s.offset + r * cols;
			for (let c = 0; c < cols; c++) out[dst + c] = flat[src + pout[c]];
		}
	};
	const moveVector = (name: string, pout: ArrayLike<number>) => {
		const s = slots.get(name)!;
		for (let c = 0; c < s.size; c++) out[s.offset + c] = flat[s.offset + pout[c]];
	};
	moveMatrix('embed.W', identity(IMAGE_SIZE), perms[0]);
	moveVector('embed.b', perms[0]);
	for (let i = 0; i < cfg.depth; i++) {
		moveMatrix(`block${i}.W`, perms[i], perms[i + 1]);
		moveVector(`block${i}.c`, perms[i + 1]);
	}
	moveMatrix('head.W', perms[H - 1], identity(NUM_CLASSES));
	moveVector('head.b', identity(NUM_CLASSES));
	return out;
}

// permuteColumns (tf-free, for the page's correlation pictures) lives in ./matrix.ts
export { permuteColumns } from './matrix';

// ---- correlation and activation matching ------------------------------------------------------------

/** Pearson correlation between every column of a [n,w] and every column of b [n,w'] → [w,w']. Dead units give 0. */
export function correlation(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
	return tf.tidy(() => {
		const n = a.shape[0];
		const z = (t: tf.Tensor2D) => {
			const { mean, variance } = tf.moments(t, 0);
			return tf.div(tf.sub(t, mean), tf.sqrt(tf.add(variance, 1e-8))) as tf.Tensor2D;
		};
		return tf.div(matMulAT(z(a), z(b)), n) as tf.Tensor2D;
	});
}

export type ActivationMatch = {
	/** per hidden layer: perm for B */
	perms: Int32Array[];
	/** per hidden layer: correlation matrix (A rows × B columns) before alignment, row-major w×w */
	corr: Float32Array[];
	/** per hidden layer: mean correlation of the matched pairs (diagonal after alignment) */
	matched: number[];
	/** per hidden layer: mean of the raw diagonal (unit i of A with unit i of B) */
	diagonal: number[];
};

/** Activation matching: per layer, the assignment maximising the total correlation of matched units. */
export async function activationMatch(A: Net, B: Net, x: tf.Tensor2D): Promise<ActivationMatch> {
	const corrT = tf.tidy(() => {
		const ha = hiddenStates(A, x);
		const hb = hiddenStates(B, x);
		return ha.map((h, l) => correlation(h, hb[l]));
	});
	const corr: Float32Array[] = [];
	for (const t of corrT) corr.push((await t.data()) as Float32Array);
	tf.dispose(corrT);
	const w = A.cfg.width;
	const perms = corr.map((c) => linearAssignment(c, w));
	const matched = corr.map((c, l) => assignmentScore(c, w, perms[l]) / w);
	const diagonal = corr.map((c) => {
		let s = 0;
		for (let i = 0; i < w; i++) s += c[i * w + i];
		return s / w;
	});
	return { perms, corr, matched, diagonal };
}

// ---- weight matching (Git Re-Basin) ---------------------------------------------------------------

/** A net's parameters as one flat array, in paramLayout order (read back from the backend). */
export async function readParams(net: Net): Promise<Float32Array> {
	const parts = await Promise.all(netTensors(net).map((t) => t.data() as Promise<Float32Array>));
	const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
	let o = 0;
	for (const p of parts) {
		out.set(p, o);
		o += p.length;
	}
	return out;
}

/**
 * Weight matching's objective: the inner product ⟨θ_A, π(θ_B)⟩ of A's parameters with B's relabelled by
 * `perms`, summed over every weight and bias (Float64). Pixels and outputs never move, so the pieces
 * that no permutation touches add the same constant to every candidate.
 */
export function weightObjective(cfg: NetConfig, flatA: Float32Array, flatB: Float32Array, perms: readonly ArrayLike<number>[]): number {
	const pb = permuteHidden(cfg, flatB, perms);
	let s = 0;
	for (let i = 0; i < flatA.length; i++) s += flatA[i] * pb[i];
	return s;
}

export type WeightMatch = {
	/** the best restart's permutations */
	perms: Int32Array[];
	/** full passes over the layers the best restart took */
	sweeps: number;
	/** ⟨θ_A, π(θ_B)⟩ at the best restart's permutations (weightObjective) */
	objective: number;
	/** the objective each restart ended at (index 0 starts from the identity, the rest from random relabellings) */
	objectives: number[];
	restarts: number;
};

/** Restarts of weight matching used by the page and the shipped results. */
export const WEIGHT_MATCH_RESTARTS = 8;

/**
 * Weight matching by coordinate descent over hidden layers (Ainsworth et al. 2023): each step fixes
 * the other layers' permutations and solves one assignment for layer ℓ on
 *   S[i][j] = Σ_p Ain[p,i]·Bin[P₍ℓ₋₁₎[p], j] + a[i]·b[j] + Σ_q Aout[i,q]·Bout[j, P₍ℓ₊₁₎[q]],
 * i.e. the inner product of every weight touching unit i of A with those touching unit j of B. S
 * collects every term of the objective that depends on layer ℓ's permutation, so no step can lower the
 * objective. Layers are visited in a seeded random order each pass; a restart stops when a full pass
 * changes no permutation. Coordinate descent stops at local optima, so `restarts` runs start from
 * different relabellings (the first from the identity, as in the paper) with different layer orders,
 * and the one with the largest objective is kept.
 */
export async function weightMatch(
	cfg: NetConfig,
	A: Net,
	B: Net,
	opts: {
		seed?: number;
		maxSweeps?: number;
		restarts?: number;
		/** after every coordinate step: the objective (weightObjective) it left */
		onStep?: (restart: number, layer: number, objective: number) => void;
		/** after every restart: where it ended */
		onRestart?: (restart: number, perms: Int32Array[], objective: number) => void;
	} = {}
): Promise<WeightMatch> {
	assertPlain(cfg);
	const H = hiddenCount(cfg);
	const w = cfg.width;
	const maxSweeps = opts.maxSweeps ?? 100;
	const restarts = Math.max(1, Math.round(opts.restarts ?? WEIGHT_MATCH_RESTARTS));
	const [flatA, flatB] = await Promise.all([readParams(A), readParams(B)]);
	const inW = (n: Net, l: number) => (l === 0 ? n.embedW : (n.blocks[l - 1] as { W: tf.Tensor2D }).W);
	const inB = (n: Net, l: number) => (l === 0 ? n.embedB : (n.blocks[l - 1] as { c: tf.Tensor1D }).c);
	const outW = (n: Net, l: number) => (l === H - 1 ? n.headW : (n.blocks[l] as { W: tf.Tensor2D }).W);
	// The embed's incoming term and every bias term never change (pixels are not permuted): compute them once.
	const fixed = tf.tidy(() => Array.from({ length: H }, (_, l) => (l === 0 ? tf.add(matMulAT(A.embedW, B.embedW), tf.outerProduct(inB(A, l), inB(B, l))) : tf.outerProduct(inB(A, l), inB(B, l))) as tf.Tensor2D));
	let best: WeightMatch | null = null;
	const objectives: number[] = [];
	try {
		for (let r = 0; r < restarts; r++) {
			// restart 0 keeps the stream the single-run version used, so its result is unchanged
			const rng = makeRng(opts.seed ?? 0, 23 + r);
			const perms: Int32Array[] = Array.from({ length: H }, () => (r === 0 ? Int32Array.from({ length: w }, (_, i) => i) : permutation(w, rng)));
			let sweeps = 0;
			while (sweeps < maxSweeps) {
				sweeps++;
				let changed = false;
				for (const l of permutation(H, rng)) {
					const S = tf.tidy(() => {
						const incoming = l === 0 ? null : matMulAT(inW(A, l), tf.gather(inW(B, l), tf.tensor1d(perms[l - 1], 'int32'), 0) as tf.Tensor2D);
						const bOut = l === H - 1 ? outW(B, l) : (tf.gather(outW(B, l), tf.tensor1d(perms[l + 1], 'int32'), 1) as tf.Tensor2D);
						const outgoing = matMulBT(outW(A, l), bOut);
						return (incoming ? tf.addN([incoming, fixed[l], outgoing]) : tf.add(fixed[l], outgoing)) as tf.Tensor2D;
					});
					const s = (await S.data()) as Float32Array;
					S.dispose();
					const next = linearAssignment(s, w);
					const before = assignmentScore(s, w, perms[l]);
					const after = assignmentScore(s, w, next);
					// a tie (or Float32 noise) keeps the current permutation, so the descent terminates
					if (after > before + 1e-6 * Math.max(1, Math.abs(before))) {
						perms[l] = next;
						changed = true;
					}
					opts.onStep?.(r, l, weightObjective(cfg, flatA, flatB, perms));
				}
				if (!changed) break;
			}
			const objective = weightObjective(cfg, flatA, flatB, perms);
			objectives.push(objective);
			opts.onRestart?.(r, perms, objective);
			if (!best || objective > best.objective) best = { perms, sweeps, objective, objectives, restarts };
		}
	} finally {
		tf.dispose(fixed);
	}
	return best!;
}

// ---- least-squares affine map ----------------------------------------------------------------------

/** Solve (A) X = B for symmetric positive definite A (n×n) and B (n×m), in Float64 (Cholesky). */
export function solveSPD(A: Float64Array, n: number, B: Float64Array, m: number): Float64Array {
	const L = new Float64Array(A);
	for (let j = 0; j < n; j++) {
		let d = L[j * n + j];
		for (let p = 0; p < j; p++) d -= L[j * n + p] * L[j * n + p];
		if (!(d > 0)) throw new Error('solveSPD: matrix is not positive definite');
		const ljj = Math.sqrt(d);
		L[j * n + j] = ljj;
		for (let i = j + 1; i < n; i++) {
			let s = L[i * n + j];
			for (let p = 0; p < j; p++) s -= L[i * n + p] * L[j * n + p];
			L[i * n + j] = s / ljj;
		}
	}
	const X = new Float64Array(B);
	// L Y = B
	for (let i = 0; i < n; i++) {
		for (let p = 0; p < i; p++) {
			const lip = L[i * n + p];
			if (lip === 0) continue;
			for (let c = 0; c < m; c++) X[i * m + c] -= lip * X[p * m + c];
		}
		const lii = L[i * n + i];
		for (let c = 0; c < m; c++) X[i * m + c] /= lii;
	}
	// Lᵀ X = Y
	for (let i = n - 1; i >= 0; i--) {
		for (let p = i + 1; p < n; p++) {
			const lpi = L[p * n + i];
			if (lpi === 0) continue;
			for (let c = 0; c < m; c++) X[i * m + c] -= lpi * X[p * m + c];
		}
		const lii = L[i * n + i];
		for (let c = 0; c < m; c++) X[i * m + c] /= lii;
	}
	return X;
}

export type Affine = { M: Float32Array; c: Float32Array; w: number };

/**
 * Least-squares affine map from a [n,w] to b [n,w']: minimise ‖(a·M + c) − b‖² + λ‖M‖², with
 * λ = ridge × mean variance of a's units (dead ReLU units make the plain normal equations singular).
 * Cross-products are formed on the tfjs backend (centred, divided by n); the w×w system is solved in
 * Float64 here. `shared`: fits from the same `a` (the pixels, into each of B's layers) compute a's Gram
 * matrix once and keep it there; the result is the same, bit for bit, as without it.
 */
export async function fitAffine(a: tf.Tensor2D, b: tf.Tensor2D, ridge = 1e-3, shared?: { gram?: Float32Array }): Promise<Affine> {
	const n = a.shape[0];
	const w = a.shape[1];
	const m = b.shape[1];
	const known = shared?.gram;
	const [G, R, ma, mb] = tf.tidy(() => {
		const muA = tf.mean(a, 0);
		const muB = tf.mean(b, 0);
		const ac = tf.sub(a, muA) as tf.Tensor2D;
		const bc = tf.sub(b, muB) as tf.Tensor2D;
		return [known ? tf.scalar(0) : tf.div(matMulAT(ac, ac), n), tf.div(matMulAT(ac, bc), n), muA, muB];
	});
	const [gRead, r, mua, mub] = await Promise.all([G.data(), R.data(), ma.data(), mb.data()]);
	tf.dispose([G, R, ma, mb]);
	const g = known ?? (gRead as Float32Array);
	if (shared) shared.gram = g;
	const g64 = Float64Array.from(g);
	let trace = 0;
	for (let i = 0; i < w; i++) trace += g64[i * w + i];
	const lambda = ridge * (trace / w) + 1e-8;
	for (let i = 0; i < w; i++) g64[i * w + i] += lambda;
	const M = solveSPD(g64, w, Float64Array.from(r), m);
	const c = new Float32Array(m);
	for (let j = 0; j < m; j++) {
		let s = mub[j];
		for (let i = 0; i < w; i++) s -= mua[i] * M[i * m + j];
		c[j] = s;
	}
	return { M: Float32Array.from(M), c, w };
}

export function affineTensors(f: Affine): AffineTensors {
	return { M: tf.tensor2d(f.M, [f.w, f.c.length]), c: tf.tensor1d(f.c) };
}

// ---- a trained affine stitch -----------------------------------------------------------------------

export type StitchTrainOptions = {
	steps: number;
	learningRate: number;
	batchSize: number;
	seed: number;
	/** read the loss back every this many steps */
	readEvery?: number;
	onLoss?: (step: number, loss: number) => void;
	shouldStop?: () => boolean;
	waitWhilePaused?: () => Promise<void>;
	/** between steps: may yield so a cancel or pause is read mid-group; true stops the training */
	interrupt?: () => boolean | Promise<boolean>;
};

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPS = 1e-8;

/**
 * Train an affine map between a frozen bottom (layers ≤ k of `bottomNet`) and a frozen top (layers > k
 * of `topNet`) on the task loss, with Adam; the map starts at the identity. Backprop through the frozen
 * plain top is written out by hand, as in model.ts.
 */
export async function trainStitch(
	bottomNet: Net,
	topNet: Net,
	k: number,
	data: TrainingData,
	opts: StitchTrainOptions
): Promise<{ affine: Affine; losses: [number, number][]; steps: number }> {
	const w = bottomNet.cfg.width;
	const init = new Float32Array(w * w + w);
	for (let i = 0; i < w; i++) init[i * w + i] = 1;
	// tf.variable keeps its own copy: dispose the initial tensors here
	const [t0, zeros] = [tf.tensor1d(init), tf.zeros([init.length])];
	const theta = tf.variable(t0, true) as tf.Variable<tf.Rank.R1>;
	const m = tf.variable(zeros, false) as tf.Variable<tf.Rank.R1>;
	const v = tf.variable(zeros, false) as tf.Variable<tf.Rank.R1>;
	tf.dispose([t0, zeros]);
	const rng = makeRng(opts.seed, 17);
	let order = permutation(data.n, rng);
	let cursor = 0;
	const readEvery = Math.max(1, opts.readEvery ?? 25);
	const losses: [number, number][] = [];
	let step = 0;
	let stop = false;
	try {
		while (step < opts.steps && !stop) {
			await opts.waitWhilePaused?.();
			if (opts.shouldStop?.()) break;
			const n = Math.min(readEvery, opts.steps - step);
			let sum = tf.scalar(0);
			let done = 0;
			for (let s = 0; s < n && !stop; s++) {
				const idx = new Int32Array(opts.batchSize);
				for (let b = 0; b < opts.batchSize; b++) {
					if (cursor >= order.length) {
						order = permutation(data.n, rng);
						cursor = 0;
					}
					idx[b] = order[cursor++];
				}
				step++;
				const lrT = (opts.learningRate * Math.sqrt(1 - BETA2 ** step)) / (1 - BETA1 ** step);
				const loss = tf.tidy(() => {
					const idxT = tf.tensor1d(idx, 'int32');
					const x = tf.gather(data.x, idxT) as tf.Tensor2D;
					const y = tf.cast(tf.oneHot(tf.gather(data.y, idxT), NUM_CLASSES), 'float32') as tf.Tensor2D;
					const M = tf.reshape(tf.slice(theta, [0], [w * w]), [w, w]) as tf.Tensor2D;
					const c = tf.slice(theta, [w * w], [w]) as tf.Tensor1D;
					const h = bottom(bottomNet, x, k);
					let cur = tf.add(tf.matMul(h, M), c) as tf.Tensor2D;
					const outs: tf.Tensor2D[] = [];
					for (let i = k - 1; i < topNet.blocks.length; i++) {
						cur = applyBlock(topNet.blocks[i], cur);
						outs.push(cur);
					}
					const logProbs = tf.logSoftmax(head(topNet, cur));
					const bs = x.shape[0];
					const loss = tf.neg(tf.div(tf.sum(tf.mul(y, logProbs)), bs)) as tf.Scalar;
					let g = tf.div(tf.sub(tf.exp(logProbs), y), bs) as tf.Tensor2D;
					g = matMulBT(g, topNet.headW);
					for (let p = outs.length - 1; p >= 0; p--) {
						const block = topNet.blocks[k - 1 + p] as { W: tf.Tensor2D };
						g = matMulBT(tf.mul(g, tf.step(outs[p])) as tf.Tensor2D, block.W);
					}
					const gM = matMulAT(h, g);
					const gc = tf.sum(g, 0);
					const grad = tf.concat([tf.reshape(gM, [-1]), gc]);
					m.assign(tf.add(tf.mul(m, BETA1), tf.mul(grad, 1 - BETA1)));
					v.assign(tf.add(tf.mul(v, BETA2), tf.mul(tf.square(grad), 1 - BETA2)));
					theta.assign(tf.sub(theta, tf.mul(tf.div(m, tf.add(tf.sqrt(v), EPS)), lrT)));
					return loss;
				});
				const next = tf.add(sum, loss) as tf.Scalar;
				tf.dispose([sum, loss]);
				sum = next;
				done++;
				if (s < n - 1 && opts.interrupt && (await opts.interrupt())) stop = true;
			}
			const mean = (await sum.data())[0] / done;
			sum.dispose();
			losses.push([step, mean]);
			opts.onLoss?.(step, mean);
		}
		const flat = (await theta.data()) as Float32Array;
		return { affine: { M: flat.slice(0, w * w), c: flat.slice(w * w), w }, losses, steps: step };
	} finally {
		tf.dispose([theta, m, v]);
	}
}

// ---- evaluation ------------------------------------------------------------------------------------

/** Mean cross-entropy and correct count of some logits, as one [2] tensor (caller reads it back). */
export function lossAndCorrect(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
	return tf.tidy(() => {
		const y = tf.cast(tf.oneHot(labels, NUM_CLASSES), 'float32');
		const loss = tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(logits)), 1)));
		const correct = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32'));
		return tf.stack([loss, correct]) as tf.Tensor1D;
	});
}

/** Loss barrier of a path: max over α of L(α) − ((1−α)·L(0) + α·L(1)). */
export function lossBarrier(alphas: readonly number[], loss: readonly number[]): number {
	const l0 = loss[0];
	const l1 = loss[loss.length - 1];
	let worst = -Infinity;
	alphas.forEach((a, i) => (worst = Math.max(worst, loss[i] - ((1 - a) * l0 + a * l1))));
	return worst;
}
