// Task-vector arithmetic on the flat parameter vector of the plain MLP 784-256-256-10
// (NetConfig { depth: 1, width: 256, residual: false }).
//
//   τ_t = θ_t − θ_0                         what fine-tuning on task t changed
//   θ(λ) = θ_0 + Σ_k λ_k τ_k                 a merged / negated / scaled model
//
// The arithmetic on the JS side (taskVector, combine) runs in float64 and rounds once to float32, so it is
// exact where it must be: θ_0 + 1·τ_A is θ_A bit for bit and λ = 0 is θ_0 (a float32 a − b, then + b,
// is not always a again when a weight crosses zero).
//
// MergeEvaluator scores many merged models at once without building any of them, using linearity:
//   layer 1   X·(W0 + Σ λ_k V_k) = X·W0 + Σ λ_k X·V_k — the projections X·V_k are computed once for all
//             models; each model's pre-activation is then a small matMul of its coefficients with them;
//   layer 2   either one matMul per model with its combined weights ('split'), or every model's hidden
//             states stacked along rows times [W0 | V_1 | … ] then combined per model ('wide').
//   head      always 'wide' (10 columns per vector).
// Only 2-D matmuls: on wasm a 3-D batched matMul is ~11× slower (shared/toolchain.md). Which layer-2 form
// is faster is measured (scripts/bench-node.ts): on wasm and cpu 'split' does a third of the arithmetic
// of 'wide' and wins; GPU backends default to 'wide' (fewer, larger ops).
import * as tf from '@tensorflow/tfjs-core';
import { IMAGE_SIZE, NUM_CLASSES } from './data';
import { type NetConfig, forward, paramCount, paramLayout, unpack } from './model';
import { makeRng, normalArray, permutation } from './rng';

export const TV_NET: NetConfig = { depth: 1, width: 256, residual: false };

export type Vec = ArrayLike<number>;

/** θ − θ0 in float64 (exact for float32 inputs of similar magnitude, which fine-tunes are). */
export function taskVector(theta: Vec, base: Vec): Float64Array {
	if (theta.length !== base.length) throw new Error('task vector: length mismatch');
	const out = new Float64Array(theta.length);
	for (let i = 0; i < out.length; i++) out[i] = theta[i] - base[i];
	return out;
}

/** θ0 + Σ λ_k v_k, accumulated in float64 and rounded once to float32. */
export function combine(base: Vec, vectors: readonly Vec[], coeffs: readonly number[]): Float32Array {
	const out = new Float32Array(base.length);
	const used = vectors.map((v, k) => [v, coeffs[k] ?? 0] as const).filter(([, c]) => c !== 0);
	for (let i = 0; i < out.length; i++) {
		let s = base[i];
		for (const [v, c] of used) s += c * v[i];
		out[i] = s;
	}
	return out;
}

export function dot(a: Vec, b: Vec): number {
	let s = 0;
	for (let i = 0; i < a.length; i++) s += a[i] * b[i];
	return s;
}

export function norm(a: Vec): number {
	return Math.sqrt(dot(a, a));
}

export function cosine(a: Vec, b: Vec): number {
	const d = norm(a) * norm(b);
	return d > 0 ? dot(a, b) / d : 0;
}

/** A seeded Gaussian direction with the same Euclidean norm as `like` (the control for a task vector). */
export function randomLike(like: Vec, seed: number): Float64Array {
	const r = normalArray(like.length, 1, makeRng(seed, 53));
	const scale = norm(like) / (norm(r) || 1);
	const out = new Float64Array(r.length);
	for (let i = 0; i < r.length; i++) out[i] = r[i] * scale;
	return out;
}

/** `v` rescaled to the Euclidean norm of `like` (the generic-training control is compared at τA's length). */
export function rescaledLike(v: Vec, like: Vec): Float64Array {
	const scale = norm(like) / (norm(v) || 1);
	const out = new Float64Array(v.length);
	for (let i = 0; i < out.length; i++) out[i] = v[i] * scale;
	return out;
}

/**
 * `v` with its entries shuffled within each layer's weights and within each bias (seeded): the same
 * per-layer norms and value distributions as the task vector, but no longer aligned with anything the
 * network computes. A stronger null than a Gaussian direction, which spreads its length evenly.
 */
