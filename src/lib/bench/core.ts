// Benchmark measurements shared by the Node bench (scripts/bench-node.ts) and the in-browser bench page
// (/bench). Everything runs on whatever tfjs backend is current; the caller sets it up.
//
// Training step: 784-128-128-10 MLP, batch 64, Adam 1e-3, softmax cross-entropy.
//   ours   = src/lib/ml/trainer.ts (hand-written backprop, Adam on one flat variable), depth 1 plain net:
//            embed 784→128 relu, one plain block 128→128 relu, head 128→10.
//   layers = tf.sequential dense(128,relu) → dense(128,relu) → dense(10,softmax),
//            categoricalCrossentropy, tf.train.adam(1e-3), `model.trainOnBatch` (returns the loss as a
//            number, so it reads the loss back EVERY step).
// Both draw their batch the same way: a random index vector gathered from the training set already on the
// backend. Ours is timed twice: reading the loss back every 25 steps (what the site does) and every step
// (same readback cadence as trainOnBatch). The three variants are interleaved within each repeat so that
// machine-load drift hits all of them alike.
import * as tf from '@tensorflow/tfjs-core';
import type { Mnist } from '../ml/data';
import { IMAGE_SIZE, NUM_CLASSES } from '../ml/data';
import { Trainer, TrainingData } from '../ml/trainer';
import { LoadedNet, TestSet } from '../ml/surgery';
import { decodeCheckpoint } from '../ml/checkpoint';
import { wasmAdamAvailable } from '../ml/wasm-adam';

/** The slice of the layers API we use; satisfied by `@tensorflow/tfjs` and by `@tensorflow/tfjs-layers`. */
export type LayersApi = {
	sequential: (config?: any) => any; // eslint-disable-line @typescript-eslint/no-explicit-any
	layers: { dense: (args: any) => any }; // eslint-disable-line @typescript-eslint/no-explicit-any
};

export type StepOptions = {
	/** steps per timed repeat */
	steps: number;
	/** timed repeats (median is reported) */
	repeats: number;
	/** untimed warm-up steps per variant (shader compilation, wasm JIT, allocator) */
	warmup: number;
	batchSize?: number;
	onProgress?: (msg: string) => void;
};

export type Variant = 'layers' | 'ours25' | 'ours1';
export const VARIANT_LABEL: Record<Variant, string> = {
	layers: 'layers trainOnBatch (loss read every step)',
	ours25: 'ours Trainer (loss read every 25 steps)',
	ours1: 'ours Trainer (loss read every step)'
};

export type StepResult = {
	backend: string;
	steps: number;
	repeats: number;
	warmup: number;
	batchSize: number;
	/** median ms/step over repeats, per variant */
	median: Record<Variant, number>;
	/** every repeat's ms/step */
	samples: Record<Variant, number[]>;
	/** final loss of each variant, as a sanity check that it trains */
	lastLoss: Record<Variant, number>;
	/** layers ms / ours ms (>1 = ours faster) */
	ratioLayersOverOurs25: number;
	ratioLayersOverOurs1: number;
	numTensorsBefore: number;
	numTensorsAfter: number;
	/** wasm: our Adam update ran as the fused SIMD loop (src/lib/ml/wasm-adam.ts), not as 12 ops */
	fusedAdam?: boolean;
};

export type SwapResult = {
	backend: string;
	testDigits: number;
	depth: number;
	repeats: number;
	/** untimed runs before the timed ones (0 = the timed run includes first-use costs, e.g. shader compiles) */
	warmup: number;
	/** median ms for building the net (cached intact stream) + swapMatrix() — what a page pays */
	medianTotalMs: number;
	/** median ms for swapMatrix() alone on an already-loaded net */
	medianMatrixMs: number;
	samplesTotal: number[];
	samplesMatrix: number[];
	intactAccuracy: number;
	numTensorsBefore: number;
	numTensorsAfter: number;
};

