// Gradient-free training of the one-hidden-layer MLP 784-h-10 (model.ts with depth 0): evolution
// strategies (the OpenAI-ES recipe: antithetic pairs, centered-rank fitness shaping, Adam on the
// estimate) and a simple genetic algorithm (truncation selection, Gaussian mutation, one elite), and
// the cosine between an ES estimate and the true gradient that carries the essay's d-dependence.
// The compute accounting that lets them race backprop fairly (forward-pass equivalents), the theory
// curve and the log-log fit are tf-free, in es-theory.ts (re-exported here).
//
// Noise is never stored between generations: pair i of generation g is regenerated from
// (seed, g, i), which is what lets distributed ES exchange only scalars, and what lets the cosine
// measurement stream through hundreds of pairs without holding them all.
// (Long: ES, the GA and the cosine measurement share the noise generation and the batched population
// evaluation; the tf-free theory is in es-theory.ts.)
import * as tf from '@tensorflow/tfjs-core';
import { IMAGE_SIZE, NUM_CLASSES } from './data';
import { COST, MAX_POPULATION_FLOATS, type CosinePoint, type CosineRequest, type CosineResult, mlpConfig, mlpParamCount, theoryCosine } from './es-theory';
import { forward, initParams, lossAndGrads, paramCount, unpack } from './model';
import { hashSeed, makeRng, permutation, type Rng } from './rng';
import type { TrainingData } from './trainer';
import { adamLr, adamUpdate } from './adam';

// The cost model, theory and fit (no tfjs; the page uses them): ./es-theory.ts
export {
	COST,
	MAX_POPULATION_FLOATS,
	maxPairs,
	logLogFit,
	mlpConfig,
	mlpMacs,
	mlpParamCount,
	theoryCosine,
	type CosinePoint,
	type CosineRequest,
	type CosineResult
} from './es-theory';

// ---- noise, shaping, estimate (pure, DOM- and tf-free) ---------------------------------------------

/**
 * The N(0, I) direction of pair `pair` in generation `generation`, regenerated from the seed.
 * mulberry32 + Box–Muller written out inline (both outputs used): this runs for millions of numbers
 * per generation, about 3× faster than going through rng.ts's closures.
 */
