// Adam on one flat parameter vector, several steps per call, metrics read back asynchronously every
// `readEvery` steps (never a dataSync in the loop: on WebGPU/WebGL that would stall the pipeline).
import * as tf from '@tensorflow/tfjs-core';
import type { Mnist } from './data';
import { IMAGE_SIZE, NUM_CLASSES } from './data';
import { type NetConfig, forward, initParams, lossAndGrads, paramCount, unpack } from './model';
import { makeRng, permutation, type Rng } from './rng';
import { FusedStep, fusedSupported } from './webgpu-fused';
import { adamLr, adamUpdate } from './adam';

export type TrainConfig = NetConfig & {
	seed: number;
	learningRate: number;
	batchSize: number;
	/** Probability of skipping each block in a training step (stochastic depth). 0 = off. */
	layerDrop: number;
	/** Residual nets: init scale of each block's output matrix B, relative to the default (1). */
	bScale?: number;
};

export type TrainMetrics = { step: number; loss: number };

/** The training split as tensors, uploaded once and shared by every net trained on this backend. */
export class TrainingData {
	readonly x: tf.Tensor2D;
	readonly y: tf.Tensor1D;
	/** labels as one-hot float rows, so a batch needs one gather instead of gather + oneHot + cast */
	readonly yOneHot: tf.Tensor2D;
	readonly n: number;
	constructor(data: Mnist) {
		this.n = data.nTrain;
		this.x = tf.tidy(() => tf.div(tf.tensor2d(data.trainX, [data.nTrain, IMAGE_SIZE], 'int32'), 255));
		this.y = tf.tensor1d(Int32Array.from(data.trainY), 'int32');
		this.yOneHot = tf.tidy(() => tf.cast(tf.oneHot(this.y, NUM_CLASSES), 'float32')) as tf.Tensor2D;
	}
	dispose() {
		tf.dispose([this.x, this.y, this.yOneHot]);
	}
}

export class Trainer {
	readonly cfg: TrainConfig;
	readonly params: tf.Variable<tf.Rank.R1>;
	readonly m: tf.Variable<tf.Rank.R1>;
	readonly v: tf.Variable<tf.Rank.R1>;
	private readonly rng: Rng;
	private readonly dropRng: Rng;
	private order: Int32Array;
	private cursor = 0;
	step = 0;
	/** On webgpu, nets without layer drop train through a few fused kernels (./webgpu-fused.ts); null elsewhere. */
	private readonly fusedStep: FusedStep | null;
	get fused(): boolean {
		return this.fusedStep !== null;
	}

	constructor(cfg: TrainConfig, private readonly data: TrainingData, init?: Float32Array) {
		this.cfg = cfg;
		const flat = init ?? initParams(cfg, cfg.seed, { bScale: cfg.bScale });
		if (flat.length !== paramCount(cfg)) throw new Error('Parameter vector does not match the net shape.');
		// tf.variable keeps its own reference to the data; the initial tensors are disposed here.
		const [p0, zeros] = [tf.tensor1d(flat), tf.zeros([flat.length])];
		this.params = tf.variable(p0, true) as tf.Variable<tf.Rank.R1>;
		this.m = tf.variable(zeros, false) as tf.Variable<tf.Rank.R1>;
		this.v = tf.variable(zeros, false) as tf.Variable<tf.Rank.R1>;
		tf.dispose([p0, zeros]);
		this.rng = makeRng(cfg.seed, 11);
		this.dropRng = makeRng(cfg.seed, 13);
		this.order = permutation(data.n, this.rng);
		this.fusedStep = fusedSupported(cfg) ? new FusedStep(cfg, cfg.batchSize, flat) : null;
	}

	private nextBatchIndices(): Int32Array {
		const b = this.cfg.batchSize;
		const idx = new Int32Array(b);
		for (let k = 0; k < b; k++) {
			if (this.cursor >= this.order.length) {
				this.order = permutation(this.data.n, this.rng);
				this.cursor = 0;
			}
			idx[k] = this.order[this.cursor++];
		}
		return idx;
	}

	private activeMask(): boolean[] | undefined {
		const p = this.cfg.layerDrop;
		if (!(p > 0)) return undefined;
		return Array.from({ length: this.cfg.depth }, () => this.dropRng.next() >= p);
	}