export function shuffledLike(v: Vec, cfg: NetConfig, seed: number): Float64Array {
	if (v.length !== paramCount(cfg)) throw new Error('shuffle: vector does not match the net shape');
	const rng = makeRng(seed, 59);
	const out = new Float64Array(v.length);
	for (const slot of paramLayout(cfg)) {
		const p = permutation(slot.size, rng);
		for (let i = 0; i < slot.size; i++) out[slot.offset + i] = v[slot.offset + p[i]];
	}
	return out;
}

/** Per layer (weights and bias together): cosine of two vectors and each one's norm. */
export type LayerStats = { layer: string; cos: number; normA: number; normB: number };

export function layerStats(a: Vec, b: Vec, cfg: NetConfig): LayerStats[] {
	const slots = paramLayout(cfg);
	const layers = [...new Set(slots.map((s) => s.name.split('.')[0]))];
	return layers.map((layer) => {
		let ab = 0;
		let aa = 0;
		let bb = 0;
		for (const s of slots.filter((x) => x.name.split('.')[0] === layer))
			for (let i = s.offset; i < s.offset + s.size; i++) {
				ab += a[i] * b[i];
				aa += a[i] * a[i];
				bb += b[i] * b[i];
			}
		const d = Math.sqrt(aa * bb);
		return { layer, cos: d > 0 ? ab / d : 0, normA: Math.sqrt(aa), normB: Math.sqrt(bb) };
	});
}

export type Layer2Mode = 'split' | 'wide';

export function defaultLayer2Mode(backend = tf.getBackend()): Layer2Mode {
	return backend === 'wasm' || backend === 'cpu' ? 'split' : 'wide';
}

type Parts = { W1: Float32Array; b1: Float32Array; W2: Float32Array; b2: Float32Array; H: Float32Array; hb: Float32Array };

function split(flat: Vec, cfg: NetConfig): Parts {
	if (cfg.depth !== 1 || cfg.residual) throw new Error('MergeEvaluator needs the plain one-block MLP');
	const f = flat instanceof Float32Array ? flat : Float32Array.from(flat);
	if (f.length !== paramCount(cfg)) throw new Error('parameter vector does not match the net shape');
	const s = paramLayout(cfg);
	const get = (i: number) => f.subarray(s[i].offset, s[i].offset + s[i].size);
	return { W1: get(0), b1: get(1), W2: get(2), b2: get(3), H: get(4), hb: get(5) };
}

/** Per-model, per-group correct counts → accuracies. */
export type GroupAccuracy = number[];

/**
 * The evaluation set: `x` is n images (uint8), `y` their labels, arranged as `groups` equal blocks
 * (one per domain, see stackDomains). Accuracies come back per model per block.
 */
export type EvalSet = { x: Uint8Array; y: Uint8Array; n: number; groups: number };

export class MergeEvaluator {
	readonly cfg: NetConfig;
	readonly n: number;
	readonly groups: number;
	readonly k: number; // number of vectors (besides the base)
	private readonly width: number;
	private readonly labels: tf.Tensor1D;
	private readonly x: tf.Tensor2D;
	/**
	 * per term (0 = base, 1..k = vectors): layer-1 projection X·W1 [n, w] flattened to [1, n·w], computed
	 * the first time a model uses the term (a control direction nobody moves costs nothing), and weights
	 */
	private readonly p1: (tf.Tensor2D | null)[] = [];
	private readonly W1: tf.Tensor2D[] = [];
	private readonly b1: tf.Tensor1D[] = [];
	private readonly W2: tf.Tensor2D[] = [];
	private readonly b2: tf.Tensor1D[] = [];
	private readonly H: tf.Tensor2D[] = [];
	private readonly hb: tf.Tensor1D[] = [];
	private cache = new Map<string, tf.Tensor[]>();
	/** rows of hidden state per chunk of models (bounds memory: ~32k rows × 256 floats = 32 MB) */
	maxRows = 32768;
	mode: Layer2Mode;