export function pairNoise(seed: number, generation: number, pair: number, dim: number): Float32Array {
	const out = new Float32Array(dim);
	let state = hashSeed(hashSeed(seed ^ 0x5eed, generation), pair);
	const TWO_PI = 2 * Math.PI;
	for (let i = 0; i < dim; i += 2) {
		state = (state + 0x6d2b79f5) | 0;
		let t = Math.imul(state ^ (state >>> 15), state | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		const u = (((t ^ (t >>> 14)) >>> 0) + 1) / 4294967297; // in (0, 1): log(u) is finite
		state = (state + 0x6d2b79f5) | 0;
		t = Math.imul(state ^ (state >>> 15), state | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		const v = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
		const r = Math.sqrt(-2 * Math.log(u));
		out[i] = r * Math.cos(TWO_PI * v);
		if (i + 1 < dim) out[i + 1] = r * Math.sin(TWO_PI * v);
	}
	return out;
}

/**
 * Centered ranks in [−0.5, 0.5] (Salimans et al. 2017): only the order of the fitnesses matters, so
 * one lucky minibatch or an outlier cannot swamp the update. Ties get the mean of their ranks.
 */
export function centeredRanks(values: ArrayLike<number>): Float32Array {
	const n = values.length;
	const out = new Float32Array(n);
	if (n === 1) return out;
	const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
	for (let i = 0; i < n; ) {
		let j = i;
		while (j + 1 < n && values[idx[j + 1]] === values[idx[i]]) j++;
		const r = (i + j) / 2 / (n - 1) - 0.5;
		for (let k = i; k <= j; k++) out[idx[k]] = r;
		i = j + 1;
	}
	return out;
}

export type Shaping = 'raw' | 'ranks';

/**
 * Coefficient c_i of each pair, so that the estimate of the loss gradient is (1/N) Σ c_i ε_i.
 * raw: the central difference (L(θ+σε) − L(θ−σε)) / 2σ, unbiased for smooth L as σ → 0 (exact for a
 * quadratic); ranks: the same with losses replaced by their centered ranks over all 2N candidates.
 */
export function pairCoefficients(lossPlus: ArrayLike<number>, lossMinus: ArrayLike<number>, sigma: number, shaping: Shaping): Float32Array {
	const n = lossPlus.length;
	const c = new Float32Array(n);
	if (shaping === 'raw') {
		for (let i = 0; i < n; i++) c[i] = (lossPlus[i] - lossMinus[i]) / (2 * sigma);
	} else {
		const all = new Float32Array(2 * n);
		all.set(Array.from(lossPlus), 0);
		all.set(Array.from(lossMinus), n);
		const r = centeredRanks(all);
		for (let i = 0; i < n; i++) c[i] = (r[i] - r[n + i]) / (2 * sigma);
	}
	return c;
}

/** (1/N) Σ c_i ε_i with ε_i regenerated one at a time (never N×d floats at once). */
export function estimateFromSeeds(c: ArrayLike<number>, noise: (i: number) => Float32Array, dim: number): Float64Array {
	const g = new Float64Array(dim);
	const n = c.length;
	for (let i = 0; i < n; i++) {
		const e = noise(i);
		const ci = c[i] / n;
		for (let j = 0; j < dim; j++) g[j] += ci * e[j];
	}
	return g;
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
	let ab = 0,
		aa = 0,
		bb = 0;
	for (let i = 0; i < a.length; i++) {
		ab += a[i] * b[i];
		aa += a[i] * a[i];
		bb += b[i] * b[i];
	}
	return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

// ---- evaluating a population -------------------------------------------------------------------

export type EvalMode = 'batched' | 'loop';

/**
 * The faster way to evaluate a population on this backend, as measured by `npm run bench`. On wasm the
 * per-candidate loop wins: the batched path's [C,784,h] → [784,C·h] transpose costs more than the one wide
 * matMul saves (Node wasm, h = 32, N = 64: batched 65 ms vs loop 57 ms on a quiet machine; page wasm 86
 * vs 53 ms). On a GPU the batched path is the one that pays (43× on an H200, issue 15), and cpu (tests,
 * the last-resort fallback) keeps it too.
 */
export function defaultEvalMode(backend = tf.getBackend()): EvalMode {
	return backend === 'wasm' ? 'loop' : 'batched';
}

/** Candidates per chunk so that a chunk's parameters stay under ~8M floats (memory, not speed). */
export function chunkSize(d: number, maxFloats = 8_000_000): number {
	return Math.max(1, Math.floor(maxFloats / d));
}

/**
 * Mean cross-entropy of C candidate parameter vectors (rows of `thetas`, columns beyond the MLP's
 * d parameters are ignored) on one minibatch, all at once. The first layer, where nearly all the
 * work is, becomes one wide 2-D product [B,784]×[784,C·h]: on wasm a 3-D batched matMul is ~11×
 * slower than that (toolchain notes). The second layer is small ([C,B,h]×[C,h,10]) and stays batched.
 */
export function populationLosses(width: number, thetas: tf.Tensor2D, x: tf.Tensor2D, yOneHot: tf.Tensor2D): tf.Tensor1D {
	return tf.tidy(() => {
		const C = thetas.shape[0];
		const B = x.shape[0];
		const h = width;
		const nW1 = IMAGE_SIZE * h;
		// (its own tidy: the sliced copy is freed before the product, which at large C·h is ~30 MB)
		const W1 = tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(tf.slice(thetas, [0, 0], [C, nW1]), [C, IMAGE_SIZE, h]), [1, 0, 2]), [IMAGE_SIZE, C * h]));
		const b1 = tf.reshape(tf.slice(thetas, [0, nW1], [C, h]), [C * h]);
		// (not fused: the wasm fused kernel rejects this bias after the reshape)
		const H = tf.relu(tf.add(tf.matMul(x, W1 as tf.Tensor2D), b1));
		const H3 = tf.transpose(tf.reshape(H, [B, C, h]), [1, 0, 2]) as tf.Tensor3D;
		const W2 = tf.reshape(tf.slice(thetas, [0, nW1 + h], [C, h * NUM_CLASSES]), [C, h, NUM_CLASSES]) as tf.Tensor3D;
		const b2 = tf.reshape(tf.slice(thetas, [0, nW1 + h + h * NUM_CLASSES], [C, NUM_CLASSES]), [C, 1, NUM_CLASSES]);
		const logits = tf.add(tf.matMul(H3, W2), b2);
		const logProbs = tf.logSoftmax(logits);
		return tf.neg(tf.mean(tf.sum(tf.mul(logProbs, tf.expandDims(yOneHot, 0)), 2), 1)) as tf.Tensor1D;
	});
}