export function median(xs: number[]): number {
	const s = [...xs].sort((a, b) => a - b);
	const m = s.length >> 1;
	return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const now = () => performance.now();
const yieldToEventLoop = () => new Promise<void>((r) => setTimeout(r, 0));

/** A layers-API model equal to our depth-1 plain net, plus a batch sampler matching the Trainer's. */
class LayersRig {
	private readonly model: any; // eslint-disable-line @typescript-eslint/no-explicit-any
	private readonly optimizer: tf.Optimizer;
	private readonly rand: () => number;
	lastLoss = NaN;
	constructor(
		tfl: LayersApi,
		private readonly data: TrainingData,
		private readonly batchSize: number
	) {
		this.model = tfl.sequential({
			layers: [
				tfl.layers.dense({ inputShape: [IMAGE_SIZE], units: 128, activation: 'relu' }),
				tfl.layers.dense({ units: 128, activation: 'relu' }),
				tfl.layers.dense({ units: NUM_CLASSES, activation: 'softmax' })
			]
		});
		this.optimizer = tf.train.adam(1e-3);
		this.model.compile({ optimizer: this.optimizer, loss: 'categoricalCrossentropy' });
		let s = 12345;
		this.rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
	}
	async step(): Promise<void> {
		const idx = new Int32Array(this.batchSize);
		for (let k = 0; k < idx.length; k++) idx[k] = Math.floor(this.rand() * this.data.n);
		const [x, y] = tf.tidy(() => {
			const idxT = tf.tensor1d(idx, 'int32');
			return [tf.gather(this.data.x, idxT), tf.cast(tf.oneHot(tf.gather(this.data.y, idxT), NUM_CLASSES), 'float32')];
		});
		const loss = await this.model.trainOnBatch(x, y);
		tf.dispose([x, y]);
		this.lastLoss = Array.isArray(loss) ? loss[0] : loss;
	}
	dispose() {
		this.model.dispose();
		this.optimizer.dispose();
	}
}

/** Median ms per training step: ours (two readback cadences) vs the layers API, on the current backend. */
export async function benchTrainingStep(tfl: LayersApi, mnist: Mnist, opts: StepOptions): Promise<StepResult> {
	const batchSize = opts.batchSize ?? 64;
	const log = opts.onProgress ?? (() => {});
	const numTensorsBefore = tf.memory().numTensors;
	const data = new TrainingData(mnist);
	const cfg = { depth: 1, width: 128, residual: false, seed: 1, learningRate: 1e-3, batchSize, layerDrop: 0 };
	const ours = new Trainer(cfg, data);
	const layers = new LayersRig(tfl, data, batchSize);
	const lastLoss: Record<Variant, number> = { layers: NaN, ours25: NaN, ours1: NaN };
	const samples: Record<Variant, number[]> = { layers: [], ours25: [], ours1: [] };
	try {
		const run: Record<Variant, (n: number) => Promise<void>> = {
			layers: async (n) => {
				for (let i = 0; i < n; i++) await layers.step();
				lastLoss.layers = layers.lastLoss;
			},
			ours25: async (n) => {
				const m = await ours.train(n, { readEvery: 25 });
				lastLoss.ours25 = m[m.length - 1].loss;
			},
			ours1: async (n) => {
				const m = await ours.train(n, { readEvery: 1 });
				lastLoss.ours1 = m[m.length - 1].loss;
			}
		};
		const variants: Variant[] = ['layers', 'ours25', 'ours1'];
		log(`warm-up (${opts.warmup} steps each)`);
		for (const v of variants) await run[v](opts.warmup);
		for (let r = 0; r < opts.repeats; r++) {
			// rotate the order each repeat so no variant always runs first after a pause
			const order = variants.map((_, i) => variants[(i + r) % variants.length]);
			for (const v of order) {
				await yieldToEventLoop();
				const t0 = now();
				await run[v](opts.steps);
				samples[v].push((now() - t0) / opts.steps);
			}
			log(`repeat ${r + 1}/${opts.repeats}: ` + variants.map((v) => `${v} ${samples[v][r].toFixed(1)} ms`).join(', '));
		}
	} finally {
		layers.dispose();
		ours.dispose();
		data.dispose();
	}
	const med = { layers: median(samples.layers), ours25: median(samples.ours25), ours1: median(samples.ours1) };
	return {
		backend: tf.getBackend(),
		steps: opts.steps,
		repeats: opts.repeats,
		warmup: opts.warmup,
		batchSize,
		median: med,
		samples,
		lastLoss,
		ratioLayersOverOurs25: med.layers / med.ours25,
		ratioLayersOverOurs1: med.layers / med.ours1,
		numTensorsBefore,
		numTensorsAfter: tf.memory().numTensors,
		...(tf.getBackend() === 'wasm' ? { fusedAdam: wasmAdamAvailable() } : {})
	};
}

/**
 * Swap matrix of a trained net on `testDigits` test digits. One warm-up, then `repeats` timed runs of
 * (build LoadedNet + swapMatrix())
 * after `warmup` untimed runs (default 1), and separately of swapMatrix() alone on a loaded net.
 */
export async function benchSwapMatrix(
	checkpointBytes: Uint8Array,
	mnist: Mnist,
	opts: { testDigits: number; repeats: number; warmup?: number; onProgress?: (msg: string) => void }
): Promise<SwapResult> {
	const log = opts.onProgress ?? (() => {});
	const numTensorsBefore = tf.memory().numTensors;
	const { header, params } = decodeCheckpoint(checkpointBytes);
	const test = new TestSet(mnist, opts.testDigits);
	const samplesTotal: number[] = [];
	const samplesMatrix: number[] = [];
	let intactAccuracy = NaN;
	try {
		const warmup = opts.warmup ?? 1;
		for (let r = -warmup; r < opts.repeats; r++) {
			await yieldToEventLoop();
			const t0 = now();
			const net = new LoadedNet(header.config, params, test);
			const t1 = now();
			const m = await net.swapMatrix();
			const t2 = now();
			net.dispose();
			intactAccuracy = m[0][0];
			if (r >= 0) {
				samplesTotal.push(t2 - t0);
				samplesMatrix.push(t2 - t1);
				log(`swap matrix ${r + 1}/${opts.repeats}: ${(t2 - t0).toFixed(0)} ms (matrix alone ${(t2 - t1).toFixed(0)} ms)`);
			}
		}
	} finally {
		test.dispose();
	}
	return {
		backend: tf.getBackend(),
		testDigits: test.n,
		depth: header.config.depth,
		repeats: opts.repeats,
		warmup: opts.warmup ?? 1,
		medianTotalMs: median(samplesTotal),
		medianMatrixMs: median(samplesMatrix),
		samplesTotal,
		samplesMatrix,
		intactAccuracy,
		numTensorsBefore,
		numTensorsAfter: tf.memory().numTensors
	};
}
