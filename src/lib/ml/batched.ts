// K nets of one shape trained at once: their flat parameter vectors stacked into one [K, P] variable,
// one batched (3-D) matMul per layer for all K forward and backward passes, and one Adam update for all
// K with a learning rate per net. Each net keeps its own seed, initial weights, batch order, training-set
// size and learning rate, so net k follows exactly the path a lone `Trainer` with the same settings
// would (tests/unit/double-it.test.ts checks that within float tolerance). Batching pays where the
// per-op cost dominates small nets (a GPU's dispatches; wasm's per-kernel overhead): the bench measures it.
// On webgpu the K nets train through the fused kernels instead (./webgpu-fused.ts): 2·U + 1 dispatches a
// step for all K, where the batched ops below take ~130.
import * as tf from '@tensorflow/tfjs-core';
import { IMAGE_SIZE, NUM_CLASSES } from './data';
import { initParams } from './model';
import { type NetConfig, paramCount, paramLayout } from './net-layout';
import { makeRng, normalArray, permutation, type Rng } from './rng';
import type { TestSet } from './test-set';
import type { TrainingData } from './trainer';
import { adamLr, adamUpdate } from './adam';
import { FusedStep, fusedSupported } from './webgpu-fused';
import { mupLrFactors, toMupInit } from './mup';

/** What all K nets share: the shape and the minibatch size. */
export type BatchedShape = NetConfig & { batchSize: number };
/** What each net has of its own. */
export type NetSpec = {
	seed: number;
	learningRate: number;
	/** trains on the first nTrain training digits (the training-set-size axis); ≤ the data's n */
	nTrain: number;
	/**
	 * Naive init: every weight matrix N(0, naiveStd²), whatever its fan-in (the "small random numbers" of
	 * older tutorials), instead of model.ts's He / 1/√depth init. Used only for the labelled edges.
	 */
	naiveStd?: number;
	/**
	 * μP relative to this base width (./mup.ts): the output layer's init and the hidden and output
	 * layers' Adam step sizes scale with base/width. Absent: the standard parametrisation.
	 */
	mupBase?: number;
};

/** Initial weights of one net: model.ts's init, or the naive one (same seed stream). */
export function initFor(cfg: NetConfig, spec: NetSpec): Float32Array {
	if (spec.mupBase !== undefined) return toMupInit(initParams(cfg, spec.seed), cfg, spec.mupBase);
	if (spec.naiveStd === undefined) return initParams(cfg, spec.seed);
	const rng = makeRng(spec.seed, 7);
	const flat = new Float32Array(paramCount(cfg));
	for (const slot of paramLayout(cfg)) if (slot.shape.length === 2) flat.set(normalArray(slot.size, spec.naiveStd, rng), slot.offset);
	return flat;
}


type KLayer = { W: tf.Tensor3D; b: tf.Tensor3D };
type KBlock = { kind: 'residual'; A: KLayer; B: KLayer } | { kind: 'plain'; W: KLayer };
type KNet = { embed: KLayer; blocks: KBlock[]; head: KLayer };

function cpuLike(): boolean {
	const b = tf.getBackend();
	return b === 'wasm' || b === 'cpu';
}
/**
 * Batched product over the leading axis, aᵀ/bᵀ per slice if asked. On a GPU one 3-D matMul does all K.
 * On wasm tfjs's 3-D matMul takes a slow generic path (measured in Node here: [3,128,784]·[3,784,256]
 * 268 ms, against 11 ms for the three 2-D products), and a transpose flag is slow too (model.ts), so
 * there it is K plain 2-D products with explicit transposes, stacked.
 */
function bmm(a: tf.Tensor3D, b: tf.Tensor3D, transA = false, transB = false): tf.Tensor3D {
	if (!cpuLike()) return tf.matMul(a, b, transA, transB) as tf.Tensor3D;
	const as = tf.unstack(a) as tf.Tensor2D[];
	const bs = tf.unstack(b) as tf.Tensor2D[];
	return tf.stack(as.map((x, i) => tf.matMul(transA ? tf.transpose(x) : x, transB ? tf.transpose(bs[i]) : bs[i]))) as tf.Tensor3D;
}
const bmmAT = (a: tf.Tensor3D, b: tf.Tensor3D) => bmm(a, b, true, false);
const bmmBT = (a: tf.Tensor3D, b: tf.Tensor3D) => bmm(a, b, false, true);
function affine(h: tf.Tensor3D, l: KLayer): tf.Tensor3D {
	return tf.add(bmm(h, l.W), l.b) as tf.Tensor3D;
}

