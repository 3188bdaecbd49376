// λ-grid benchmark for the task-vector essay: all GRID_LAMBDAS² merged models on FIGURE_DIGITS test digits
// per domain, evaluated batched (MergeEvaluator: shared layer-1 projections, 'split' and 'wide' layer 2)
// against a naive loop that builds every model's parameters and runs a full forward pass. Node or page.
import * as tf from '@tensorflow/tfjs-core';
import type { Mnist } from '../ml/data';
import { decodeCheckpoint } from '../ml/checkpoint';
import { taskSplit } from '../ml/domains';
import { MergeEvaluator, TV_NET, naiveAccuracies } from '../ml/task-vectors';
import { FIGURE_DIGITS, GRID_LAMBDAS, HOLDOUT, domainEvalSet, gridCoeffs, vectorsFor } from '../ml/experiments/task-vectors';
import { median } from './core';

export type LambdaGridResult = {
	backend: string;
	models: number;
	digits: number;
	repeats: number;
	/** batched, layer 2 model by model ('split'): median ms over repeats */
	batchedMs: number;
	/** batched, layer 2 stacked along rows × [W0 | τA | τB] ('wide'): one run */
	wideMs: number;
	/** naive loop: one run */
	naiveMs: number;
	ratio: number;
	/** batched and naive accuracies identical */
	equal: boolean;
	numTensorsBefore: number;
	numTensorsAfter: number;
};

/** `ckpt(name)` returns the bytes of static/checkpoints/task-vectors/<name>.nrsc. */
export async function benchLambdaGrid(
	ckpt: (name: string) => Promise<Uint8Array>,
	mnist: Mnist,
	opts: { repeats: number; onProgress?: (msg: string) => void }
): Promise<LambdaGridResult> {
	const log = opts.onProgress ?? (() => {});
	const numTensorsBefore = tf.memory().numTensors;
	const [base, a, b, g] = await Promise.all(['base', 'ft-rot90', 'ft-inverted', 'generic'].map(async (n) => decodeCheckpoint(await ckpt(n)).params));
	const v = vectorsFor(base, a, b, g, 1);
	const set = domainEvalSet(taskSplit(mnist, HOLDOUT).test, FIGURE_DIGITS);
	const coeffs = gridCoeffs(GRID_LAMBDAS);
	const ev = new MergeEvaluator(TV_NET, base, [v.tauA, v.tauB, v.random], set, 'split');
	const samples: number[] = [];
	let batched: number[][] = [];
	let result: LambdaGridResult;
	try {
		await ev.accuracies(coeffs.slice(0, 2)); // warm-up
		for (let r = 0; r < opts.repeats; r++) {
			const t0 = performance.now();
			batched = (await ev.accuracies(coeffs)).acc;
			samples.push(performance.now() - t0);
			log(`λ-grid batched ${r + 1}/${opts.repeats}: ${samples.at(-1)!.toFixed(0)} ms`);
		}
		ev.mode = 'wide';
		let t0 = performance.now();
		await ev.accuracies(coeffs);
		const wideMs = performance.now() - t0;
		log(`λ-grid batched, wide layer 2: ${wideMs.toFixed(0)} ms`);
		t0 = performance.now();
		const naive = await naiveAccuracies(TV_NET, base, [v.tauA, v.tauB, v.random], coeffs, set);
		const naiveMs = performance.now() - t0;
		log(`λ-grid naive loop: ${naiveMs.toFixed(0)} ms`);
		const batchedMs = median(samples);
		result = {
			backend: tf.getBackend(),
			models: coeffs.length,
			digits: set.n,
			repeats: opts.repeats,
			batchedMs,
			wideMs,
			naiveMs,
			ratio: naiveMs / batchedMs,
			equal: JSON.stringify(naive) === JSON.stringify(batched),
			numTensorsBefore,
			numTensorsAfter: NaN
		};
	} finally {
		ev.dispose();
	}
	result.numTensorsAfter = tf.memory().numTensors;
	return result;
}
