import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useCpu, smallMnist } from './setup';
import {
	type NetConfig,
	applyBlock,
	forward,
	identityOrder,
	initParams,
	lossAndGrads,
	paramCount,
	paramLayout,
	unpack,
	disposeNet
} from '../../src/lib/ml/model';
import { Trainer, TrainingData } from '../../src/lib/ml/trainer';
import { LoadedNet, TestSet } from '../../src/lib/ml/surgery';
import { type ExpectedNet, decodeCheckpoint, encodeCheckpoint } from '../../src/lib/ml/checkpoint';
import { makeRng, normalArray } from '../../src/lib/ml/rng';

beforeAll(useCpu);

const tiny = (residual: boolean): NetConfig => ({ depth: 2, width: 5, residual });

describe('model shapes and layout', () => {
	it('lays parameters out contiguously and counts them', () => {
		const cfg: NetConfig = { depth: 3, width: 16, residual: true };
		const slots = paramLayout(cfg);
		let expected = 0;
		for (const s of slots) {
			expect(s.offset).toBe(expected);
			expected += s.size;
		}
		expect(paramCount(cfg)).toBe(784 * 16 + 16 + 3 * (2 * 16 * 16 + 2 * 16) + 16 * 10 + 10);
		expect(paramCount({ ...cfg, residual: false })).toBe(784 * 16 + 16 + 3 * (16 * 16 + 16) + 16 * 10 + 10);
	});

	it('produces logits of shape [n, 10] for both architectures', () => {
		for (const residual of [true, false]) {
			const cfg: NetConfig = { depth: 4, width: 8, residual };
			tf.tidy(() => {
				const net = unpack(tf.tensor1d(initParams(cfg, 1)), cfg);
				expect(forward(net, tf.zeros([3, 784])).shape).toEqual([3, 10]);
			});
		}
	});

	it('initialises deterministically from the seed', () => {
		const cfg: NetConfig = { depth: 2, width: 8, residual: true };
		expect(initParams(cfg, 3)).toEqual(initParams(cfg, 3));
		expect(initParams(cfg, 3)).not.toEqual(initParams(cfg, 4));
	});
});

describe('hand-written backprop', () => {
	// Central finite differences in float64 would be ideal; tfjs cpu is float32, so use a step that keeps
	// rounding error (~1e-7 relative on a loss of ~2) well below the tolerance.
	for (const kind of ['residual', 'plain', 'two-matrix plain'] as const) {
		for (const withDrop of [false, true]) {
			it(`matches finite differences (${kind}${withDrop ? ', one block dropped' : ''})`, () => {
				const cfg: NetConfig = { ...tiny(kind === 'residual'), ...(kind === 'two-matrix plain' ? { twoMatrix: true } : {}) };
				const rng = makeRng(5);
				const flat = initParams(cfg, 2);
				// Non-zero biases so every parameter kind gets exercised.
				for (let i = 0; i < flat.length; i++) if (flat[i] === 0) flat[i] = rng.normal() * 0.1;
				const x = tf.tensor2d(normalArray(4 * 784, 0.5, rng), [4, 784]);
				const y = tf.cast(tf.oneHot(tf.tensor1d([1, 3, 3, 7], 'int32'), 10), 'float32') as tf.Tensor2D;
				const active = withDrop ? [true, false] : undefined;
				const lossAt = (p: Float32Array) =>
					tf.tidy(() => lossAndGrads(unpack(tf.tensor1d(p), cfg), x, y, active).loss.dataSync()[0]);
				const analytic = tf.tidy(() => {
					const { grads } = lossAndGrads(unpack(tf.tensor1d(flat), cfg), x, y, active);
					return tf.concat(grads.map((g) => tf.reshape(g, [-1]))).dataSync() as Float32Array;
				});
				expect(analytic.length).toBe(flat.length);
				// Check a spread of coordinates in every slot.
				// A coordinate whose ±eps step crosses a ReLU kink has no meaningful finite difference; it shows up
				// as two step sizes disagreeing, and is skipped (rare: a handful of the ~60 checked).
				const fd = (i: number, eps: number) => {
					const plus = flat.slice();
					plus[i] += eps;
					const minus = flat.slice();
					minus[i] -= eps;
					return (lossAt(plus) - lossAt(minus)) / (2 * eps);
				};
				let checked = 0;
				let skipped = 0;
				for (const slot of paramLayout(cfg)) {
					for (let k = 0; k < Math.min(slot.size, 6); k++) {
						const i = slot.offset + Math.floor((k * slot.size) / 6);
						const numeric = fd(i, 1e-3);
						const tol = 1e-3 + 0.02 * Math.abs(numeric);
						if (Math.abs(fd(i, 2e-3) - numeric) > tol) {
							skipped++;
							continue;
						}
						expect(Math.abs(numeric - analytic[i]), `${slot.name}[${i - slot.offset}]`).toBeLessThan(tol);
						checked++;
					}
				}
				expect(skipped).toBeLessThan(checked / 5);
				expect(checked).toBeGreaterThan(20);
				if (withDrop) {
					const dropped = paramLayout(cfg).filter((s) => s.name.startsWith('block1.'));
					for (const s of dropped) for (let i = s.offset; i < s.offset + s.size; i++) expect(analytic[i]).toBe(0);
				}
				tf.dispose([x, y]);
			});
		}
	}
});