/** Views of the stacked parameters [K, P] as per-layer [K, in, out] weights and [K, 1, out] biases. */
function unpackK(flat: tf.Tensor2D, cfg: NetConfig): KNet {
	const k = flat.shape[0];
	const slots = paramLayout(cfg);
	let i = 0;
	const layer = (): KLayer => {
		const w = slots[i++];
		const b = slots[i++];
		return {
			W: tf.reshape(tf.slice(flat, [0, w.offset], [k, w.size]), [k, w.shape[0], w.shape[1]]) as tf.Tensor3D,
			b: tf.reshape(tf.slice(flat, [0, b.offset], [k, b.size]), [k, 1, b.size]) as tf.Tensor3D
		};
	};
	const embed = layer();
	const blocks: KBlock[] = [];
	for (let d = 0; d < cfg.depth; d++) {
		if (cfg.residual) {
			const A = layer();
			const B = layer();
			blocks.push({ kind: 'residual', A, B });
		} else blocks.push({ kind: 'plain', W: layer() });
	}
	return { embed, blocks, head: layer() };
}

/**
 * Per-net mean cross-entropy [K] and the gradient of each net's loss in its flat layout [K, P], by the
 * same hand-written backprop as model.ts's lossAndGrads, batched over the leading axis.
 */
export function batchedLossAndGrads(flat: tf.Tensor2D, cfg: NetConfig, x: tf.Tensor3D, y: tf.Tensor3D): { losses: tf.Tensor1D; grads: tf.Tensor2D } {
	const k = flat.shape[0];
	const n = x.shape[1];
	const net = unpackK(flat, cfg);
	const h0 = tf.relu(affine(x, net.embed)) as tf.Tensor3D;
	const saved: { hIn: tf.Tensor3D; z?: tf.Tensor3D; r?: tf.Tensor3D; out?: tf.Tensor3D }[] = [];
	let h = h0;
	for (const block of net.blocks) {
		if (block.kind === 'residual') {
			const z = affine(h, block.A);
			const r = tf.relu(z) as tf.Tensor3D;
			saved.push({ hIn: h, z, r });
			h = tf.add(h, affine(r, block.B)) as tf.Tensor3D;
		} else {
			const out = tf.relu(affine(h, block.W)) as tf.Tensor3D;
			saved.push({ hIn: h, out });
			h = out;
		}
	}
	const logProbs = tf.logSoftmax(affine(h, net.head)) as tf.Tensor3D;
	const losses = tf.mul(tf.sum(tf.mul(y, logProbs), [1, 2]), -1 / n) as tf.Tensor1D;
	let g = tf.mul(tf.sub(tf.exp(logProbs), y), 1 / n) as tf.Tensor3D;
	const parts: tf.Tensor[] = [];
	const push = (gW: tf.Tensor3D, gOut: tf.Tensor3D) => parts.unshift(tf.reshape(gW, [k, -1]), tf.sum(gOut, 1));
	push(bmmAT(h, g), g);
	g = bmmBT(g, net.head.W);
	for (let i = net.blocks.length - 1; i >= 0; i--) {
		const block = net.blocks[i];
		const s = saved[i];
		if (block.kind === 'residual') {
			const gB = bmmAT(s.r!, g);
			const gb = g;
			const gz = tf.mul(bmmBT(g, block.B.W), tf.step(s.z!)) as tf.Tensor3D;
			push(gB, gb);
			push(bmmAT(s.hIn, gz), gz);
			g = tf.add(g, bmmBT(gz, block.A.W)) as tf.Tensor3D;
		} else {
			const gz = tf.mul(g, tf.step(s.out!)) as tf.Tensor3D;
			push(bmmAT(s.hIn, gz), gz);
			g = bmmBT(gz, block.W.W);
		}
	}
	const gz0 = tf.mul(g, tf.step(h0)) as tf.Tensor3D;
	push(bmmAT(x, gz0), gz0);
	return { losses, grads: tf.concat(parts, 1) as tf.Tensor2D };
}

/** Per-net test accuracy and mean test loss of stacked parameters [K, P] (all K on the same digits). */
export function batchedEvaluate(flat: tf.Tensor2D, cfg: NetConfig, x: tf.Tensor2D, labels: tf.Tensor1D): { correct: tf.Tensor1D; lossSum: tf.Tensor1D } {
	return tf.tidy(() => {
		const k = flat.shape[0];
		const n = x.shape[0];
		const net = unpackK(flat, cfg);
		// every net sees the same digits: the first layer of all K is one wide 2-D product
		const wAll = tf.reshape(tf.transpose(net.embed.W, [1, 0, 2]), [IMAGE_SIZE, k * cfg.width]);
		const pre = tf.reshape(tf.matMul(x, wAll), [n, k, cfg.width]);
		let h = tf.relu(tf.add(tf.transpose(pre, [1, 0, 2]), net.embed.b)) as tf.Tensor3D;
		for (const block of net.blocks) {
			if (block.kind === 'residual') h = tf.add(h, affine(tf.relu(affine(h, block.A)) as tf.Tensor3D, block.B)) as tf.Tensor3D;
			else h = tf.relu(affine(h, block.W)) as tf.Tensor3D;
		}
		const logits = affine(h, net.head);
		const lp = tf.logSoftmax(logits);
		const y = tf.expandDims(tf.cast(tf.oneHot(labels, NUM_CLASSES), 'float32'), 0);
		const lossSum = tf.neg(tf.sum(tf.mul(lp, y), [1, 2])) as tf.Tensor1D;
		const correct = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 2), tf.expandDims(labels, 0)), 'float32'), 1) as tf.Tensor1D;
		return { correct, lossSum };
	});
}

