// The fused WebGPU training step (src/lib/ml/webgpu-fused.ts) against finite differences and against the
// generic step on cpu. It needs a WebGPU adapter in Node: Dawn's bindings (devDependency `webgpu`) over a
// Vulkan driver (Mesa's lavapipe will do; README, "GPU bench"). Without one the suite is skipped, saying why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { smallMnist, useCpu } from './setup';
import { Trainer, TrainingData, type TrainConfig } from '../../src/lib/ml/trainer';
import { initParams, lossAndGrads, paramCount, unpack } from '../../src/lib/ml/model';
import { FusedPlainStep, fusedSupported } from '../../src/lib/ml/webgpu-fused';
import { selectBackend } from '../../src/lib/ml/backend';
import '@tensorflow/tfjs-backend-wasm';

let dispatches = 0;
async function dawn(): Promise<string | null> {
	try {
		const { create, globals } = (await import('webgpu')) as unknown as {
			create(o: string[]): { requestAdapter(): Promise<unknown> };
			globals: Record<string, { prototype: Record<string, (...a: unknown[]) => unknown> }>;
		};
		const gpu = create([]);
		if (!(await gpu.requestAdapter())) return 'Dawn found no Vulkan adapter (install mesa-vulkan-drivers from bookworm-backports)';
		Object.assign(globalThis, globals);
		Object.defineProperty(globalThis, 'navigator', { value: { gpu }, writable: true, configurable: true });
		const proto = globals.GPUComputePassEncoder.prototype;
		const dispatch = proto.dispatchWorkgroups;
		proto.dispatchWorkgroups = function (this: unknown, ...a: unknown[]) {
			dispatches++;
			return dispatch.apply(this, a);
		};
		return null;
	} catch (e) {
		return `Dawn's Node bindings did not load (${(e as Error).message})`;
	}
}
const skipReason = await dawn();
if (skipReason) console.warn(`webgpu-fused tests skipped: ${skipReason}`);

const DATA = smallMnist(512, 10);
const cfgOf = (depth: number, width: number, batchSize: number): TrainConfig => ({ depth, width, residual: false, seed: 3, learningRate: 1e-2, batchSize, layerDrop: 0 });

async function onWebGpu() {
	const c = await selectBackend('webgpu', {}, ['wasm', 'webgl', 'cpu']);
	if (tf.getBackend() !== 'webgpu') throw new Error(c.reason);
}

/** Parameters and losses after `steps` Trainer steps on the current backend. */
async function run(cfg: TrainConfig, steps: number) {
	const data = new TrainingData(DATA);
	const t = new Trainer(cfg, data);
	const losses = (await t.train(steps, { readEvery: 5 })).map((m) => m.loss);
	const params = await t.snapshot();
	const fused = t.fused;
	t.dispose();
	data.dispose();
	return { params, losses, fused };
}