	constructor(cfg: NetConfig, base: Vec, vectors: readonly Vec[], set: EvalSet, mode: Layer2Mode = defaultLayer2Mode()) {
		this.cfg = cfg;
		this.width = cfg.width;
		this.n = set.n;
		this.groups = set.groups;
		this.k = vectors.length;
		this.mode = mode;
		if (set.n % set.groups !== 0) throw new Error('evaluation set: n must be a multiple of groups');
		this.x = tf.tidy(() => tf.div(tf.tensor2d(set.x.subarray(0, set.n * IMAGE_SIZE), [set.n, IMAGE_SIZE], 'int32'), 255) as tf.Tensor2D);
		this.labels = tf.tensor1d(Int32Array.from(set.y.subarray(0, set.n)), 'int32');
		for (const flat of [base, ...vectors]) {
			const p = split(flat, cfg);
			const w = this.width;
			this.W1.push(tf.tensor2d(p.W1, [IMAGE_SIZE, w]));
			this.p1.push(null);
			this.b1.push(tf.tensor1d(p.b1));
			this.W2.push(tf.tensor2d(p.W2, [w, w]));
			this.b2.push(tf.tensor1d(p.b2));
			this.H.push(tf.tensor2d(p.H, [w, NUM_CLASSES]));
			this.hb.push(tf.tensor1d(p.hb));
		}
	}

	/** Stacked tensors for a set of active terms, cached (the grid and the sliders reuse the same few). */
	private stacked(active: number[]): {
		P1: tf.Tensor2D;
		B1: tf.Tensor2D;
		W2s: tf.Tensor2D;
		W2c: tf.Tensor2D;
		B2: tf.Tensor2D;
		Hc: tf.Tensor2D;
		Hs: tf.Tensor2D;
		HB: tf.Tensor2D;
	} {
		const key = active.join(',');
		let t = this.cache.get(key);
		if (!t) {
			// kept: this may run inside a caller's tidy, which must not free the cache
			t = tf.tidy(() => [
				tf.concat(active.map((i) => this.projection(i)), 0),
				tf.stack(active.map((i) => this.b1[i])),
				tf.stack(active.map((i) => tf.reshape(this.W2[i], [-1]))),
				tf.concat(active.map((i) => this.W2[i]), 1),
				tf.stack(active.map((i) => this.b2[i])),
				tf.concat(active.map((i) => this.H[i]), 1),
				tf.stack(active.map((i) => tf.reshape(this.H[i], [-1]))),
				tf.stack(active.map((i) => this.hb[i]))
			]).map((x) => tf.keep(x));
			if (this.cache.size > 8) this.clearCache();
			this.cache.set(key, t);
		}
		const [P1, B1, W2s, W2c, B2, Hc, Hs, HB] = t as tf.Tensor2D[];
		return { P1, B1, W2s, W2c, B2, Hc, Hs, HB };
	}

	/** X·W1 of term i, [1, n·w], made once (kept: callers run inside a tidy) */
	private projection(i: number): tf.Tensor2D {
		let p = this.p1[i];
		if (!p) {
			p = tf.keep(tf.tidy(() => tf.reshape(tf.matMul(this.x, this.W1[i]), [1, this.n * this.width]) as tf.Tensor2D));
			this.p1[i] = p;
		}
		return p;
	}

	private clearCache() {
		for (const ts of this.cache.values()) tf.dispose(ts);
		this.cache.clear();
	}

	/** Combine per-model blocks of a wide product [C·n, A·m] with coefficients L [C, A] → [C·n, m]. */
	private combineWide(Q: tf.Tensor2D, L: tf.Tensor2D, C: number, A: number, m: number): tf.Tensor2D {
		const q = tf.reshape(Q, [C, this.n, A, m]);
		return tf.reshape(tf.sum(tf.mul(q, tf.reshape(L, [C, 1, A, 1])), 2), [C * this.n, m]) as tf.Tensor2D;
	}

	private coeffMatrix(coeffs: number[][], active: number[]): tf.Tensor2D {
		return tf.tensor2d(
			coeffs.flatMap((c) => active.map((i) => (i === 0 ? 1 : (c[i - 1] ?? 0)))),
			[coeffs.length, active.length]
		);
	}