export type BatchedEval = { accuracy: number[]; testLoss: number[] };

/** Steps whose batch indices go up together on the fused path (bounds that upload). */
const FUSED_GROUP = 100;

export class BatchedTrainer {
	readonly shape: BatchedShape;
	readonly specs: readonly NetSpec[];
	readonly k: number;
	readonly params: tf.Variable<tf.Rank.R2>;
	readonly m: tf.Variable<tf.Rank.R2>;
	readonly v: tf.Variable<tf.Rank.R2>;
	/** each net's learning rate as float32, as the update uses it */
	private readonly lr: number[];
	/** μP nets only: a step-size factor per parameter [K, P] (ones in the rows of standard nets) */
	private readonly lrScale: tf.Tensor2D | null;
	private readonly rngs: Rng[];
	private readonly orders: Int32Array[];
	private readonly cursors: number[];
	step = 0;
	/** On webgpu all K nets train through the fused kernels (./webgpu-fused.ts); null elsewhere. */
	private readonly fusedStep: FusedStep | null;
	get fused(): boolean {
		return this.fusedStep !== null;
	}

	constructor(shape: BatchedShape, specs: readonly NetSpec[], private readonly data: TrainingData, init?: Float32Array[]) {
		if (specs.length === 0) throw new Error('BatchedTrainer needs at least one net.');
		this.shape = shape;
		this.specs = specs;
		this.k = specs.length;
		const p = paramCount(shape);
		const stacked = new Float32Array(this.k * p);
		specs.forEach((s, i) => {
			if (!(s.nTrain >= 1 && s.nTrain <= data.n)) throw new Error(`nTrain ${s.nTrain} is outside 1…${data.n}.`);
			const flat = init?.[i] ?? initFor(shape, s);
			if (flat.length !== p) throw new Error('Parameter vector does not match the net shape.');
			stacked.set(flat, i * p);
		});
		const [p0, zeros] = [tf.tensor2d(stacked, [this.k, p]), tf.zeros([this.k, p])];
		this.params = tf.variable(p0, false) as tf.Variable<tf.Rank.R2>;
		this.m = tf.variable(zeros, false) as tf.Variable<tf.Rank.R2>;
		this.v = tf.variable(zeros, false) as tf.Variable<tf.Rank.R2>;
		tf.dispose([p0, zeros]);
		this.lr = specs.map((s) => Math.fround(s.learningRate));
		// the same streams as Trainer: batch order from (seed, 11)
		this.rngs = specs.map((s) => makeRng(s.seed, 11));
		this.orders = specs.map((s, i) => permutation(s.nTrain, this.rngs[i]));
		this.cursors = specs.map(() => 0);
		const mup = specs.some((s) => s.mupBase !== undefined);
		if (mup) {
			const scale = new Float32Array(this.k * p).fill(1);
			specs.forEach((s, i) => {
				if (s.mupBase !== undefined) scale.set(mupLrFactors(shape, s.mupBase), i * p);
			});
			this.lrScale = tf.tensor2d(scale, [this.k, p]);
		} else this.lrScale = null;
		// the fused kernels have one step size per net, so μP nets take the generic step
		this.fusedStep = fusedSupported(shape) && !mup ? new FusedStep(shape, shape.batchSize, stacked, this.lr) : null;
	}

	private nextBatchIndices(): Int32Array {
		const b = this.shape.batchSize;
		const idx = new Int32Array(this.k * b);
		for (let i = 0; i < this.k; i++) {
			for (let j = 0; j < b; j++) {
				if (this.cursors[i] >= this.orders[i].length) {
					this.orders[i] = permutation(this.specs[i].nTrain, this.rngs[i]);
					this.cursors[i] = 0;
				}
				idx[i * b + j] = this.orders[i][this.cursors[i]++];
			}
		}
		return idx;
	}