describe.skipIf(skipReason !== null)('fused WebGPU training step', () => {
	beforeAll(onWebGpu);
	afterAll(useCpu);

	it('is taken on webgpu for plain nets only', async () => {
		await onWebGpu();
		expect(fusedSupported(cfgOf(1, 8, 4))).toBe(true);
		expect(fusedSupported({ ...cfgOf(1, 8, 4), residual: true })).toBe(false);
		expect(fusedSupported({ ...cfgOf(1, 8, 4), layerDrop: 0.2 })).toBe(false);
		expect(fusedSupported({ ...cfgOf(1, 8, 4), twoMatrix: true })).toBe(false);
	});

	for (const depth of [0, 2]) {
		it(`its gradient and loss match the hand-written backprop and finite differences (depth ${depth})`, async () => {
			await onWebGpu();
			const cfg = cfgOf(depth, 6, 5);
			const P = paramCount(cfg);
			const init = initParams(cfg, 5);
			const data = new TrainingData(DATA);
			const rows = [3, 17, 40, 41, 99];
			const idx = tf.tensor1d(rows, 'int32');
			const fusedAt = async (p: Float32Array) => {
				const f = new FusedPlainStep(cfg, rows.length, p);
				f.gradients(data.x, data.yOneHot, idx, 0, true);
				const [l, g] = [f.lossSum(), f.gradient()];
				const out = { loss: (await l.data())[0], grad: (await g.data()) as Float32Array };
				tf.dispose([l, g]);
				f.dispose();
				return out;
			};
			const got = await fusedAt(init);
			// the reference: the generic step's backprop on cpu, same rows (its own copy of the data: tfjs cannot
			// move webgpu data to cpu synchronously in Node)
			await useCpu();
			const cpuData = new TrainingData(DATA);
			const ref = tf.tidy(() => {
				const rowsT = tf.tensor1d(rows, 'int32');
				const x = tf.gather(cpuData.x, rowsT) as tf.Tensor2D;
				const y = tf.gather(cpuData.yOneHot, rowsT) as tf.Tensor2D;
				const { loss, grads } = lossAndGrads(unpack(tf.tensor1d(init), cfg), x, y);
				return { loss: loss.dataSync()[0], grad: tf.concat(grads.map((t) => tf.reshape(t, [-1]))).dataSync() as Float32Array };
			});
			cpuData.dispose();
			await onWebGpu();
			expect(got.grad.length).toBe(P);
			expect(got.loss).toBeCloseTo(ref.loss, 4);
			let worst = 0;
			for (let i = 0; i < P; i++) worst = Math.max(worst, Math.abs(got.grad[i] - ref.grad[i]));
			expect(worst).toBeLessThan(1e-4);
			// central differences of the fused loss on coordinates spread over every layer
			const h = 1e-2;
			for (let i = 7; i < P; i += Math.floor(P / 11)) {
				const [plus, minus] = [init.slice(), init.slice()];
				plus[i] += h;
				minus[i] -= h;
				const fd = ((await fusedAt(plus)).loss - (await fusedAt(minus)).loss) / (2 * h);
				expect(Math.abs(fd - got.grad[i])).toBeLessThan(2e-3 + 2e-2 * Math.abs(fd));
			}
			idx.dispose();
			data.dispose();
		});
	}

	it('trains like the generic step on cpu: same losses and parameters', async () => {
		const cfg = cfgOf(1, 16, 8);
		await useCpu();
		const ref = await run(cfg, 20);
		await onWebGpu();
		const got = await run(cfg, 20);
		expect(ref.fused).toBe(false);
		expect(got.fused).toBe(true);
		for (let i = 0; i < ref.losses.length; i++) expect(got.losses[i]).toBeCloseTo(ref.losses[i], 4);
		let maxDiff = 0;
		for (let i = 0; i < ref.params.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ref.params[i] - got.params[i]));
		expect(maxDiff).toBeLessThan(1e-4);
	});

	it('runs 2·L + 1 dispatches per step and leaks nothing', async () => {
		await onWebGpu();
		const data = new TrainingData(DATA);
		const t = new Trainer(cfgOf(1, 16, 8), data);
		await t.train(5, { readEvery: 5 });
		const n0 = tf.memory().numTensors;
		const d0 = dispatches;
		await t.train(50, { readEvery: 50 });
		// 3 layers: 2 forward, head + loss, 3 backward, Adam = 7; plus, once per call, reading the loss
		// slot and copying the parameters out
		expect(dispatches - d0).toBeLessThanOrEqual(50 * 7 + 3);
		expect(dispatches - d0).toBeGreaterThanOrEqual(50 * 7);
		expect(tf.memory().numTensors).toBe(n0);
		t.dispose();
		data.dispose();
	});
});

describe.skipIf(skipReason !== null)('the chooser on a real GPU (adapter reported as hardware)', () => {
	afterAll(useCpu);
	for (const [gpuMs, wasmMs, want] of [
		[6, 5, 'wasm'],
		[0.6, 5, 'webgpu']
	] as const) {
		it(`times the trial on webgpu and wasm and keeps the faster (${want})`, async () => {
			await onWebGpu(); // tfjs's webgpu backend exists already; only the probe sees the stand-in adapter
			const nav = globalThis.navigator;
			Object.defineProperty(globalThis, 'navigator', {
				value: { gpu: { requestAdapter: async () => ({ info: { isFallbackAdapter: false, architecture: 'test-gpu' } }) } },
				configurable: true
			});
			const ran: string[] = [];
			try {
				const trial = async () => (ran.push(tf.getBackend()), tf.getBackend() === 'webgpu' ? gpuMs : wasmMs);
				const c = await selectBackend(null, { trial }, ['webgl', 'cpu']);
				expect(ran).toEqual(['webgpu', 'wasm']);
				expect(c.name).toBe(want);
				expect(tf.getBackend()).toBe(want);
				expect(c.reason).toContain(`measured ${want}`);
				expect(c.reason).toContain('test-gpu');
			} finally {
				Object.defineProperty(globalThis, 'navigator', { value: nav, configurable: true, writable: true });
			}
		});
	}
});

describe('fused WebGPU training step, off webgpu', () => {
	it('is not taken on cpu (the generic step runs)', async () => {
		await useCpu();
		expect(fusedSupported(cfgOf(1, 8, 4))).toBe(false);
	});
});
