// The fused WebGPU training step (src/lib/ml/webgpu-fused.ts) against finite differences and against the
// generic step on cpu. It needs a WebGPU adapter in Node: Dawn's bindings (devDependency `webgpu`) over a
// Vulkan driver (Mesa's lavapipe will do; README, "GPU bench"). Without one the suite is skipped, saying why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { smallMnist, useCpu } from './setup';
import { Trainer, TrainingData, type TrainConfig } from '../../src/lib/ml/trainer';
import { initParams, lossAndGrads, paramCount, unpack } from '../../src/lib/ml/model';
import { FusedStep, dispatchFor, fusedSupported, setFusedWebGpu } from '../../src/lib/ml/webgpu-fused';
import { BatchedTrainer, type BatchedShape, type NetSpec } from '../../src/lib/ml/batched';
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
type Kind = 'plain' | 'residual' | 'twoMatrix';
const cfgOf = (depth: number, width: number, batchSize: number, kind: Kind = 'plain'): TrainConfig => ({
	depth,
	width,
	residual: kind === 'residual',
	...(kind === 'twoMatrix' ? { twoMatrix: true } : {}),
	seed: 3,
	learningRate: 1e-2,
	batchSize,
	layerDrop: 0
});

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

	it('is taken on webgpu for plain, residual and two-matrix nets, not with layer drop', async () => {
		await onWebGpu();
		expect(fusedSupported(cfgOf(1, 8, 4))).toBe(true);
		expect(fusedSupported(cfgOf(1, 8, 4, 'residual'))).toBe(true);
		expect(fusedSupported(cfgOf(1, 8, 4, 'twoMatrix'))).toBe(true);
		expect(fusedSupported({ ...cfgOf(1, 8, 4), layerDrop: 0.2 })).toBe(false);
		expect(fusedSupported({ ...cfgOf(1, 8, 4, 'residual'), layerDrop: 0.2 })).toBe(false);
	});

	for (const [kind, depth] of [
		['plain', 0],
		['plain', 2],
		['residual', 1],
		['residual', 3],
		['twoMatrix', 2]
	] as const) {
		it(`its gradient and loss match the hand-written backprop and finite differences (${kind}, depth ${depth})`, async () => {
			await onWebGpu();
			const cfg = cfgOf(depth, 6, 5, kind);
			const P = paramCount(cfg);
			const init = initParams(cfg, 5);
			const data = new TrainingData(DATA);
			const rows = [3, 17, 40, 41, 99];
			const idx = tf.tensor1d(rows, 'int32');
			const fusedAt = async (p: Float32Array) => {
				const f = new FusedStep(cfg, rows.length, p);
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
			// central differences of the fused loss on coordinates spread over every layer; a coordinate whose
			// ±h step crosses a ReLU kink has no meaningful difference: two step sizes disagree, and it is skipped
			const fd = async (i: number, h: number) => {
				const [plus, minus] = [init.slice(), init.slice()];
				plus[i] += h;
				minus[i] -= h;
				return ((await fusedAt(plus)).loss - (await fusedAt(minus)).loss) / (2 * h);
			};
			let [checked, skipped] = [0, 0];
			for (let i = 7; i < P; i += Math.floor(P / 11)) {
				const numeric = await fd(i, 1e-2);
				const tol = 2e-3 + 2e-2 * Math.abs(numeric);
				if (Math.abs((await fd(i, 5e-3)) - numeric) > tol) {
					skipped++;
					continue;
				}
				expect(Math.abs(numeric - got.grad[i])).toBeLessThan(tol);
				checked++;
			}
			expect(checked).toBeGreaterThanOrEqual(3 * skipped);
			idx.dispose();
			data.dispose();
		});
	}

	for (const kind of ['plain', 'residual', 'twoMatrix'] as const) {
		it(`trains like the generic step on cpu: same losses and parameters over 20 steps (${kind})`, async () => {
			const cfg = cfgOf(kind === 'plain' ? 1 : 2, 16, 8, kind);
			await useCpu();
			const ref = await run(cfg, 20);
			await onWebGpu();
			const got = await run(cfg, 20);
			setFusedWebGpu(false);
			const generic = await run(cfg, 20).finally(() => setFusedWebGpu(true));
			expect(ref.fused).toBe(false);
			expect(got.fused).toBe(true);
			expect(generic.fused).toBe(false);
			for (let i = 0; i < ref.losses.length; i++) expect(got.losses[i]).toBeCloseTo(ref.losses[i], 4);
			const maxDiff = (a: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - ref.params[i])), 0);
			const [dFused, dGeneric] = [maxDiff(got.params), maxDiff(generic.params)];
			console.log(`${kind} vs cpu, 20 Adam steps: max |Δparam| fused ${dFused.toExponential(2)}, generic webgpu ${dGeneric.toExponential(2)}`);
			// float32 rounding only (measured: 5e-7 plain, 4e-7 residual, 6e-6 two-matrix). The kernels add the
			// bias after the sum and take 1 − β from the double, as tfjs does: with the bias first, a unit
			// sitting on its ReLU kink flipped and Adam turned that into whole-lr steps (6e-3 at depth 8)
			expect(dFused).toBeLessThan(1e-4);
		});
	}

	it('runs 2·L + 1 dispatches per step and leaks nothing (tensors, compiled pipelines)', async () => {
		await onWebGpu();
		const data = new TrainingData(DATA);
		const t = new Trainer(cfgOf(1, 16, 8), data);
		await t.train(5, { readEvery: 5 });
		const n0 = tf.memory().numTensors;
		const d0 = dispatches;
		// tfjs rewrites a program's shaderKey on every run: a reused program object must not compile anew
		const pipelines = () => Object.keys((tf.backend() as unknown as { pipelineCache: object }).pipelineCache).length;
		const p0 = pipelines();
		await t.train(50, { readEvery: 50 });
		expect(pipelines()).toBe(p0);
		// 3 layers: 2 forward, head + loss, 3 backward, Adam = 7; plus, once per call, reading the loss
		// slot and copying the parameters out
		expect(dispatches - d0).toBeLessThanOrEqual(50 * 7 + 3);
		expect(dispatches - d0).toBeGreaterThanOrEqual(50 * 7);
		expect(tf.memory().numTensors).toBe(n0);
		t.dispose();
		data.dispose();
	});

	it('runs 4·depth + 5 dispatches per step for a residual net (the generic step runs many more) and leaks nothing', async () => {
		await onWebGpu();
		const data = new TrainingData(DATA);
		const cfg = cfgOf(2, 16, 8, 'residual');
		const perStep = async () => {
			const t = new Trainer(cfg, data);
			try {
				await t.train(5, { readEvery: 5 });
				const n0 = tf.memory().numTensors;
				const d0 = dispatches;
				await t.train(50, { readEvery: 50 });
				expect(tf.memory().numTensors).toBe(n0);
				return { fused: t.fused, perStep: (dispatches - d0) / 50 };
			} finally {
				t.dispose();
			}
		};
		setFusedWebGpu(false);
		const generic = await perStep().finally(() => setFusedWebGpu(true));
		const fused = await perStep();
		console.log(`residual depth 2 dispatches per step: generic ${generic.perStep.toFixed(1)}, fused ${fused.perStep.toFixed(1)}`);
		expect(generic.fused).toBe(false);
		expect(fused.fused).toBe(true);
		// embed, 2 × (A, B), head = 6 units: 5 forward + head + 6 backward + Adam = 13, plus once per call
		// reading the loss slot and copying the parameters out
		expect(fused.perStep * 50).toBeGreaterThanOrEqual(50 * 13);
		expect(fused.perStep * 50).toBeLessThanOrEqual(50 * 13 + 3);
		expect(generic.perStep).toBeGreaterThan(3 * fused.perStep);
		data.dispose();
	});
});