	/** One Adam step of all K nets; returns their batch losses [K] (owned by the caller, not read back). */
	stepOnce(): tf.Tensor1D {
		const idx = this.nextBatchIndices();
		this.step++;
		const t = this.step;
		const scale = adamLr(1, t);
		const b = this.shape.batchSize;
		return tf.tidy(() => {
			const idxT = tf.tensor1d(idx, 'int32');
			const x = tf.reshape(tf.gather(this.data.x, idxT), [this.k, b, IMAGE_SIZE]) as tf.Tensor3D;
			const y = tf.reshape(tf.gather(this.data.yOneHot, idxT), [this.k, b, NUM_CLASSES]) as tf.Tensor3D;
			const { losses, grads: g } = batchedLossAndGrads(this.params, this.shape, x, y);
			// each net's lr times the bias correction, a float32 product (as tfjs multiplied them before)
			const scaleF = Math.fround(scale);
			adamUpdate(this, [g], this.lr.map((lr) => Math.fround(lr * scaleF)), this.lrScale ?? undefined);
			return losses;
		});
	}

	/**
	 * `steps` steps; returns each net's mean batch loss over them (one async readback at the end).
	 * `interrupt` is called between steps and may yield; true ends the group early.
	 */
	async train(steps: number, interrupt?: () => boolean | Promise<boolean>): Promise<{ steps: number; meanLoss: number[] }> {
		if (this.fusedStep) return this.fusedTrain(this.fusedStep, steps, interrupt);
		let sum: tf.Tensor1D = tf.zeros([this.k]);
		let done = 0;
		try {
			while (done < steps) {
				const l = this.stepOnce();
				const next = tf.add(sum, l) as tf.Tensor1D;
				tf.dispose([sum, l]);
				sum = next;
				done++;
				if (done < steps && interrupt && (await interrupt())) break;
			}
			const s = Array.from(await sum.data());
			return { steps: done, meanLoss: s.map((v) => v / Math.max(1, done)) };
		} finally {
			sum.dispose();
		}
	}

	/**
	 * train() on the fused kernels: the batch indices of up to FUSED_GROUP steps go up as one tensor, the
	 * losses add up in the K loss slots, one readback at the end; then `params` takes the fused state's
	 * parameters (evaluate and snapshot read it). An interrupted group skips the batches it drew but did not run.
	 */
	private async fusedTrain(f: FusedStep, steps: number, interrupt?: () => boolean | Promise<boolean>): Promise<{ steps: number; meanLoss: number[] }> {
		if (!(steps > 0)) return { steps: 0, meanLoss: new Array(this.k).fill(0) };
		const kb = this.k * this.shape.batchSize;
		let done = 0;
		let stop = false;
		while (done < steps && !stop) {
			const n = Math.min(FUSED_GROUP, steps - done);
			const all = new Int32Array(n * kb);
			for (let s = 0; s < n; s++) all.set(this.nextBatchIndices(), s * kb);
			// the bias correction as the uniform, each net's learning rate as its factor: their float32
			// product, as the generic step's
			const r = await f.steps(this.data.x, this.data.yOneHot, all, () => adamLr(1, ++this.step), done === 0, interrupt);
			done += r.k;
			stop = r.stop;
		}
		const sumT = f.lossSums();
		const sums = Array.from(await sumT.data());
		sumT.dispose();
		tf.tidy(() => this.params.assign(tf.reshape(f.params(), [this.k, paramCount(this.shape)])));
		return { steps: done, meanLoss: sums.map((v) => v / done) };
	}

	/** Test accuracy and mean test loss of every net, in chunks of test digits to bound memory. */
	async evaluate(test: TestSet, chunk = 500): Promise<BatchedEval> {
		const correct = new Float64Array(this.k);
		const loss = new Float64Array(this.k);
		for (let start = 0; start < test.n; start += chunk) {
			const m = Math.min(chunk, test.n - start);
			const xs = tf.slice(test.x, [start, 0], [m, IMAGE_SIZE]) as tf.Tensor2D;
			const ls = tf.slice(test.labels, [start], [m]) as tf.Tensor1D;
			const r = batchedEvaluate(this.params, this.shape, xs, ls);
			const [c, l] = await Promise.all([r.correct.data(), r.lossSum.data()]);
			tf.dispose([xs, ls, r.correct, r.lossSum]);
			for (let i = 0; i < this.k; i++) {
				correct[i] += c[i];
				loss[i] += l[i];
			}
		}
		return { accuracy: Array.from(correct, (c) => c / test.n), testLoss: Array.from(loss, (l) => l / test.n) };
	}

	/** Net i's parameters as a Float32Array (async readback). */
	async snapshot(i: number): Promise<Float32Array> {
		const p = paramCount(this.shape);
		const row = tf.slice(this.params, [i, 0], [1, p]);
		const v = (await row.data()) as Float32Array;
		row.dispose();
		return v;
	}

	dispose() {
		tf.dispose([this.params, this.m, this.v]);
		this.lrScale?.dispose();
		this.fusedStep?.dispose();
	}
}
