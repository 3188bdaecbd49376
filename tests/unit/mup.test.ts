// μP (src/lib/ml/mup.ts) in the BatchedTrainer: the step-size factors and the output init follow the
// paper's table (hidden and output weights × base/width, output init std × √(base/width), the rest
// unchanged); at the base width a μP net trains bit for bit like the standard one, on wasm (where the
// standard net takes the fused Adam loop and the μP net the op-by-op update) and on cpu; away from it
// the nets differ, and a K-group mixing both trains each like a lone net. One shipped μP net of the
// drift study is retrained here from its seed and matches robust.json.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { smallMnist, useCpu } from './setup';
import { installWasmKernelFixes } from '../../src/lib/ml/wasm-kernels';
import { mupLrFactors, toMupInit } from '../../src/lib/ml/mup';
import { disposeNet, forward, initParams, unpack } from '../../src/lib/ml/model';
import { paramLayout } from '../../src/lib/ml/net-layout';
import { BatchedTrainer, initFor, type NetSpec } from '../../src/lib/ml/batched';
import { TrainingData } from '../../src/lib/ml/trainer';
import { TestSet } from '../../src/lib/ml/test-set';
import { type RobustResult, heldOutSet, robustSetting, runId, trainRobustRun } from '../../src/lib/ml/experiments/double-it-robust';
import { mnist } from './setup';
import shipped from '../../static/checkpoints/double-it/robust.json';

const data = smallMnist(300, 10);

async function trainFlat(width: number, specs: NetSpec[], steps = 25): Promise<Float32Array[]> {
	const train = new TrainingData(data);
	const t = new BatchedTrainer({ width, depth: 2, residual: true, batchSize: 16 }, specs, train);
	await t.train(steps);
	const out = await Promise.all(specs.map((_, i) => t.snapshot(i)));
	t.dispose();
	train.dispose();
	return out;
}

describe('μP factors and init', () => {
	it('scales hidden and output step sizes by base/width and leaves input weights and biases alone', () => {
		const cfg = { width: 32, depth: 2, residual: true };
		const f = mupLrFactors(cfg, 8);
		for (const s of paramLayout(cfg)) {
			const want = /^block\d+\.(A|B)$/.test(s.name) || s.name === 'head.W' ? 0.25 : 1;
			expect(new Set(f.subarray(s.offset, s.offset + s.size)), s.name).toEqual(new Set([want]));
		}
		expect(new Set(mupLrFactors({ width: 8, depth: 2, residual: true }, 8))).toEqual(new Set([1]));
	});

	it('scales only the output weights of the standard init, by √(base/width)', () => {
		const cfg = { width: 32, depth: 2, residual: false };
		const sp = initParams(cfg, 4);
		const mup = toMupInit(Float32Array.from(sp), cfg, 8);
		for (const s of paramLayout(cfg)) {
			const k = s.name === 'head.W' ? Math.fround(0.5) : 1;
			for (let i = s.offset; i < s.offset + s.size; i += 37) expect(mup[i], s.name).toBe(Math.fround(sp[i] * k));
		}
		expect(Array.from(initFor(cfg, { seed: 4, learningRate: 1e-3, nTrain: 10, mupBase: 32 }))).toEqual(Array.from(sp));
	});
});