	/**
	 * Logits [n, 10] of one model: its layer-1 pre-activation from the cached projections, then its own
	 * combined layer-2 and head weights (Σ λ_k W_k, a [1, A]×[A, w·w] product). The fewest multiply-adds.
	 */
	private logitsOne(coeffs: number[], active: number[]): tf.Tensor2D {
		const w = this.width;
		const s = this.stacked(active);
		const l = this.coeffMatrix([coeffs], active);
		const h1 = tf.relu(tf.add(tf.reshape(tf.matMul(l, s.P1), [this.n, w]), tf.matMul(l, s.B1))) as tf.Tensor2D;
		const W2 = tf.reshape(tf.matMul(l, s.W2s), [w, w]) as tf.Tensor2D;
		const h2 = tf.relu(tf.add(tf.matMul(h1, W2), tf.matMul(l, s.B2))) as tf.Tensor2D;
		const H = tf.reshape(tf.matMul(l, s.Hs), [w, NUM_CLASSES]) as tf.Tensor2D;
		return tf.add(tf.matMul(h2, H), tf.matMul(l, s.HB)) as tf.Tensor2D;
	}

	/**
	 * Logits [C·n, 10] of C models at once ('wide'): hidden states of all C models stacked along rows, one
	 * matMul with [W0 | V_1 | …] per layer, then each model's blocks combined with its coefficients.
	 */
	private logitsChunk(coeffs: number[][], active: number[]): tf.Tensor2D {
		const C = coeffs.length;
		const A = active.length;
		const w = this.width;
		const n = this.n;
		const s = this.stacked(active);
		const L = this.coeffMatrix(coeffs, active);
		const pre1 = tf.add(tf.reshape(tf.matMul(L, s.P1), [C, n, w]), tf.reshape(tf.matMul(L, s.B1), [C, 1, w]));
		const h1 = tf.reshape(tf.relu(pre1), [C * n, w]) as tf.Tensor2D;
		const z2 = this.combineWide(tf.matMul(h1, s.W2c), L, C, A, w);
		const h2 = tf.reshape(
			tf.relu(tf.add(tf.reshape(z2, [C, n, w]), tf.reshape(tf.matMul(L, s.B2), [C, 1, w]))),
			[C * n, w]
		) as tf.Tensor2D;
		const logits = tf.add(
			tf.reshape(this.combineWide(tf.matMul(h2, s.Hc), L, C, A, NUM_CLASSES), [C, n, NUM_CLASSES]),
			tf.reshape(tf.matMul(L, s.HB), [C, 1, NUM_CLASSES])
		);
		return tf.reshape(logits, [C * n, NUM_CLASSES]) as tf.Tensor2D;
	}

	/** Logits of a group of models, by the current mode. */
	private logitsFor(chunk: number[][], active: number[]): tf.Tensor2D {
		if (chunk.length === 1) return this.logitsOne(chunk[0], active);
		if (this.mode === 'wide') return this.logitsChunk(chunk, active);
		return tf.concat(chunk.map((c) => this.logitsOne(c, active)), 0);
	}

	private activeTerms(coeffs: number[][]): number[] {
		const active = [0];
		for (let i = 1; i <= this.k; i++) if (coeffs.some((c) => (c[i - 1] ?? 0) !== 0)) active.push(i);
		return active;
	}

	private chunks(coeffs: number[][]): number[][][] {
		// 'split' runs model by model (no stacked copies); 'wide' stacks as many as fit in maxRows
		const per = this.mode === 'split' ? 1 : Math.max(1, Math.floor(this.maxRows / this.n));
		const out: number[][][] = [];
		for (let i = 0; i < coeffs.length; i += per) out.push(coeffs.slice(i, i + per));
		return out;
	}

	/**
	 * Accuracy per model (rows of `coeffs`: λ for each vector) per group, with one async readback.
	 * `samples`: row indices whose predicted labels are returned too (for C = first model only).
	 */
	async accuracies(coeffs: number[][], samples: number[] = []): Promise<{ acc: number[][]; predictions: number[] }> {
		if (coeffs.length === 0) return { acc: [], predictions: [] };
		const G = this.groups;
		const per = this.n / G;
		const parts: tf.Tensor[] = [];
		let pred: tf.Tensor | null = null;
		for (const chunk of this.chunks(coeffs)) {
			const active = this.activeTerms(chunk);
			const C = chunk.length;
			let p: tf.Tensor | null = null;
			const counts = tf.tidy(() => {
				const logits = this.logitsFor(chunk, active);
				const am = tf.argMax(logits, 1);
				const ok = tf.cast(tf.equal(tf.reshape(am, [C, this.n]), tf.reshape(this.labels, [1, this.n])), 'float32');
				if (pred === null && samples.length) p = tf.keep(tf.gather(am, tf.tensor1d(samples, 'int32')));
				return tf.sum(tf.reshape(ok, [C, G, per]), 2);
			});
			parts.push(counts);
			if (p) pred = p;
		}
		const all = tf.concat(parts, 0);
		tf.dispose(parts);
		const [v, pv] = await Promise.all([all.data(), pred ? (pred as tf.Tensor).data() : Promise.resolve(new Int32Array(0))]);
		all.dispose();
		(pred as tf.Tensor | null)?.dispose();
		const acc = coeffs.map((_, m) => Array.from({ length: G }, (_, g) => v[m * G + g] / per));
		return { acc, predictions: Array.from(pv) };
	}

