// What the largest settings a link can ask for cost in memory, per widget: each widget's schema maximum
// (after its caps: credit's pairs × width, schema.ts) runs for a step or a generation on the tfjs
// backend that the scripts use (wasm: the engine counts tensor bytes the same on every backend, and it
// is ~5× faster than cpu here), and its peak of live tensor bytes (tf.profile's peakBytes, which
// counts every view of a buffer, so it errs high) stays under 256 MiB, with every tensor freed after.
// And the error paths: a throw in the middle of a step or a constructor leaves no tensor behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { smallMnist } from './setup';
import { useBackend } from '../../scripts/node-tf';
import { TestSet } from '../../src/lib/ml/surgery';
import { LoadedNet } from '../../src/lib/ml/surgery';
import { Trainer, TrainingData } from '../../src/lib/ml/trainer';
import { EvolutionStrategy, GeneticAlgorithm, MAX_POPULATION_FLOATS, maxPairs, measureCosine, mlpParamCount } from '../../src/lib/ml/es';
import { DEFAULT_RACE, EvalSet, runRace } from '../../src/lib/ml/experiments/credit';
import { trainPair as trainModularity } from '../../src/lib/ml/experiments/modularity';
import { DEFAULT_STITCH, StitchLab, trainPair as trainStitching } from '../../src/lib/ml/experiments/stitching';
import { DEFAULT_SETTINGS as TV_DEFAULTS, trainOn } from '../../src/lib/ml/experiments/task-vectors';
import { TV_NET } from '../../src/lib/ml/task-vectors';
import { DEFAULT_SETTINGS as SWAP_DEFAULTS } from '../../src/lib/ml/experiments/modularity-defaults';
import { constrainCredit, creditSchema } from '../../src/lib/widgets/credit/schema';
import { layerSwapSchema } from '../../src/lib/widgets/layer-swap/schema';
import { stitchingSchema } from '../../src/lib/widgets/stitching/schema';
import { taskVectorSchema } from '../../src/lib/widgets/task-vectors/schema';
import { parseParams, type Schema } from '../../src/lib/params/schema';
import { autoRun } from '../../src/lib/widgets/auto-run';
import * as swap from '../../src/lib/widgets/layer-swap/schema';
import * as stitch from '../../src/lib/widgets/stitching/schema';
import * as tv from '../../src/lib/widgets/task-vectors/schema';
import * as credit from '../../src/lib/widgets/credit/schema';

const CEILING = 256 * 2 ** 20;

/** The schema's largest value of a numeric param. */
function maxOf(schema: Schema, name: string): number {
	const spec = schema.find((s) => s.name === name);
	if (!spec || (spec.kind !== 'int' && spec.kind !== 'float')) throw new Error(name);
	return spec.max;
}

let data: TrainingData;
let test: TestSet;
beforeAll(async () => {
	expect(await useBackend('wasm')).toBe('wasm');
	const m = smallMnist(512, 64);
	data = new TrainingData(m);
	test = new TestSet(m, 64);
});
afterAll(() => {
	data.dispose();
	test.dispose();
});

/** Run `f`, then check its peak of live tensor bytes and that it freed every tensor it made. */
async function withinCeiling(f: () => Promise<unknown>): Promise<number> {
	const before = tf.memory().numTensors;
	const info = await tf.profile(async () => {
		await f();
		return [];
	});
	expect(tf.memory().numTensors).toBe(before);
	expect(info.peakBytes).toBeLessThanOrEqual(CEILING);
	return info.peakBytes;
}

