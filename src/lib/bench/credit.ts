// ES-generation benchmark for the credit-assignment essay: one generation's population (2N candidates
// of the 784-h-10 MLP on one minibatch) evaluated batched (the first layer as one wide 2-D matMul)
// against a naive per-candidate loop, how close the batched generation comes to its FLOP count at the
// matMul speed measured on the same backend, and backprop steps per second. Node or page.
import * as tf from '@tensorflow/tfjs-core';
import type { Mnist } from '../ml/data';
import { IMAGE_SIZE } from '../ml/data';
import { Trainer, TrainingData } from '../ml/trainer';
import { initParams } from '../ml/model';
import { defaultEvalMode, type EvalMode, mlpConfig, mlpMacs, mlpParamCount, pairNoise, populationLosses, populationLossesLoop } from '../ml/es';
import { median } from './core';

export type EsGenerationResult = {
	backend: string;
	width: number;
	pairs: number;
	batch: number;
	repeats: number;
	/** median ms to evaluate the 2N candidates, batched (noise already on the backend) */
	batchedMs: number;
	/** median ms of the naive loop (one forward pass per candidate), timed alternately with the batched path */
	loopMs: number;
	/** the path the site takes on this backend (es.ts defaultEvalMode) */
	siteMode: EvalMode;
	ratio: number;
	/** max |batched − loop| over the candidates' losses */
	maxLossDiff: number;
	/** FLOPs of the generation's forward passes (2 per multiply-add) */
	flops: number;
	/** the same backend's speed on one [B,784]×[784,2N·h] matMul, GFLOP/s */
	matmulGflops: number;
	/** time the FLOPs would take at that speed ÷ the batched time (1 = as fast as the bare matMul) */
	flopEfficiency: number;
	/** backprop (Adam) steps per second on the same net, batch 128, loss read every 25 steps */
	sgdStepsPerSec: number;
	numTensorsBefore: number;
	numTensorsAfter: number;
};

async function timed(fn: () => tf.Tensor): Promise<number> {
	const t0 = performance.now();
	const t = fn();
	await t.data();
	const ms = performance.now() - t0;
	t.dispose();
	return ms;
}

export async function benchEsGeneration(
	mnist: Mnist,
	opts: { width: number; pairs: number; batch: number; repeats: number; sgdSteps: number; onProgress?: (m: string) => void }
): Promise<EsGenerationResult> {
	const log = opts.onProgress ?? (() => {});
	const numTensorsBefore = tf.memory().numTensors;
	const { width, pairs, batch } = opts;
	const d = mlpParamCount(width);
	const C = 2 * pairs;
	const train = new TrainingData(mnist);
	const x = tf.slice(train.x, [0, 0], [batch, IMAGE_SIZE]) as tf.Tensor2D;
	const y = tf.slice(train.yOneHot, [0, 0], [batch, 10]) as tf.Tensor2D;
	const theta = tf.tensor1d(initParams(mlpConfig(width), 1));
	const noise = new Float32Array(pairs * d);
	for (let i = 0; i < pairs; i++) noise.set(pairNoise(1, 0, i, d), i * d);
	const thetas = tf.tidy(() => {
		const e = tf.mul(tf.tensor2d(noise, [pairs, d]), 0.03);
		return tf.concat([tf.add(theta, e), tf.sub(theta, e)]) as tf.Tensor2D;
	});
	let result: EsGenerationResult;
	try {
		// warm-up, then the two paths alternately, so a busy machine slows both alike
		await timed(() => populationLosses(width, thetas, x, y));
		await timed(() => populationLossesLoop(width, thetas, x, y));
		const samples: number[] = [];
		const loopSamples: number[] = [];
		for (let r = 0; r < opts.repeats; r++) {
			samples.push(await timed(() => populationLosses(width, thetas, x, y)));
			loopSamples.push(await timed(() => populationLossesLoop(width, thetas, x, y)));
			log(`ES generation N=${pairs} h=${width}, ${r + 1}/${opts.repeats}: batched ${samples.at(-1)!.toFixed(1)} ms, loop over ${C} candidates ${loopSamples.at(-1)!.toFixed(1)} ms`);
		}
		const batchedMs = median(samples);
		const loopMs = median(loopSamples);
		const [a, b] = [populationLosses(width, thetas, x, y), populationLossesLoop(width, thetas, x, y)];
		const [va, vb] = [await a.data(), await b.data()];
		tf.dispose([a, b]);
		let maxLossDiff = 0;
		for (let i = 0; i < C; i++) maxLossDiff = Math.max(maxLossDiff, Math.abs(va[i] - vb[i]));
		// the machine's matMul speed at the generation's main shape
		const W = tf.randomNormal([IMAGE_SIZE, C * width]) as tf.Tensor2D;
		await timed(() => tf.matMul(x, W));
		const mm: number[] = [];
		for (let r = 0; r < opts.repeats; r++) mm.push(await timed(() => tf.matMul(x, W)));
		W.dispose();
		const matmulGflops = (2 * batch * IMAGE_SIZE * C * width) / (median(mm) * 1e6);
		const flops = 2 * batch * mlpMacs(width) * C;
		const flopEfficiency = flops / (matmulGflops * 1e6) / batchedMs;
		log(`matMul ${batch}×784×${C * width}: ${matmulGflops.toFixed(1)} GFLOP/s; generation at ${(flopEfficiency * 100).toFixed(0)} % of it`);
		// backprop steps per second on the same net
		const trainer = new Trainer({ ...mlpConfig(width), seed: 1, learningRate: 1e-2, batchSize: 128, layerDrop: 0 }, train);
		await trainer.train(5, { readEvery: 5 });
		const t0 = performance.now();
		await trainer.train(opts.sgdSteps, { readEvery: 25 });
		const sgdStepsPerSec = (opts.sgdSteps * 1000) / (performance.now() - t0);
		trainer.dispose();
		log(`backprop: ${sgdStepsPerSec.toFixed(0)} steps/s`);
		result = {
			backend: tf.getBackend(),
			width,
			pairs,
			batch,
			repeats: opts.repeats,
			batchedMs,
			loopMs,
			siteMode: defaultEvalMode(),
			ratio: loopMs / batchedMs,
			maxLossDiff,
			flops,
			matmulGflops,
			flopEfficiency,
			sgdStepsPerSec,
			numTensorsBefore,
			numTensorsAfter: NaN
		};
	} finally {
		tf.dispose([x, y, theta, thetas]);
		train.dispose();
	}
	result.numTensorsAfter = tf.memory().numTensors;
	return result;
}
