// The wasm Slice kernel replacement (src/lib/ml/wasm-slice.ts): same values as before, and a contiguous
// slice no longer copies its whole input out of the heap.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { useCpu } from './setup';
import { installWasmSliceFix } from '../../src/lib/ml/wasm-slice';

const values = Float32Array.from({ length: 6 * 7 * 5 }, (_, i) => Math.sin(i) * 100);
const cases: { shape: number[]; begin: number[]; size: number[] }[] = [
	{ shape: [210], begin: [17], size: [40] },
	{ shape: [6, 35], begin: [2, 0], size: [3, 35] },
	{ shape: [6, 35], begin: [1, 4], size: [2, 9] }, // not contiguous: the original kernel
	{ shape: [6, 7, 5], begin: [1, 2, 0], size: [1, 3, 5] },
	{ shape: [6, 7, 5], begin: [0, 1, 1], size: [6, 2, 3] }
];
const slices = () => cases.map((c) => tf.tidy(() => Array.from(tf.slice(tf.tensor(values, c.shape), c.begin, c.size).dataSync())));

describe('wasm Slice without a copy of the input', () => {
	let reference: number[][];
	beforeAll(async () => {
		await useCpu();
		reference = slices();
		await tf.setBackend('wasm');
		await tf.ready();
	});
	afterAll(useCpu);

	it('gives the same values as the cpu backend, before and after the fix', () => {
		expect(slices()).toEqual(reference);
		installWasmSliceFix();
		installWasmSliceFix(); // idempotent
		expect(slices()).toEqual(reference);
	});

	it('reads nothing back for a contiguous slice of a large tensor', () => {
		installWasmSliceFix();
		const big = tf.zeros([200_000]);
		const backend = tf.backend() as unknown as { readSync: (...a: unknown[]) => unknown };
		const spy = vi.spyOn(backend, 'readSync');
		const s = tf.slice(big, [1000], [10]);
		expect(spy).not.toHaveBeenCalled();
		spy.mockRestore();
		expect(Array.from(s.dataSync())).toEqual(new Array(10).fill(0));
		tf.dispose([big, s]);
	});
});