for (const backend of ['wasm', 'cpu'] as const) {
	describe(`μP training on ${backend}`, () => {
		beforeAll(async () => {
			installWasmKernelFixes();
			if (backend === 'cpu') await useCpu();
			else {
				await tf.setBackend('wasm');
				await tf.ready();
			}
		});
		afterAll(useCpu);

		it('is the standard parametrisation, bit for bit, at the base width', async () => {
			const before = tf.memory().numTensors;
			const spec = { seed: 3, learningRate: 2e-3, nTrain: 300 };
			const [sp] = await trainFlat(16, [spec]);
			const [mup] = await trainFlat(16, [{ ...spec, mupBase: 16 }]);
			expect(Array.from(mup)).toEqual(Array.from(sp));
			expect(tf.memory().numTensors).toBe(before);
		});

		it('differs away from it, and a group mixing both trains each net like a lone one', async () => {
			const a = { seed: 3, learningRate: 2e-3, nTrain: 300 };
			const b = { seed: 5, learningRate: 1e-3, nTrain: 200, mupBase: 8 };
			const [[sp], [mup], [gsp, gmup]] = [await trainFlat(32, [a]), await trainFlat(32, [b]), await trainFlat(32, [a, b])];
			const [mupSeed3] = await trainFlat(32, [{ ...a, mupBase: 8 }]);
			const maxDiff = (x: Float32Array, y: Float32Array) => x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i])), 0);
			expect(maxDiff(mupSeed3, sp)).toBeGreaterThan(1e-3);
			expect(maxDiff(gsp, sp)).toBeLessThan(1e-5);
			expect(maxDiff(gmup, mup)).toBeLessThan(1e-5);
		});
	});
}

describe('a coordinate check (the test μP’s authors recommend for an implementation)', () => {
	beforeAll(useCpu);

	it('after a few Adam steps the outputs move by an amount that grows with width in the standard parametrisation, and not in μP', async () => {
		const small = smallMnist(256, 10);
		const train = new TrainingData(small);
		const x = tf.slice(train.x, [0, 0], [64, 784]) as tf.Tensor2D;
		const widths = [32, 128, 512];
		const move: Record<string, number[]> = { sp: [], mup: [] };
		for (const param of ['sp', 'mup'] as const) {
			for (const width of widths) {
				const cfg = { width, depth: 2, residual: true };
				const t = new BatchedTrainer({ ...cfg, batchSize: 32 }, [{ seed: 1, learningRate: 0.01, nTrain: 256, ...(param === 'mup' ? { mupBase: 32 } : {}) }], train);
				const logits = async () => {
					const flat = tf.tensor1d(await t.snapshot(0));
					const net = unpack(flat, cfg);
					const out = tf.tidy(() => forward(net, x));
					const v = (await out.data()) as Float32Array;
					tf.dispose([flat, out]);
					disposeNet(net);
					return v;
				};
				const before = await logits();
				await t.train(3);
				const after = await logits();
				t.dispose();
				move[param].push(after.reduce((a, v, i) => a + Math.abs(v - before[i]), 0) / after.length);
			}
		}
		x.dispose();
		train.dispose();
		const growth = (m: number[]) => m[2] / m[0];
		console.log(`[coord check] mean |Δlogit| after 3 steps at widths ${widths.join(', ')}: standard ${move.sp.map((v) => v.toFixed(2)).join(', ')}; μP ${move.mup.map((v) => v.toFixed(2)).join(', ')}`);
		expect(move.mup[0]).toBe(move.sp[0]); // width 32 is μP's base here: the same net
		expect(growth(move.sp)).toBeGreaterThan(4);
		expect(growth(move.mup)).toBeGreaterThan(0.5);
		expect(growth(move.mup)).toBeLessThan(2);
	}, 60_000);
});

describe('the shipped μP drift', () => {
	beforeAll(async () => {
		installWasmKernelFixes();
		await tf.setBackend('wasm');
		await tf.ready();
	});
	afterAll(useCpu);

	it('reproduces a shipped μP net from its seed (wasm, as scripts/make-double-it-robust.ts ran it)', async () => {
		const s = robustSetting(32, 4, 0.004);
		const id = runId(s, 2, true);
		const want = (shipped.results as RobustResult[]).find((r) => r.id === id)!;
		expect(want.mup).toBe(true);
		const data = mnist();
		const [train, test, held] = [new TrainingData(data), new TestSet(data), heldOutSet(data)];
		const got = await trainRobustRun({ id, setting: s, seed: 2, measure: false, mup: true }, train, test, held);
		train.dispose();
		test.dispose();
		held.dispose();
		const p4 = (v: number) => Number(v.toPrecision(4));
		expect([p4(got!.clean), p4(got!.heldOut)]).toEqual([want.clean, want.heldOut]);
	}, 60_000);
});