	/** Per model, per row of the evaluation set: 1 where the model's prediction is right (for paired tests). */
	async correct(coeffs: number[][]): Promise<Uint8Array[]> {
		const out: Uint8Array[] = [];
		for (const chunk of this.chunks(coeffs)) {
			const t = tf.tidy(() => {
				const am = tf.argMax(this.logitsFor(chunk, this.activeTerms(chunk)), 1);
				return tf.cast(tf.equal(tf.reshape(am, [chunk.length, this.n]), tf.reshape(this.labels, [1, this.n])), 'int32');
			});
			const v = await t.data();
			t.dispose();
			for (let c = 0; c < chunk.length; c++) out.push(Uint8Array.from(v.subarray(c * this.n, (c + 1) * this.n)));
		}
		return out;
	}

	/** Logits of each model (for tests: compare with per-model forward passes). Synchronous-free: async readback. */
	async logits(coeffs: number[][]): Promise<Float32Array[]> {
		const out: Float32Array[] = [];
		for (const chunk of this.chunks(coeffs)) {
			const t = tf.tidy(() => this.logitsFor(chunk, this.activeTerms(chunk)));
			const v = (await t.data()) as Float32Array;
			t.dispose();
			const per = this.n * NUM_CLASSES;
			for (let c = 0; c < chunk.length; c++) out.push(v.slice(c * per, (c + 1) * per));
		}
		return out;
	}

	dispose() {
		this.clearCache();
		tf.dispose([this.x, this.labels, ...this.W1, ...this.p1.filter((p): p is tf.Tensor2D => p !== null), ...this.b1, ...this.W2, ...this.b2, ...this.H, ...this.hb]);
	}
}

/**
 * The naive reference: build each model's flat parameters and run a full forward pass per model. Used to
 * check the batched evaluator and, in the bench, to measure what batching saves.
 */
export async function naiveAccuracies(cfg: NetConfig, base: Vec, vectors: readonly Vec[], coeffs: number[][], set: EvalSet): Promise<number[][]> {
	const G = set.groups;
	const per = set.n / G;
	const x = tf.tidy(() => tf.div(tf.tensor2d(set.x.subarray(0, set.n * IMAGE_SIZE), [set.n, IMAGE_SIZE], 'int32'), 255) as tf.Tensor2D);
	const labels = tf.tensor1d(Int32Array.from(set.y.subarray(0, set.n)), 'int32');
	const b = tf.tensor1d(base instanceof Float32Array ? base : Float32Array.from(base));
	const vs = vectors.map((v) => tf.tensor1d(v instanceof Float32Array ? v : Float32Array.from(v)));
	const counts: tf.Tensor[] = [];
	try {
		for (const c of coeffs) {
			counts.push(
				tf.tidy(() => {
					let flat: tf.Tensor1D = b;
					vs.forEach((v, k) => {
						if ((c[k] ?? 0) !== 0) flat = tf.add(flat, tf.mul(v, c[k])) as tf.Tensor1D;
					});
					const logits = forward(unpack(flat, cfg), x);
					const ok = tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32');
					return tf.sum(tf.reshape(ok, [G, per]), 1);
				})
			);
		}
		const all = tf.stack(counts);
		const v = await all.data();
		all.dispose();
		return coeffs.map((_, m) => Array.from({ length: G }, (_, g) => v[m * G + g] / per));
	} finally {
		tf.dispose([x, labels, b, ...vs, ...counts]);
	}
}

/** Evenly spaced λ values from lo to hi inclusive (rounded to 1e-9 so 0 and 1 are exact). */
export function lambdaRange(lo: number, hi: number, count: number): number[] {
	return Array.from({ length: count }, (_, i) => Math.round((lo + ((hi - lo) * i) / (count - 1)) * 1e9) / 1e9);
}