	/** One Adam step; returns the batch loss as a tensor the caller owns (not read back). */
	private stepOnce(): tf.Scalar {
		const idx = this.nextBatchIndices();
		const active = this.activeMask();
		const lrT = this.nextLr();
		return tf.tidy(() => {
			const idxT = tf.tensor1d(idx, 'int32');
			const x = tf.gather(this.data.x, idxT) as tf.Tensor2D;
			const y = tf.gather(this.data.yOneHot, idxT) as tf.Tensor2D;
			const net = unpack(this.params, this.cfg);
			const { loss, grads } = lossAndGrads(net, x, y, active);
			adamUpdate(this, grads, [lrT]);
			return loss;
		});
	}

	/** Advance the step counter; Adam's bias-corrected learning rate for the new step. */
	private nextLr(): number {
		this.step++;
		return adamLr(this.cfg.learningRate, this.step);
	}

	/** `n` fused steps (FusedStep.steps), the loss slot summing their losses. */
	private fusedSteps(n: number, interrupt?: () => boolean | Promise<boolean>): Promise<{ k: number; stop: boolean }> {
		const b = this.cfg.batchSize;
		const all = new Int32Array(n * b);
		for (let s = 0; s < n; s++) all.set(this.nextBatchIndices(), s * b);
		return this.fusedStep!.steps(this.data.x, this.data.yOneHot, all, () => this.nextLr(), true, interrupt);
	}

	/**
	 * Run `steps` steps. The mean loss over each group of `readEvery` steps is read back asynchronously
	 * and reported; `shouldStop` is checked between groups (pause/cancel). `interrupt`, if given, is
	 * called between steps and may yield to the event loop (so a worker reads a cancel during a long
	 * group); when it answers true the group ends early and training stops.
	 */
	async train(
		steps: number,
		opts: {
			readEvery?: number;
			onMetrics?: (m: TrainMetrics) => void;
			shouldStop?: () => boolean;
			interrupt?: () => boolean | Promise<boolean>;
		} = {}
	): Promise<TrainMetrics[]> {
		const readEvery = Math.max(1, opts.readEvery ?? 25);
		const out: TrainMetrics[] = [];
		let done = 0;
		let stop = false;
		while (done < steps && !stop) {
			if (opts.shouldStop?.()) break;
			const n = Math.min(readEvery, steps - done);
			if (this.fusedStep) {
				const r = await this.fusedSteps(n, opts.interrupt);
				stop = r.stop;
				const sumT = this.fusedStep.lossSum();
				const mean = (await sumT.data())[0] / r.k;
				sumT.dispose();
				done += r.k;
				const metric = { step: this.step, loss: mean };
				out.push(metric);
				opts.onMetrics?.(metric);
				continue;
			}
			let sum: tf.Scalar = tf.scalar(0);
			let k = 0;
			let mean: number;
			// the running sum is freed even when a step or the interrupt throws
			try {
				while (k < n) {
					const loss = this.stepOnce();
					const next = tf.add(sum, loss) as tf.Scalar;
					tf.dispose([sum, loss]);
					sum = next;
					k++;
					if (k < n && opts.interrupt && (await opts.interrupt())) {
						stop = true;
						break;
					}
				}
				mean = (await sum.data())[0] / k;
			} finally {
				sum.dispose();
			}
			done += k;
			const metric = { step: this.step, loss: mean };
			out.push(metric);
			opts.onMetrics?.(metric);
		}
		// the fused step keeps its parameters in its own state; `params` follows once per call, not per step
		if (this.fusedStep) {
			const p = this.fusedStep.params();
			this.params.assign(p);
			p.dispose();
		}
		return out;
	}

	/** Current parameters as a Float32Array (async readback). */
	async snapshot(): Promise<Float32Array> {
		return (await this.params.data()) as Float32Array;
	}

	dispose() {
		tf.dispose([this.params, this.m, this.v]);
		this.fusedStep?.dispose();
	}
}

/** Test accuracy of a flat parameter vector (intact order). */
export async function testAccuracy(cfg: NetConfig, flat: tf.Tensor1D, x: tf.Tensor2D, labels: tf.Tensor1D) {
	const correct = tf.tidy(() => {
		const logits = forward(unpack(flat, cfg), x);
		return tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32'));
	});
	const v = (await correct.data())[0];
	correct.dispose();
	return v / x.shape[0];
}