describe('credit: the worst link, after the cap', () => {
	it('caps pairs so the GA population (2N × d) fits 2^23 floats, with a note', () => {
		const { values, notes } = parseParams(creditSchema, new URLSearchParams('width=256&pairs=128&budget=30000&useless=200000'));
		expect(values.pairs).toBe(128); // every value is in range on its own
		const capped = constrainCredit(values);
		expect(capped.values.pairs).toBe(maxPairs(256));
		expect(capped.values.pairs).toBe(20); // the shipped N still fits the widest net
		expect(2 * capped.values.pairs * mlpParamCount(256)).toBeLessThanOrEqual(MAX_POPULATION_FLOATS);
		expect(capped.notes.join(' ')).toMatch(/pairs=128 at width=256 .* using pairs=20/);
		expect(notes).toEqual([]);
		// the defaults and every width at the shipped N are untouched
		for (let width = 2; width <= maxOf(creditSchema, 'width'); width++) expect(constrainCredit({ ...values, width, pairs: DEFAULT_RACE.pairs }).notes).toEqual([]);
	});

	it('a GA over the cap is refused before it allocates', () => {
		const before = tf.memory().numTensors;
		expect(() => new GeneticAlgorithm({ width: 256, seed: 1, population: 2 * 128, sigma: 0.01, parents: 8, batchSize: 128 }, data)).toThrow(/does not fit in memory/);
		expect(tf.memory().numTensors).toBe(before);
	});

	it('the race at width 256 with the largest pairs allowed, one generation each, stays under 256 MiB', async () => {
		const width = maxOf(creditSchema, 'width');
		const s = { ...DEFAULT_RACE, width, pairs: maxPairs(width), budget: 2 * maxPairs(width), checkpoints: 1 };
		const evalSet = new EvalSet(data, 64);
		const peak = await withinCeiling(() => runRace(s, data, evalSet, test));
		evalSet.dispose();
		console.log(`credit race peak ${(peak / 2 ** 20).toFixed(1)} MiB`);
	}, 60_000);

	it('the cosine at width 256 with 200,000 useless parameters (one full chunk) stays under 256 MiB', async () => {
		const width = maxOf(creditSchema, 'width');
		const per = Math.floor(Math.floor(8_000_000 / mlpParamCount(width)) / 2);
		const peak = await withinCeiling(() =>
			measureCosine({ width, seed: 1, pairs: [per], sigma: 1e-3, useless: maxOf(creditSchema, 'useless'), batchSize: 128 }, data)
		);
		console.log(`credit cosine peak ${(peak / 2 ** 20).toFixed(1)} MiB`);
	}, 60_000);

	it('the width sweep’s widest ES (h = 128) at the largest pairs regenerates its noise and stays under 256 MiB', async () => {
		const pairs = maxOf(creditSchema, 'pairs');
		const peak = await withinCeiling(async () => {
			const es = new EvolutionStrategy({ width: 128, seed: 1, pairs, sigma: 0.03, learningRate: 0.01, batchSize: 128 }, data);
			try {
				await es.step();
			} finally {
				es.dispose();
			}
		});
		console.log(`credit sweep ES peak ${(peak / 2 ** 20).toFixed(1)} MiB`);
	}, 60_000);
});

describe('the other widgets at their schema maximum', () => {
	it('layer-swap: both nets at depth 12, width 256, one step each, and an evaluation', async () => {
		const s = { ...SWAP_DEFAULTS, depth: maxOf(layerSwapSchema, 'depth'), width: maxOf(layerSwapSchema, 'width'), steps: 1 };
		const peak = await withinCeiling(async () => {
			const nets = await trainModularity(s, data, test, { chunk: 1 });
			const loaded = new LoadedNet(nets.residual.config, nets.residual.params, test);
			try {
				await loaded.accuracies([Array.from({ length: 2 * s.depth }, (_, i) => i % s.depth)]);
			} finally {
				loaded.dispose();
			}
		});
		console.log(`layer-swap peak ${(peak / 2 ** 20).toFixed(1)} MiB`);
	}, 60_000);

	it('stitching: A and B at width 512, one step each, then scored and aligned', async () => {
		const s = { ...DEFAULT_STITCH, width: maxOf(stitchingSchema, 'width'), steps: 1 };
		const peak = await withinCeiling(async () => {
			const { A, B } = await trainStitching(s, data, test, { chunk: 1 });
			const lab = new StitchLab(A.config, A.params, B.params, data, test);
			try {
				await lab.baseline();
				await lab.align(1, 1); // one weight-matching start: restarts run one after another, so the peak is the same
			} finally {
				lab.dispose();
			}
		});
		console.log(`stitching peak ${(peak / 2 ** 20).toFixed(1)} MiB`);
	}, 60_000);

	it('task-vectors: a fine-tune of the one net (its size does not depend on the params)', async () => {
		expect(maxOf(taskVectorSchema, 'steps')).toBe(2000);
		const cfg = { ...TV_NET, seed: 1, learningRate: TV_DEFAULTS.ftLr, batchSize: TV_DEFAULTS.batchSize, layerDrop: 0 };
		const m = smallMnist(512, 64);
		const digits = { x: m.trainX, y: m.trainY, n: 512 };
		const peak = await withinCeiling(() => trainOn(digits as never, cfg, 2, undefined, 'test', { chunk: 1 }));
		console.log(`task-vectors peak ${(peak / 2 ** 20).toFixed(1)} MiB`);
	}, 60_000);
});

