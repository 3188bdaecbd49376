// The first n test digits as tensors on the current backend (pixels scaled to [0, 1], labels as int32),
// with their raw bytes for pictures. Every experiment evaluates on one; dispose when done.
import * as tf from '@tensorflow/tfjs-core';
import { IMAGE_SIZE, type Mnist } from './data';

export class TestSet {
	readonly x: tf.Tensor2D;
	readonly labels: tf.Tensor1D;
	readonly n: number;
	readonly labelArray: Uint8Array;
	readonly pixels: Uint8Array;
	constructor(data: Mnist, limit = data.nTest) {
		this.n = Math.min(limit, data.nTest);
		this.pixels = data.testX.subarray(0, this.n * IMAGE_SIZE);
		this.labelArray = data.testY.subarray(0, this.n);
		this.x = tf.tidy(() => tf.div(tf.tensor2d(this.pixels, [this.n, IMAGE_SIZE], 'int32'), 255));
		this.labels = tf.tensor1d(Int32Array.from(this.labelArray), 'int32');
	}
	dispose() {
		tf.dispose([this.x, this.labels]);
	}
}
