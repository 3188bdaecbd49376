// Shared setup for the Node unit tests: the tfjs cpu backend (deterministic) and the real MNIST asset.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { Mnist } from '../../src/lib/ml/data';
import { readMnist } from '../../scripts/mnist-file';

// tfjs prints a suggestion to install tfjs-node once; it cannot be installed here, so silence it.
tf.env().set('IS_TEST', true);

export async function useCpu() {
	await tf.setBackend('cpu');
	await tf.ready();
}

let cached: Mnist | null = null;
export function mnist(): Mnist {
	cached ??= readMnist();
	return cached;
}

/** The first n train and test digits, as a smaller data set for fast tests. */
export function smallMnist(nTrain: number, nTest: number): Mnist {
	const d = mnist();
	return {
		nTrain,
		nTest,
		trainX: d.trainX.subarray(0, nTrain * 784),
		trainY: d.trainY.subarray(0, nTrain),
		testX: d.testX.subarray(0, nTest * 784),
		testY: d.testY.subarray(0, nTest)
	};
}