describe('a throw mid-step leaves no tensor behind', () => {
	it('Trainer.train: the running loss sum is freed when the interrupt throws', async () => {
		const t = new Trainer({ depth: 1, width: 8, residual: false, seed: 1, learningRate: 1e-3, batchSize: 16, layerDrop: 0 }, data);
		const before = tf.memory().numTensors;
		await expect(
			t.train(5, {
				readEvery: 5,
				interrupt: () => {
					throw new Error('injected');
				}
			})
		).rejects.toThrow('injected');
		expect(tf.memory().numTensors).toBe(before);
		t.dispose();
	});

	it('runRace: the runners already built are disposed when a later one cannot be built', async () => {
		const evalSet = new EvalSet(data, 16);
		const before = tf.memory().numTensors;
		// 2N·d over the cap: the GA (built last) throws after backprop's and ES's runners exist
		const s = { ...DEFAULT_RACE, width: 256, pairs: maxPairs(256) + 1, budget: 300, checkpoints: 1 };
		await expect(runRace(s, data, evalSet, test)).rejects.toThrow(/does not fit in memory/);
		expect(tf.memory().numTensors).toBe(before);
		evalSet.dispose();
	});

	it('EvolutionStrategy.step and GeneticAlgorithm.step free the noise and the batch when the step throws', async () => {
		const es = new EvolutionStrategy({ width: 4, seed: 1, pairs: 4, sigma: 0.05, learningRate: 0.01, batchSize: 8 }, data);
		const ga = new GeneticAlgorithm({ width: 4, seed: 1, population: 6, sigma: 0.05, parents: 2, batchSize: 8 }, data);
		// break each inside its step: the parameters (ES) and the population (GA) are gone
		es.params.dispose();
		(ga as unknown as { population: tf.Tensor }).population.dispose();
		const before = tf.memory().numTensors;
		await expect(es.step()).rejects.toThrow();
		expect(tf.memory().numTensors).toBe(before);
		await expect(ga.step()).rejects.toThrow();
		expect(tf.memory().numTensors).toBe(before);
		es.dispose();
		ga.dispose();
	});
});

describe('what a link may start on load (widgets/auto-run.ts)', () => {
	const fast = false;
	const slow = true;
	it('the worst link of each widget waits for a click, on every backend', () => {
		const worst = [
			autoRun(swap.trainingWork({ depth: 12, width: 256, steps: 5000 }), swap.SHIPPED_TRAINING_WORK, fast),
			autoRun(stitch.startWork({ width: 512, steps: 5000, sst: 2000 }, true), stitch.SHIPPED_WORK, fast),
			autoRun(tv.trainingWork({ steps: 2000 }), tv.SHIPPED_TRAINING_WORK, fast),
			autoRun(credit.raceWork({ width: 256, budget: 30000 }), credit.SHIPPED_RACE_WORK, fast),
			autoRun(credit.cosineWork({ width: 256, useless: 200000 }), credit.SHIPPED_COSINE_WORK, fast)
		];
		for (const w of worst) expect(w.run).toBe(false);
		expect(worst.map((w) => Math.round(w.ratio))).toEqual([16, 13, 5, 40, 16]);
	});

	it('small links still start at once on a fast backend; a cpu only starts small ones', () => {
		// the links the e2e tests use to train live
		expect(autoRun(swap.trainingWork({ depth: 8, width: 64, steps: 5000 }), swap.SHIPPED_TRAINING_WORK, fast).run).toBe(true);
		expect(autoRun(swap.trainingWork({ depth: 3, width: 32, steps: 200 }), swap.SHIPPED_TRAINING_WORK, slow).run).toBe(true);
		expect(autoRun(stitch.startWork({ width: 32, steps: 200, sst: 20 }, true), stitch.SHIPPED_WORK, fast).run).toBe(true);
		expect(autoRun(tv.trainingWork({ steps: 30 }), tv.SHIPPED_TRAINING_WORK, slow).run).toBe(true);
		expect(autoRun(credit.cosineWork({ width: 16, useless: 50000 }), credit.SHIPPED_COSINE_WORK, fast).run).toBe(true);
		// another seed of the shipped nets: minutes on wasm, a quarter of an hour on cpu
		const reseeded = swap.trainingWork(SWAP_DEFAULTS);
		expect(autoRun(reseeded, swap.SHIPPED_TRAINING_WORK, fast).run).toBe(true);
		expect(autoRun(reseeded, swap.SHIPPED_TRAINING_WORK, slow).run).toBe(false);
	});
});
