// The Adam update (src/lib/ml/adam.ts): the wasm backend's fused SIMD loop (src/lib/ml/wasm-adam.ts)
// gives the same bits as the op-by-op update, on wasm and on cpu, for one row split into parts of odd
// lengths (the loop's scalar tail) and for K rows with their own learning rates; and a whole Trainer
// run is bit-identical with and without it, so the shipped results do not depend on which one ran.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { smallMnist, useCpu } from './setup';
import { adamLr, adamUpdate, adamUpdateOps, type AdamState } from '../../src/lib/ml/adam';
import { installWasmKernelFixes } from '../../src/lib/ml/wasm-kernels';
import { WASM_ADAM_KERNEL, wasmAdamAvailable } from '../../src/lib/ml/wasm-adam';
import { Trainer, TrainingData } from '../../src/lib/ml/trainer';
import { makeRng, normalArray } from '../../src/lib/ml/rng';

type Case = { shape: number[]; parts: number[]; rowLr: number[] };
const CASES: Case[] = [
	{ shape: [1003], parts: [501, 7, 1, 494], rowLr: [3e-3] },
	{ shape: [3, 210], parts: [630], rowLr: [1e-3, 3.3e-2, 7e-4].map((x) => Math.fround(x * Math.fround(adamLr(1, 2)))) },
	{ shape: [4, 5], parts: [20], rowLr: [1, 0.5, 0.25, 0.125] }
];

/** Five updates of a seeded state by seeded gradients; the final params, m and v. */
function run(c: Case, update: typeof adamUpdate): Float32Array[] {
	const rng = makeRng(5, c.parts.length);
	const size = c.parts.reduce((a, b) => a + b, 0);
	const mk = (values: Float32Array) => {
		const t = tf.tensor(values, c.shape);
		const v = tf.variable(t, false);
		t.dispose();
		return v;
	};
	const s: AdamState = { params: mk(normalArray(size, 1, rng)), m: mk(new Float32Array(size)), v: mk(new Float32Array(size)) };
	for (let step = 0; step < 5; step++) {
		const grads = c.parts.map((n) => tf.tensor1d(normalArray(n, step === 2 ? 1e-6 : 0.3, rng)));
		update(s, grads, c.rowLr);
		tf.dispose(grads);
	}
	const out = [s.params, s.m, s.v].map((t) => t.dataSync() as Float32Array);
	tf.dispose([s.params, s.m, s.v]);
	return out;
}

describe('the fused wasm Adam update', () => {
	let cpu: Float32Array[][];
	beforeAll(async () => {
		await useCpu();
		cpu = CASES.map((c) => run(c, adamUpdateOps));
		await tf.setBackend('wasm');
		await tf.ready();
		installWasmKernelFixes();
	});
	afterAll(useCpu);

	it('runs here (Node has wasm SIMD)', () => {
		expect(wasmAdamAvailable()).toBe(true);
	});

	it('gives the same bits as the op-by-op update, on wasm and on cpu, and frees what it makes', () => {
		for (const [i, c] of CASES.entries()) {
			const before = tf.memory().numTensors;
			const fused = run(c, adamUpdate);
			expect(tf.memory().numTensors).toBe(before);
			const ops = run(c, adamUpdateOps);
			expect(fused).toEqual(ops);
			expect(fused).toEqual(cpu[i]);
		}
	});

	it('refuses gradient parts that do not add up to the parameters', () => {
		const p = tf.variable(tf.zeros([8]));
		const [m, v] = [tf.variable(tf.zeros([8])), tf.variable(tf.zeros([8]))];
		const g = tf.zeros([7]);
		expect(() => adamUpdate({ params: p, m, v }, [g], [0.1])).toThrow(/do not add up/);
		tf.dispose([p, m, v, g]);
	});

	it('trains a net to exactly the same weights as the op-by-op update', async () => {
		const data = new TrainingData(smallMnist(300, 10));
		const cfg = { width: 16, depth: 2, residual: true, seed: 3, learningRate: 3e-3, batchSize: 32, layerDrop: 0 };
		const train = async () => {
			const t = new Trainer(cfg, data);
			await t.train(40, { readEvery: 10 });
			const w = await t.snapshot();
			t.dispose();
			return w;
		};
		const fused = await train();
		const kernel = tf.getKernel(WASM_ADAM_KERNEL, 'wasm')!;
		tf.unregisterKernel(WASM_ADAM_KERNEL, 'wasm');
		try {
			expect(wasmAdamAvailable()).toBe(false);
			const ops = await train();
			expect(fused).toEqual(ops);
		} finally {
			tf.registerKernel(kernel);
			data.dispose();
		}
	});
});
