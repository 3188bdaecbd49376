// The wasm GatherV2 replacement (src/lib/ml/wasm-gather.ts): row copies for axis-0 gathers, the same values
// as the cpu backend, the original kernel for everything else, and the same out-of-range error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { useCpu } from './setup';
import { installWasmGatherFix } from '../../src/lib/ml/wasm-gather';

const values = Float32Array.from({ length: 6 * 7 * 5 }, (_, i) => Math.sin(i) * 100);
const cases: { shape: number[]; dtype: 'float32' | 'int32'; indices: number[]; indexShape?: number[]; axis?: number }[] = [
	{ shape: [210], dtype: 'float32', indices: [3, 0, 209, 3] },
	{ shape: [6, 35], dtype: 'float32', indices: [5, 1, 1, 0] },
	{ shape: [6, 35], dtype: 'int32', indices: [2, 4] },
	{ shape: [6, 7, 5], dtype: 'float32', indices: [1, 5, 0, 2], indexShape: [2, 2] },
	{ shape: [6, 7, 5], dtype: 'float32', indices: [6, 0, 3], axis: 1 } // not axis 0: the original kernel
];
const gathers = () =>
	cases.map((c) =>
		tf.tidy(() => {
			const x = tf.tensor(c.dtype === 'int32' ? Int32Array.from(values, Math.round) : values, c.shape, c.dtype);
			const idx = tf.tensor(c.indices, c.indexShape ?? [c.indices.length], 'int32');
			const out = tf.gather(x, idx, c.axis ?? 0);
			return { shape: out.shape, values: Array.from(out.dataSync()) };
		})
	);

describe('wasm GatherV2 by row copies', () => {
	let reference: ReturnType<typeof gathers>;
	beforeAll(async () => {
		await useCpu();
		reference = gathers();
		await tf.setBackend('wasm');
		await tf.ready();
	});
	afterAll(useCpu);

	it('gives the same values and shapes as the cpu backend, before and after the fix', () => {
		expect(gathers()).toEqual(reference);
		installWasmGatherFix();
		installWasmGatherFix(); // idempotent
		expect(gathers()).toEqual(reference);
	});

	it('rejects an index out of range, as the original kernel', () => {
		installWasmGatherFix();
		const x = tf.zeros([4, 3]);
		const idx = tf.tensor1d([1, 4], 'int32');
		expect(() => tf.gather(x, idx)).toThrow(/not in \[0, 3\]/);
		tf.dispose([x, idx]);
	});

	it('gathers a batch of rows from a large tensor without leaking', () => {
		installWasmGatherFix();
		const big = tf.tidy(() => tf.reshape(tf.range(0, 8000 * 784, 1, 'float32'), [8000, 784]));
		const idx = tf.tensor1d([7999, 0, 4321], 'int32');
		const n0 = tf.memory().numTensors;
		const got = tf.gather(big, idx);
		const v = got.dataSync();
		expect(v[0]).toBe(7999 * 784);
		expect(v[784]).toBe(0);
		expect(v[2 * 784 + 783]).toBe(4321 * 784 + 783);
		got.dispose();
		expect(tf.memory().numTensors).toBe(n0);
		tf.dispose([big, idx]);
	});
});