/** The same losses one candidate at a time through model.ts (the naive loop, for the bench and tests). */
export function populationLossesLoop(width: number, thetas: tf.Tensor2D, x: tf.Tensor2D, yOneHot: tf.Tensor2D): tf.Tensor1D {
	const cfg = mlpConfig(width);
	const d = paramCount(cfg);
	const C = thetas.shape[0];
	const losses: tf.Scalar[] = [];
	for (let c = 0; c < C; c++) {
		losses.push(
			tf.tidy(() => {
				const flat = tf.reshape(tf.slice(thetas, [c, 0], [1, d]), [d]) as tf.Tensor1D;
				const lp = tf.logSoftmax(forward(unpack(flat, cfg), x));
				return tf.neg(tf.div(tf.sum(tf.mul(lp, yOneHot)), x.shape[0])) as tf.Scalar;
			})
		);
	}
	const out = tf.stack(losses) as tf.Tensor1D;
	tf.dispose(losses);
	return out;
}

export function evaluatePopulation(mode: EvalMode, width: number, thetas: tf.Tensor2D, x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor1D {
	return mode === 'batched' ? populationLosses(width, thetas, x, y) : populationLossesLoop(width, thetas, x, y);
}

// ---- minibatches -------------------------------------------------------------------------------

/** Epoch-wise shuffled minibatches from a seed (the same scheme as Trainer's). */
export class BatchSampler {
	private order: Int32Array;
	private cursor = 0;
	private readonly rng: Rng;
	constructor(
		private readonly n: number,
		private readonly batchSize: number,
		seed: number,
		stream = 11
	) {
		this.rng = makeRng(seed, stream);
		this.order = permutation(n, this.rng);
	}
	next(): Int32Array {
		const idx = new Int32Array(this.batchSize);
		for (let k = 0; k < this.batchSize; k++) {
			if (this.cursor >= this.order.length) {
				this.order = permutation(this.n, this.rng);
				this.cursor = 0;
			}
			idx[k] = this.order[this.cursor++];
		}
		return idx;
	}
	/** gather the batch as tensors (the caller disposes them) */
	gather(data: TrainingData): { x: tf.Tensor2D; y: tf.Tensor2D } {
		const idx = this.next();
		return tf.tidy(() => {
			const t = tf.tensor1d(idx, 'int32');
			return { x: tf.gather(data.x, t) as tf.Tensor2D, y: tf.gather(data.yOneHot, t) as tf.Tensor2D };
		});
	}
}

// ---- evolution strategies ----------------------------------------------------------------------

export type EsConfig = {
	width: number;
	seed: number;
	/** N antithetic pairs per generation (2N candidates) */
	pairs: number;
	sigma: number;
	learningRate: number;
	batchSize: number;
	/**
	 * k parameters appended after the net's d that the loss never reads (default 0). ES perturbs and
	 * updates them like the rest, since it cannot tell them apart; they change no loss value, so the
	 * real weights follow exactly the trajectory they follow without them.
	 */
	useless?: number;
};

/** Adam on a flat vector given an externally computed gradient (estimate). */
class FlatAdam {
	readonly m: tf.Variable<tf.Rank.R1>;
	readonly v: tf.Variable<tf.Rank.R1>;
	t = 0;
	constructor(d: number) {
		this.m = zeroVariable(d);
		this.v = zeroVariable(d);
	}
	/** params ← params − lr·m̂/(√v̂+ε); call inside tf.tidy */
	apply(params: tf.Variable<tf.Rank.R1>, g: tf.Tensor1D, lr: number) {
		this.t++;
		adamUpdate({ params, m: this.m, v: this.v }, [g], [adamLr(lr, this.t)]);
	}
	dispose() {
		tf.dispose([this.m, this.v]);
	}
}

/** A d-vector of zeros as a variable (the initial tensor is freed: the variable holds its own). */
function zeroVariable(d: number): tf.Variable<tf.Rank.R1> {
	const z = tf.zeros([d]);
	try {
		return tf.variable(z, false) as tf.Variable<tf.Rank.R1>;
	} finally {
		z.dispose();
	}
}

/** Noise rows first … first+n−1 of generation g as one [n, d] tensor (regenerated from the seed). */
function noiseMatrix(seed: number, generation: number, n: number, d: number, first = 0): tf.Tensor2D {
	const buf = new Float32Array(n * d);
	for (let i = 0; i < n; i++) buf.set(pairNoise(seed, generation, first + i, d), i * d);
	return tf.tensor2d(buf, [n, d]);
}

/**
 * Up to this many noise floats (16 MiB) the ES keeps a generation's noise for its estimate; above it
 * (only in the width sweep's wide nets: a race's N·d is capped at half of MAX_POPULATION_FLOATS) it
 * regenerates the noise chunk by chunk, trading time for a bounded footprint.
 */
const KEEP_NOISE_FLOATS = MAX_POPULATION_FLOATS / 2;

export type GenerationResult = { meanLoss: number };

export class EvolutionStrategy {
	readonly cfg: EsConfig;
	/** the net's parameters (the loss reads these) */
	readonly d: number;
	/** every parameter ES searches over: d real ones, then the useless ones */
	readonly dim: number;
	/** all dim parameters (the first d are the net's) */
	readonly params: tf.Variable<tf.Rank.R1>;
	private readonly adam: FlatAdam;
	private readonly batches: BatchSampler;
	generation = 0;
	/** forward-pass equivalents spent so far (exact) */
	compute = 0;

	constructor(
		cfg: EsConfig,
		private readonly data: TrainingData,
		init?: Float32Array,
		readonly mode: EvalMode = defaultEvalMode()
	) {
		this.cfg = cfg;
		this.d = mlpParamCount(cfg.width);
		this.dim = this.d + Math.max(0, Math.floor(cfg.useless ?? 0));
		const flat = init ?? initParams(mlpConfig(cfg.width), cfg.seed);
		if (flat.length !== this.d) throw new Error('Parameter vector does not match the net shape.');
		// the useless parameters start at zero (any value would do: nothing reads them)
		const all = new Float32Array(this.dim);
		all.set(flat);
		const p0 = tf.tensor1d(all);
		this.params = tf.variable(p0, true) as tf.Variable<tf.Rank.R1>;
		p0.dispose();
		this.adam = new FlatAdam(this.dim);
		this.batches = new BatchSampler(data.n, cfg.batchSize, cfg.seed);
	}

	/** One generation: 2N candidates on one minibatch, ranks, estimate, Adam step. */
	async step(): Promise<GenerationResult> {
		const { pairs, sigma, seed, width } = this.cfg;
		// the whole searched vector: the population's columns past the net's are ignored by the loss
		const d = this.dim;
		const g = this.generation++;
		this.compute += COST.esGeneration(pairs);
		// ±: evaluate in chunks of whole pairs so memory stays bounded at large d and N
		const per = Math.max(1, Math.floor(chunkSize(d) / 2));
		const chunks: [number, number][] = [];
		for (let i = 0; i < pairs; i += per) chunks.push([i, Math.min(per, pairs - i)]);
		let E: tf.Tensor2D | null = null;
		let batch: { x: tf.Tensor2D; y: tf.Tensor2D } | null = null;
		const losses: tf.Tensor1D[] = [];
		// everything allocated here is freed on every path, a throw included (at large d it is hundreds of MB)
		try {
			if (pairs * d <= KEEP_NOISE_FLOATS) E = noiseMatrix(seed, g, pairs, d);
			batch = this.batches.gather(this.data);
			const { x, y } = batch;
			for (const [i, n] of chunks) {
				losses.push(
					tf.tidy(() => {
						// θ ± σε in its own tidy, so ε and the halves are freed before the evaluation
						const thetas = tf.tidy(() => {
							const e = tf.mul(E ? tf.slice(E, [i, 0], [n, d]) : noiseMatrix(seed, g, n, d, i), sigma);
							return tf.concat([tf.add(this.params, e), tf.sub(this.params, e)]) as tf.Tensor2D;
						});
						return evaluatePopulation(this.mode, width, thetas, x, y);
					})
				);
			}
			tf.dispose([batch.x, batch.y]);
			batch = null;
			const vals = await Promise.all(losses.map((l) => l.data()));
			const plus: number[] = [];
			const minus: number[] = [];
			let sum = 0;
			for (const v of vals) {
				const n = v.length / 2;
				for (let i = 0; i < n; i++) {
					plus.push(v[i]);
					minus.push(v[n + i]);
					sum += v[i] + v[n + i];
				}
			}
			const c = pairCoefficients(plus, minus, sigma, 'ranks');
			const noise = E;
			tf.tidy(() => {
				let sumCe: tf.Tensor;
				if (noise) sumCe = tf.matMul(tf.tensor2d(c, [1, pairs]), noise);
				else {
					// Σ c_i ε_i chunk by chunk, each chunk's noise regenerated and freed before the next
					sumCe = tf.zeros([1, d]);
					for (const [i, n] of chunks) {
						const prev = sumCe;
						sumCe = tf.tidy(() => tf.add(prev, tf.matMul(tf.tensor2d(c.subarray(i, i + n), [1, n]), noiseMatrix(seed, g, n, d, i))));
						prev.dispose();
					}
				}
				const est = tf.div(tf.reshape(sumCe, [d]), pairs) as tf.Tensor1D;
				this.adam.apply(this.params, est, this.cfg.learningRate);
			});
			return { meanLoss: sum / (2 * pairs) };
		} finally {
			tf.dispose(losses);
			if (batch) tf.dispose([batch.x, batch.y]);
			E?.dispose();
		}
	}

	dispose() {
		this.adam.dispose();
		this.params.dispose();
	}
}

// ---- genetic algorithm -------------------------------------------------------------------------

export type GaConfig = {
	width: number;
	seed: number;
	/** candidates per generation (its compute) */
	population: number;
	/** mutation noise (std of the Gaussian added to every parameter) */
	sigma: number;
	/** how many of the best become parents (truncation selection) */
	parents: number;
	batchSize: number;
};

/**
 * Such et al.'s simple GA: evaluate every individual on a minibatch, keep the best unchanged (elitism),
 * fill the rest with mutated copies of parents drawn uniformly from the top `parents`.
 */
export class GeneticAlgorithm {
	readonly cfg: GaConfig;
	readonly d: number;
	private population: tf.Tensor2D;
	/** the elite of the last evaluated generation (the net whose curve is shown) */
	readonly best: tf.Variable<tf.Rank.R1>;
	private readonly rng: Rng;
	private readonly batches: BatchSampler;
	generation = 0;
	compute = 0;

	constructor(
		cfg: GaConfig,
		private readonly data: TrainingData,
		init?: Float32Array
	) {
		this.cfg = cfg;
		this.d = mlpParamCount(cfg.width);
		if (cfg.population * this.d > MAX_POPULATION_FLOATS)
			throw new Error(`A GA population of ${cfg.population} × ${this.d} parameters does not fit in memory (at most ${MAX_POPULATION_FLOATS.toLocaleString('en')} floats).`);
		const flat = init ?? initParams(mlpConfig(cfg.width), cfg.seed);
		this.rng = makeRng(cfg.seed, 29);
		this.batches = new BatchSampler(data.n, cfg.batchSize, cfg.seed);
		const p0 = tf.tensor1d(flat);
		try {
			this.best = tf.variable(p0, true) as tf.Variable<tf.Rank.R1>;
			try {
				// generation 0: the shared initialisation (the elite) and mutants of it
				this.population = tf.tidy(() => this.offspring(tf.expandDims(p0, 0) as tf.Tensor2D, Array.from({ length: cfg.population - 1 }, () => 0), 0));
			} catch (e) {
				this.best.dispose();
				throw e;
			}
		} finally {
			p0.dispose();
		}
	}

	/**
	 * rows: elite, then elite-or-parent[k] + σ·ε for each k (parents given as rows of `from`). Built in
	 * chunks of rows of about 8 MiB, each chunk's noise and temporaries freed before the next, so the
	 * peak is about two populations, not six.
	 */
	private offspring(from: tf.Tensor2D, parentRows: number[], eliteRow: number): tf.Tensor2D {
		const d = this.d;
		const rows = [eliteRow, ...parentRows];
		const per = chunkSize(d, MAX_POPULATION_FLOATS / 4);
		const parts: tf.Tensor2D[] = [];
		try {
			for (let i = 0; i < rows.length; i += per) {
				const n = Math.min(per, rows.length - i);
				parts.push(
					tf.tidy(() => {
						const noise = new Float32Array(n * d);
						// row 0 is the elite, copied unchanged; row r > 0 gets mutation r − 1
						for (let j = 0; j < n; j++) if (i + j > 0) noise.set(pairNoise(this.cfg.seed + 7919, this.generation, i + j - 1, d), j * d);
						const src = tf.gather(from, tf.tensor1d(rows.slice(i, i + n), 'int32'));
						return tf.add(src, tf.mul(tf.tensor2d(noise, [n, d]), this.cfg.sigma)) as tf.Tensor2D;
					})
				);
			}
			return parts.length === 1 ? parts.pop()! : (tf.concat(parts) as tf.Tensor2D);
		} finally {
			tf.dispose(parts);
		}
	}

	async step(): Promise<GenerationResult> {
		const P = this.cfg.population;
		this.compute += COST.gaGeneration(P);
		const { x, y } = this.batches.gather(this.data);
		let lossT: tf.Tensor | null = null;
		let losses: ArrayLike<number>;
		try {
			lossT = tf.tidy(() => {
				const per = chunkSize(this.d);
				const out: tf.Tensor1D[] = [];
				for (let i = 0; i < P; i += per) {
					const n = Math.min(per, P - i);
					out.push(evaluatePopulation(defaultEvalMode(), this.cfg.width, tf.slice(this.population, [i, 0], [n, this.d]), x, y));
				}
				return tf.concat(out);
			});
			tf.dispose([x, y]);
			losses = await lossT.data();
		} finally {
			tf.dispose([x, y]);
			lossT?.dispose();
		}
		const order = Array.from({ length: P }, (_, i) => i).sort((a, b) => losses[a] - losses[b] || a - b);
		const top = order.slice(0, Math.max(1, Math.min(this.cfg.parents, P)));
		this.generation++;
		const parents = Array.from({ length: P - 1 }, () => top[this.rng.int(top.length)]);
		const next = tf.tidy(() => {
			this.best.assign(tf.reshape(tf.slice(this.population, [order[0], 0], [1, this.d]), [this.d]));
			return this.offspring(this.population, parents, order[0]);
		});
		this.population.dispose();
		this.population = next;
		let sum = 0;
		for (let i = 0; i < P; i++) sum += losses[i];
		return { meanLoss: sum / P };
	}

	dispose() {
		tf.dispose([this.population, this.best]);
	}
}

// ---- the cosine measurement --------------------------------------------------------------------

/**
 * Cosine between the raw antithetic ES estimate and the true minibatch gradient (hand-written
 * backprop) at the given weights, for each N, over the d real parameters plus k useless ones.
 * Backprop's gradient is exactly zero on the useless ones; the ES estimate is not, because ES cannot
 * know which parameters matter.
 */
export async function measureCosine(req: CosineRequest, data: TrainingData, mode: EvalMode = defaultEvalMode()): Promise<CosineResult> {
	const cfg = mlpConfig(req.width);
	const d = paramCount(cfg);
	const k = Math.max(0, Math.floor(req.useless));
	const flat = req.params ?? initParams(cfg, req.seed);
	const Nmax = Math.max(...req.pairs);
	const sampler = new BatchSampler(data.n, req.batchSize, req.seed, 31);
	const { x, y } = sampler.gather(data);
	const theta = tf.tensor1d(flat);
	const plus = new Float32Array(Nmax);
	const minus = new Float32Array(Nmax);
	let grad: Float32Array;
	// x, y and θ are freed on every path (a throw in a chunk included)
	try {
		// the true gradient on this minibatch
		const gradT = tf.tidy(() => {
			const { grads } = lossAndGrads(unpack(theta, cfg), x, y);
			return tf.concat(grads.map((t) => tf.reshape(t, [-1])));
		});
		try {
			grad = (await gradT.data()) as Float32Array;
		} finally {
			gradT.dispose();
		}
		// losses of every ± candidate, in chunks of pairs; noise is regenerated from seeds (generation 0)
		const per = Math.max(1, Math.floor(chunkSize(d) / 2));
		for (let i = 0; i < Nmax; i += per) {
			const n = Math.min(per, Nmax - i);
			const lossT = tf.tidy(() => {
				const buf = new Float32Array(n * d);
				for (let j = 0; j < n; j++) buf.set(pairNoise(req.seed, 0, i + j, d + k).subarray(0, d), j * d);
				// θ ± σε in its own tidy, so ε and the halves are freed before the evaluation
				const thetas = tf.tidy(() => {
					const e = tf.mul(tf.tensor2d(buf, [n, d]), req.sigma);
					return tf.concat([tf.add(theta, e), tf.sub(theta, e)]) as tf.Tensor2D;
				});
				return evaluatePopulation(mode, req.width, thetas, x, y);
			});
			let v: Float32Array;
			try {
				v = (await lossT.data()) as Float32Array;
			} finally {
				lossT.dispose();
			}
			plus.set(v.subarray(0, n), i);
			minus.set(v.subarray(n, 2 * n), i);
			await new Promise((r) => setTimeout(r, 0)); // let cancel/progress messages through
		}
	} finally {
		tf.dispose([x, y, theta]);
	}
	const c = pairCoefficients(plus, minus, req.sigma, 'raw');
	// stream the estimate through the pairs, reading the cosine at each requested N
	const wanted = new Set(req.pairs);
	const sum = new Float64Array(d + k);
	const points: CosinePoint[] = [];
	let gg = 0;
	for (let j = 0; j < d; j++) gg += grad[j] * grad[j];
	let snapshot: Float64Array | null = null;
	for (let i = 0; i < Nmax; i++) {
		const e = pairNoise(req.seed, 0, i, d + k);
		const ci = c[i];
		for (let j = 0; j < d + k; j++) sum[j] += ci * e[j];
		const N = i + 1;
		if (!wanted.has(N)) continue;
		let sg = 0,
			ssUseful = 0,
			ssAll = 0;
		for (let j = 0; j < d; j++) {
			sg += sum[j] * grad[j];
			ssUseful += sum[j] * sum[j];
		}
		ssAll = ssUseful;
		for (let j = d; j < d + k; j++) ssAll += sum[j] * sum[j];
		const den = Math.sqrt(gg);
		points.push({
			pairs: N,
			d: d + k,
			cosine: ssAll > 0 && den > 0 ? sg / (Math.sqrt(ssAll) * den) : 0,
			cosineUseful: ssUseful > 0 && den > 0 ? sg / (Math.sqrt(ssUseful) * den) : 0,
			theory: theoryCosine(N, d + k)
		});
		if (N === Nmax) snapshot = sum;
	}
	const pictures = (req.units ?? []).filter((u) => u >= 0 && u < req.width).map((unit) => {
		const truth = new Float32Array(IMAGE_SIZE);
		const estimate = new Float32Array(IMAGE_SIZE);
		// embed.W is [784, h] row-major at offset 0: unit u's incoming weights are every h-th entry
		for (let p = 0; p < IMAGE_SIZE; p++) {
			truth[p] = grad[p * req.width + unit];
			estimate[p] = snapshot ? snapshot[p * req.width + unit] / Nmax : 0;
		}
		return { unit, truth, estimate };
	});
	return { d, useless: k, points, pictures, compute: COST.esGeneration(Nmax) };
}

// ---- the effective dimension of the loss at given weights ------------------------------------------

export type Curvature = {
	d: number;
	/** digits the per-example gradients were taken on */
	examples: number;
	/** tr(F) of the empirical Fisher F = (1/n) Σ g_i g_iᵀ (the mean squared per-example gradient norm) */
	trace: number;
	/** its largest eigenvalue */
	topEigenvalue: number;
	/** tr(F)/λ_max(F): how many directions carry gradient signal comparable to the strongest (1 … min(n, d)) */
	effectiveDim: number;
};

/**
 * The effective dimension of the loss at θ, as the stable rank of the per-example gradients: the
 * trace of the empirical Fisher F = (1/n) Σ g_i g_iᵀ over its largest eigenvalue. F is the
 * Gauss–Newton curvature's usual stand-in for cross-entropy; unlike the Hessian of a ReLU net at its
 * initialisation it is positive semi-definite, so tr/λ_max is a count of directions, and both are
 * exact here (no Hutchinson probes): F's nonzero spectrum is that of the n×n Gram matrix
 * K = (1/n) G Gᵀ of the per-example gradients, whose trace is summed and whose top eigenvalue comes
 * from power iteration on K. MeZO's analysis ties zeroth-order progress to an effective rank of
 * this kind, not to d.
 */
export async function measureCurvature(req: { width: number; seed: number; params?: Float32Array; examples: number; iterations?: number }, data: TrainingData): Promise<Curvature> {
	const cfg = mlpConfig(req.width);
	const d = paramCount(cfg);
	const n = req.examples;
	const theta0 = req.params ?? initParams(cfg, req.seed);
	const idx = new BatchSampler(data.n, n, req.seed, 37).next();
	const G = new Float32Array(n * d);
	const theta = tf.tensor1d(theta0);
	try {
		for (let i = 0; i < n; i++) {
			const g = tf.tidy(() => {
				const t = tf.tensor1d([idx[i]], 'int32');
				const { grads } = lossAndGrads(unpack(theta, cfg), tf.gather(data.x, t) as tf.Tensor2D, tf.gather(data.yOneHot, t) as tf.Tensor2D);
				return tf.concat(grads.map((a) => tf.reshape(a, [-1])));
			});
			try {
				G.set((await g.data()) as Float32Array, i * d);
			} finally {
				g.dispose();
			}
		}
	} finally {
		theta.dispose();
	}
	// K = (1/n) G Gᵀ, in float64
	const K = new Float64Array(n * n);
	for (let i = 0; i < n; i++)
		for (let j = 0; j <= i; j++) {
			let s = 0;
			const a = i * d,
				b = j * d;
			for (let k = 0; k < d; k++) s += G[a + k] * G[b + k];
			K[i * n + j] = K[j * n + i] = s / n;
		}
	let trace = 0;
	for (let i = 0; i < n; i++) trace += K[i * n + i];
	// power iteration on the PSD K (deterministic start)
	let v = new Float64Array(n).fill(1 / Math.sqrt(n));
	let lambda = 0;
	for (let it = 0; it < (req.iterations ?? 200); it++) {
		const w = new Float64Array(n);
		for (let i = 0; i < n; i++) {
			let s = 0;
			for (let j = 0; j < n; j++) s += K[i * n + j] * v[j];
			w[i] = s;
		}
		let norm = 0;
		for (let i = 0; i < n; i++) norm += w[i] * w[i];
		norm = Math.sqrt(norm);
		if (!(norm > 0)) break;
		const next = w.map((x) => x / norm);
		const moved = Math.abs(norm - lambda);
		lambda = norm;
		v = next;
		if (moved <= 1e-12 * lambda) break;
	}
	return { d, examples: n, trace, topEigenvalue: lambda, effectiveDim: lambda > 0 ? trace / lambda : NaN };
}