describe('training and surgery on real digits', () => {
	const data = smallMnist(1024, 200);

	it('lowers the loss, is deterministic for a seed, and leaks no tensors', async () => {
		const before = tf.memory().numTensors;
		const run = async () => {
			const td = new TrainingData(data);
			const t = new Trainer(
				{ depth: 3, width: 16, residual: true, seed: 9, learningRate: 3e-3, batchSize: 32, layerDrop: 0 },
				td
			);
			const curve = await t.train(120, { readEvery: 40 });
			const params = await t.snapshot();
			t.dispose();
			td.dispose();
			return { curve, params };
		};
		const a = await run();
		const b = await run();
		expect(a.curve.length).toBe(3);
		expect(a.curve[2].loss).toBeLessThan(a.curve[0].loss);
		expect(a.curve[2].loss).toBeLessThan(1.5);
		expect(b.params).toEqual(a.params);
		expect(b.curve).toEqual(a.curve);
		expect(tf.memory().numTensors).toBe(before);
	});

	it('stochastic depth changes the run but still trains', async () => {
		const td = new TrainingData(data);
		const t = new Trainer(
			{ depth: 3, width: 16, residual: true, seed: 9, learningRate: 3e-3, batchSize: 32, layerDrop: 0.3 },
			td
		);
		const curve = await t.train(80, { readEvery: 40 });
		expect(curve[1].loss).toBeLessThan(curve[0].loss);
		t.dispose();
		td.dispose();
	});

	it('identity order equals the original net; surgeries and reports leave no tensors behind', async () => {
		const cfg: NetConfig = { depth: 4, width: 16, residual: true };
		const params = initParams(cfg, 4);
		const test = new TestSet(data);
		const before = tf.memory().numTensors;
		const loaded = new LoadedNet(cfg, params, test);
		const direct = tf.tidy(() => {
			const logits = forward(unpack(tf.tensor1d(params), cfg), test.x);
			return tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), test.labels), 'float32')).dataSync()[0];
		});
		expect(await loaded.accuracy(identityOrder(4))).toBeCloseTo(direct, 6);
		const report = await loaded.report();
		expect(report.intact).toBeCloseTo(direct, 6);
		expect(report.swap.length).toBe(4);
		for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(report.swap[i][j]).toBe(report.swap[j][i]);
		// swap (1,2) from the matrix equals evaluating that order directly
		expect(report.swap[1][2]).toBeCloseTo(await loaded.accuracy([0, 2, 1, 3]), 6);
		expect(report.deleteOne[2]).toBeCloseTo(await loaded.accuracy([0, 1, 3]), 6);
		for (const h of [report.horizon, report.horizonStrict, report.horizonPatched]) {
			expect(h.length).toBe(5);
			// k = depth: every block sees the whole stream, so each definition gives back the intact net
			expect(h[4]).toBeCloseTo(direct, 6);
		}
		expect(report.editRatio.every((r) => r > 0 && Number.isFinite(r))).toBe(true);
		expect(report.streamNorm.length).toBe(5);
		expect(report.streamNorm.every((n) => n > 0)).toBe(true);
		expect(report.editNorm.length).toBe(4);
		expect(report.directLogit.length).toBe(4);
		expect(report.deleteLogit.length).toBe(4);
		// deleting the last block: nothing downstream to react, so its total effect is its direct effect
		expect(report.deleteLogit[3]).toBeCloseTo(report.directLogit[3], 4);
		expect(report.logitNorm).toBeGreaterThan(0);
		const preds = await loaded.predictions([3, 2, 1, 0], 7);
		expect(preds.length).toBe(7);
		loaded.dispose();
		expect(tf.memory().numTensors).toBe(before);
		test.dispose();
	});

	it('every horizon is the intact net when nothing is truncated, at every k; truncation changes it', async () => {
		const cfg: NetConfig = { depth: 4, width: 16, residual: true };
		const params = initParams(cfg, 6, { bScale: 4 }); // large edits, so a truncated window shows
		const test = new TestSet(data, 300);
		const loaded = new LoadedNet(cfg, params, test);
		const intact = await loaded.accuracy(identityOrder(4));
		for (const mode of ['strict', 'patched', 'embedding'] as const) {
			const whole = await loaded.horizonCurve(mode, false);
			expect(whole.length).toBe(5);
			for (const a of whole) expect(a).toBeCloseTo(intact, 6);
		}
		// the patched horizon feeds each block clean components, so at k = 1 block 0 still sees its whole
		// input (the embedding) while the others see only the previous edit: it must differ somewhere
		const strict = await loaded.horizonCurve('strict');
		const patched = await loaded.horizonCurve('patched');
		expect(strict[4]).toBeCloseTo(intact, 6);
		expect(patched[4]).toBeCloseTo(intact, 6);
		expect(strict.slice(0, 4).some((a) => Math.abs(a - intact) > 1e-3) || patched.slice(0, 4).some((a) => Math.abs(a - intact) > 1e-3)).toBe(true);
		loaded.dispose();
		test.dispose();
	});

	it('two-matrix plain blocks are the residual block minus its skip, with the same parameter count', () => {
		const res: NetConfig = { depth: 3, width: 8, residual: true };
		const two: NetConfig = { depth: 3, width: 8, residual: false, twoMatrix: true };
		expect(paramCount(two)).toBe(paramCount(res));
		const params = initParams(res, 2);
		tf.tidy(() => {
			const rNet = unpack(tf.tensor1d(params), res);
			const tNet = unpack(tf.tensor1d(params), two);
			const h = tf.randomNormal([5, 8], 0, 1, 'float32', 3) as tf.Tensor2D;
			const withSkip = applyBlock(rNet.blocks[1], h);
			const without = applyBlock(tNet.blocks[1], h);
			// with the skip = without it + the input
			expect(tf.max(tf.abs(tf.sub(tf.sub(withSkip, without), h))).dataSync()[0]).toBeLessThan(1e-5);
			expect(tf.max(tf.abs(without)).dataSync()[0]).toBeGreaterThan(1e-3);
		});
	});

	it('plain nets have no horizon, and their edit ratio measures output minus input', async () => {
		const cfg: NetConfig = { depth: 3, width: 8, residual: false };
		const test = new TestSet(data, 50);
		const loaded = new LoadedNet(cfg, initParams(cfg, 1), test);
		expect(await loaded.horizonCurve('strict')).toEqual([]);
		expect((await loaded.editRatios()).length).toBe(3);
		const effects = await loaded.deletionEffects();
		expect(effects.directLogit).toEqual([]);
		expect(effects.deleteLogit.length).toBe(3);
		loaded.dispose();
		test.dispose();
	});
});

