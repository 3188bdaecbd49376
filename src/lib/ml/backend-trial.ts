// The workload trial the worker's backend choice runs on webgpu and on wasm (src/lib/ml/backend.ts
// `trial`): a few steps of the default training step (784-128-128-10, batch 64, Adam) on random
// digits, after a warm-up (shader compiles, wasm tier-up). Every live widget trains nets of this kind.
import type { Mnist } from './data';
import { IMAGE_SIZE } from './data';
import { Trainer, TrainingData } from './trainer';

function randomDigits(n: number): Mnist {
	let s = 1;
	const next = () => (s = (s * 1103515245 + 12345) >>> 0);
	const x = Uint8Array.from({ length: n * IMAGE_SIZE }, () => next() >>> 24);
	const y = Uint8Array.from({ length: n }, () => next() % 10);
	return { nTrain: n, nTest: 0, trainX: x, trainY: y, testX: new Uint8Array(0), testY: new Uint8Array(0) };
}

/** Milliseconds per step of the default training step on the current backend (median of 3 groups of `steps`). */
export async function trialStepMs(steps = 8): Promise<number> {
	const data = new TrainingData(randomDigits(256));
	const t = new Trainer({ depth: 1, width: 128, residual: false, seed: 1, learningRate: 1e-3, batchSize: 64, layerDrop: 0 }, data);
	try {
		await t.train(3, { readEvery: 3 });
		const ms: number[] = [];
		for (let r = 0; r < 3; r++) {
			const t0 = performance.now();
			await t.train(steps, { readEvery: steps });
			ms.push((performance.now() - t0) / steps);
		}
		return ms.sort((a, b) => a - b)[1];
	} finally {
		t.dispose();
		data.dispose();
	}
}