describe.skipIf(skipReason !== null)('fused WebGPU step for K nets at once (the BatchedTrainer on webgpu)', () => {
	beforeAll(onWebGpu);
	afterAll(useCpu);
	// three nets that differ in everything a grid cell varies but the shape: seed, learning rate,
	// training-set size, init
	const SPECS: NetSpec[] = [
		{ seed: 1, learningRate: 1e-2, nTrain: 512 },
		{ seed: 2, learningRate: 3e-3, nTrain: 100 },
		{ seed: 3, learningRate: 3e-2, nTrain: 512, naiveStd: 0.05 }
	];

	/** Each net's parameters and mean losses after 2 × 10 steps of one BatchedTrainer on the current backend. */
	async function runBatched(shape: BatchedShape, specs: NetSpec[]) {
		const data = new TrainingData(DATA);
		const t = new BatchedTrainer(shape, specs, data);
		try {
			const losses = [(await t.train(10)).meanLoss, (await t.train(10)).meanLoss];
			const params = await Promise.all(specs.map((_, i) => t.snapshot(i)));
			return { losses, params, fused: t.fused, step: t.step };
		} finally {
			t.dispose();
			data.dispose();
		}
	}

	for (const residual of [false, true]) {
		it(`trains each net as the generic batched step on cpu does (${residual ? 'residual' : 'plain'}, K = 3)`, async () => {
			const shape: BatchedShape = { width: 12, depth: 2, residual, batchSize: 8 };
			await useCpu();
			const ref = await runBatched(shape, SPECS);
			await onWebGpu();
			const got = await runBatched(shape, SPECS);
			expect(ref.fused).toBe(false);
			expect(got.fused).toBe(true);
			expect(got.step).toBe(20);
			for (let g = 0; g < 2; g++) for (let i = 0; i < SPECS.length; i++) expect(got.losses[g][i]).toBeCloseTo(ref.losses[g][i], 4);
			let worst = 0;
			for (let i = 0; i < SPECS.length; i++) for (let j = 0; j < ref.params[i].length; j++) worst = Math.max(worst, Math.abs(got.params[i][j] - ref.params[i][j]));
			console.log(`K = 3 ${residual ? 'residual' : 'plain'} fused vs cpu, 20 Adam steps: max |Δparam| ${worst.toExponential(2)}`);
			expect(worst).toBeLessThan(1e-4);
			// and the nets really differ (a kernel reading net 0's slices for every net would fail above, or here)
			expect(Math.abs(got.params[0][0] - got.params[1][0])).toBeGreaterThan(1e-3);
		});
	}

	it('trains μP nets (a step size per parameter) through the generic batched step, as on cpu', async () => {
		const shape: BatchedShape = { width: 16, depth: 2, residual: true, batchSize: 8 };
		const specs: NetSpec[] = [SPECS[0], { ...SPECS[1], mupBase: 8 }];
		await useCpu();
		const ref = await runBatched(shape, specs);
		await onWebGpu();
		const got = await runBatched(shape, specs);
		expect(got.fused).toBe(false);
		let worst = 0;
		for (let i = 0; i < specs.length; i++) for (let j = 0; j < ref.params[i].length; j++) worst = Math.max(worst, Math.abs(got.params[i][j] - ref.params[i][j]));
		console.log(`μP beside a standard net, webgpu vs cpu, 20 Adam steps: max |Δparam| ${worst.toExponential(2)}`);
		expect(worst).toBeLessThan(1e-4);
	});

	it('runs the same 2·U + 1 dispatches per step for 6 nets as for one, and leaks nothing', async () => {
		await onWebGpu();
		const data = new TrainingData(DATA);
		const shape: BatchedShape = { width: 16, depth: 2, residual: true, batchSize: 8 };
		const perStep = async (k: number) => {
			const specs = Array.from({ length: k }, (_, i) => ({ seed: i + 1, learningRate: 1e-3, nTrain: 512 }));
			const t = new BatchedTrainer(shape, specs, data);
			try {
				await t.train(5);
				const [n0, d0] = [tf.memory().numTensors, dispatches];
				await t.train(20);
				expect(tf.memory().numTensors).toBe(n0);
				return (dispatches - d0) / 20;
			} finally {
				t.dispose();
			}
		};
		const [one, six] = [await perStep(1), await perStep(6)];
		setFusedWebGpu(false);
		const generic = await perStep(6).finally(() => setFusedWebGpu(true));
		console.log(`residual depth 2, dispatches per step: fused K = 1 ${one.toFixed(2)}, K = 6 ${six.toFixed(2)}; generic batched K = 6 ${generic.toFixed(1)}`);
		// 13 per step (as the lone net above), plus once per call the loss slots and the parameters out
		expect(six).toBe(one);
		expect(six * 20).toBeGreaterThanOrEqual(20 * 13);
		expect(six * 20).toBeLessThanOrEqual(20 * 13 + 4);
		expect(generic).toBeGreaterThan(5 * six);
		data.dispose();
	});
});

describe('dispatchFor', () => {
	it('keeps to 65,535 workgroups along a dimension and covers every thread', () => {
		expect(dispatchFor(64 * 65535, 64)).toEqual([65535, 1, 1]);
		for (const threads of [64 * 65535 + 1, 7_500_000, 40_000_000]) {
			const [x, y, z] = dispatchFor(threads, 64);
			expect(x).toBeLessThanOrEqual(65535);
			expect(y).toBeLessThanOrEqual(65535);
			expect(z).toBe(1);
			expect(x * y * 64).toBeGreaterThanOrEqual(threads);
		}
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