describe('checkpoint files', () => {
	it('round-trip exactly', () => {
		const cfg: NetConfig = { depth: 2, width: 8, residual: true };
		const params = initParams(cfg, 1);
		const header = {
			config: cfg,
			training: { seed: 1, steps: 0, learningRate: 1e-3, batchSize: 128, layerDrop: 0, backend: 'cpu' },
			lossCurve: [[25, 2.1]] as [number, number][],
			testAccuracy: 0.1,
			createdBy: 'test'
		};
		const back = decodeCheckpoint(encodeCheckpoint(header, params));
		expect(back.header).toEqual(header);
		expect(back.params).toEqual(params);
		expect(() => decodeCheckpoint(new Uint8Array(3))).toThrow();
		expect(() => decodeCheckpoint(encodeCheckpoint(header, params).slice(0, 100))).toThrow();
	});
});

describe('checkpoint headers are checked before anything is sized from them', () => {
	const cfg: NetConfig = { depth: 2, width: 8, residual: true };
	const header = {
		config: cfg,
		training: { seed: 1, steps: 0, learningRate: 1e-3, batchSize: 128, layerDrop: 0, backend: 'cpu' },
		lossCurve: [] as [number, number][],
		testAccuracy: 0.1,
		createdBy: 'test'
	};
	const good = encodeCheckpoint(header, initParams(cfg, 1), 'float16');
	/** The good file with its JSON header replaced (the body kept), e.g. a header claiming depth 3e7. */
	function withHeader(edit: (h: Record<string, unknown>) => unknown): Uint8Array {
		const view = new DataView(good.buffer);
		const h = view.getUint32(4, true);
		const parsed = JSON.parse(new TextDecoder().decode(good.subarray(8, 8 + h)));
		let json = JSON.stringify(edit(parsed) ?? parsed);
		while (json.length % 4) json += ' ';
		const bytes = new TextEncoder().encode(json);
		const out = new Uint8Array(8 + bytes.length + good.length - 8 - h);
		out.set(good.subarray(0, 4));
		new DataView(out.buffer).setUint32(4, bytes.length, true);
		out.set(bytes, 8);
		out.set(good.subarray(8 + h), 8 + bytes.length);
		return out;
	}
	const residual: ExpectedNet = { residual: true, depth: [2, 12], width: [8, 256] };
	const setConfig = (c: Record<string, unknown>) => withHeader((h) => ({ ...h, config: { ...(h.config as object), ...c } }));

	it('decodes the well-formed file as the expected net', () => {
		expect(decodeCheckpoint(good, residual).header.config).toEqual(cfg);
		expect(decodeCheckpoint(setConfig({})).params.length).toBe(initParams(cfg, 1).length);
	});

	it.each([
		['depth 3e7', { depth: 3e7 }, /depth 30000000 is not an integer in 2–12/],
		['width 3e7', { width: 3e7 }, /width/],
		['a negative depth', { depth: -1 }, /depth -1/],
		['a fractional width', { width: 8.5 }, /width 8.5/],
		['a string depth', { depth: '8' }, /depth "8"/],
		['a NaN-like depth (JSON null)', { depth: null }, /depth null/],
		['a missing width', { width: undefined }, /width undefined/],
		['a string residual flag', { residual: 'yes' }, /residual flag/],
		['a plain net served as the residual one', { residual: false }, /plain net where a residual one was expected/]
	])('refuses %s before allocating', (_name, change, message) => {
		const bytes = setConfig(change);
		const heapBefore = process.memoryUsage().heapUsed;
		// The heap check, not a clock, shows the header was refused before any buffer was sized from it.
		expect(() => decodeCheckpoint(bytes, residual)).toThrow(message);
		expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(16 * 2 ** 20);
	});

	it('refuses a huge depth even when the caller expects nothing in particular', () => {
		const heapBefore = process.memoryUsage().heapUsed;
		expect(() => decodeCheckpoint(setConfig({ depth: 3e7 }))).toThrow(/depth/);
		expect(() => decodeCheckpoint(setConfig({ depth: 1e300, width: 1e300 }))).toThrow(/depth/);
		expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(16 * 2 ** 20);
	});

	it('refuses headers that are not objects, bad JSON, and malformed formats', () => {
		expect(() => decodeCheckpoint(withHeader(() => [1, 2]))).toThrow(/not an object/);
		expect(() => decodeCheckpoint(withHeader(() => ({ training: {} })))).toThrow(/no net config/);
		expect(() => decodeCheckpoint(withHeader((h) => ({ ...h, format: { version: 2, dtype: 'float64' } })))).toThrow(/dtype/);
		expect(() => decodeCheckpoint(withHeader((h) => ({ ...h, format: { version: 2, dtype: 'toString' } })))).toThrow(/dtype/);
		expect(() => decodeCheckpoint(withHeader((h) => ({ ...h, format: { version: 9, dtype: 'float16' } })))).toThrow(/newer/);
		expect(() => decodeCheckpoint(withHeader((h) => ({ ...h, format: { version: 2, dtype: 'int8', scales: 'x' } })))).toThrow(/scales/);
		const bad = good.slice();
		bad[9] = 0x7b; // '{' then garbage: not JSON
		bad[10] = 0x7b;
		expect(() => decodeCheckpoint(bad)).toThrow(/not valid JSON/);
	});
});
