// "Bigger is more robust" and the learning-rate drift: train each net of the plan
// (./double-it-robust-defaults.ts) at the grid's baseline setting, then read its test and held-out
// accuracy and, for the nets on the width and depth axes, the modularity essay's surgery scores
// (../surgery.ts: neighbour swaps, single deletions) and its accuracy under relative weight noise.
import * as tf from '@tensorflow/tfjs-core';
import { IMAGE_SIZE, type Mnist } from '../data';
import { BatchedTrainer, batchedEvaluate } from '../batched';
import { identityOrder } from '../model';
import type { NetConfig } from '../net-layout';
import { LoadedNet } from '../surgery';
import { TestSet } from '../test-set';
import { type Lane, shareWork } from './common';
import type { TrainingData } from '../trainer';
import { DRIFT_REFERENCE_WIDTH, HELD_OUT, NOISE_DRAWS, NOISE_EPS, type RobustResult, type RobustRun, addRelativeNoise, noiseRng, runCost } from './double-it-robust-defaults';

export * from './double-it-robust-defaults';

/** Training digits `from` … `from + n − 1` as a TestSet (the held-out digits that choose a learning rate). */
export function heldOutSet(data: Mnist, from: number = HELD_OUT.from, n: number = HELD_OUT.n): TestSet {
	const m = Math.max(0, Math.min(n, data.nTrain - from));
	return new TestSet({ ...data, testX: data.trainX.subarray(from * IMAGE_SIZE, (from + m) * IMAGE_SIZE), testY: data.trainY.subarray(from, from + m), nTest: m });
}

/** Test accuracy of each parameter vector (all of one shape), stacked and evaluated in one batched pass per chunk. */
export async function accuracies(flats: readonly Float32Array[], cfg: NetConfig, test: TestSet, chunk = 500): Promise<number[]> {
	const p = flats[0].length;
	const stacked = new Float32Array(flats.length * p);
	flats.forEach((f, i) => stacked.set(f, i * p));
	const params = tf.tensor2d(stacked, [flats.length, p]);
	const correct = new Float64Array(flats.length);
	try {
		for (let start = 0; start < test.n; start += chunk) {
			const m = Math.min(chunk, test.n - start);
			const xs = tf.slice(test.x, [start, 0], [m, IMAGE_SIZE]) as tf.Tensor2D;
			const ls = tf.slice(test.labels, [start], [m]) as tf.Tensor1D;
			const r = batchedEvaluate(params, cfg, xs, ls);
			const c = await r.correct.data();
			tf.dispose([xs, ls, r.correct, r.lossSum]);
			c.forEach((v, i) => (correct[i] += v));
		}
	} finally {
		params.dispose();
	}
	return Array.from(correct, (c) => c / test.n);
}

/**
 * Test accuracy under relative weight noise at each ε (mean over `draws` draws); the noise comes from
 * the net's seed, so a result is reproducible. ε = 0 gives the clean accuracy exactly.
 */
export async function noiseAccuracy(flat: Float32Array, cfg: NetConfig, test: TestSet, seed: number, eps: readonly number[] = NOISE_EPS, draws = NOISE_DRAWS): Promise<number[]> {
	const rng = noiseRng(seed);
	const out: number[] = [];
	for (const e of eps) {
		const versions = Array.from({ length: e === 0 ? 1 : draws }, () => addRelativeNoise(flat, cfg, e, rng));
		const acc = await accuracies(versions, cfg, test);
		out.push(acc.reduce((a, b) => a + b, 0) / acc.length);
	}
	return out;
}

/** The modularity essay's two surgery scores of one net: mean accuracy over neighbour swaps and over single deletions. */
export async function surgeryScores(flat: Float32Array, cfg: NetConfig, test: TestSet): Promise<{ intact: number; swapAdjacent: number | null; deleteOne: number }> {
	const net = new LoadedNet(cfg, flat, test);
	try {
		const L = cfg.depth;
		const swaps = identityOrder(L)
			.slice(0, L - 1)
			.map((i) => {
				const o = identityOrder(L);
				o[i] = i + 1;
				o[i + 1] = i;
				return o;
			});
		const deletes = identityOrder(L).map((i) => identityOrder(L).filter((b) => b !== i));
		const acc = await net.accuracies([identityOrder(L), ...swaps, ...deletes]);
		const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
		return { intact: acc[0], swapAdjacent: swaps.length ? mean(acc.slice(1, 1 + swaps.length)) : null, deleteOne: mean(acc.slice(1 + swaps.length)) };
	} finally {
		net.dispose();
	}
}

export type RobustHooks = {
	onResult?: (r: RobustResult) => void | Promise<void>;
	/** fraction of the plan's training FLOPs done, and the run now training */
	onProgress?: (fraction: number, run: RobustRun) => void | Promise<void>;
	shouldStop?: () => boolean;
	waitWhilePaused?: () => Promise<void>;
	interrupt?: () => boolean | Promise<boolean>;
};

/** Every this many training steps a net reports its progress (`onSteps`). */
const STEPS_PER_REPORT = 50;

/** Train and measure one net; `onSteps` hears the steps done every STEPS_PER_REPORT. Null if stopped. */
export async function trainRobustRun(
	run: RobustRun,
	train: TrainingData,
	test: TestSet,
	heldOut: TestSet,
	hooks: Pick<RobustHooks, 'shouldStop' | 'interrupt'> = {},
	onSteps?: (done: number) => void | Promise<void>
): Promise<RobustResult | null> {
	const s = run.setting;
	const cfg: NetConfig = { width: s.width, depth: s.depth, residual: s.residual };
	const t0 = performance.now();
	const spec = { seed: run.seed, learningRate: s.learningRate, nTrain: Math.min(s.nTrain, train.n), ...(run.mup ? { mupBase: DRIFT_REFERENCE_WIDTH } : {}) };
	const trainer = new BatchedTrainer({ ...cfg, batchSize: s.batchSize }, [spec], train);
	let flat: Float32Array;
	let nonFinite: boolean;
	try {
		// the trainer asks `interrupt` after each step but the last: count them there
		let done = 0;
		const interrupt = (): boolean | Promise<boolean> => {
			if (++done % STEPS_PER_REPORT !== 0 || !onSteps) return hooks.interrupt?.() ?? false;
			return Promise.resolve(onSteps(done)).then(() => hooks.interrupt?.() ?? false);
		};
		const { steps, meanLoss } = await trainer.train(s.steps, interrupt);
		if (steps < s.steps || hooks.shouldStop?.()) return null;
		nonFinite = !Number.isFinite(meanLoss[0]);
		flat = Float32Array.from(await trainer.snapshot(0));
		await onSteps?.(steps);
	} finally {
		trainer.dispose();
	}
	const [clean, held] = [(await accuracies([flat], cfg, test))[0], (await accuracies([flat], cfg, heldOut))[0]];
	const r: RobustResult = { id: run.id, seed: run.seed, width: s.width, depth: s.depth, learningRate: s.learningRate, ...(run.mup ? { mup: true } : {}), clean, heldOut: held, nonFinite, flops: runCost(s), ms: 0 };
	if (run.measure) {
		r.noise = await noiseAccuracy(flat, cfg, test, run.seed);
		const sc = await surgeryScores(flat, cfg, test);
		r.swapAdjacent = sc.swapAdjacent;
		r.deleteOne = sc.deleteOne;
	}
	r.ms = Math.round(performance.now() - t0);
	return r;
}

/** A lane that trains one net (./common.ts `Lane`): here, or in a helper worker. */
export type RobustLane = Lane<RobustRun, RobustResult>;

/**
 * Train every run (skipping known ids), in order, reporting each as it finishes. `helperLanes` (given
 * the runs to train) adds lanes that share them with this thread. Returns whether it was stopped.
 */
export async function runRobust(
	runs: readonly RobustRun[],
	train: TrainingData,
	test: TestSet,
	heldOut: TestSet,
	hooks: RobustHooks = {},
	skip: (id: string) => boolean = () => false,
	helperLanes: (todo: readonly RobustRun[]) => RobustLane[] = () => []
): Promise<{ stopped: boolean }> {
	const todo = runs.filter((r) => !skip(r.id));
	const local: RobustLane = async (run, onSteps) => {
		await hooks.waitWhilePaused?.();
		if (hooks.shouldStop?.()) return null;
		return trainRobustRun(run, train, test, heldOut, hooks, onSteps);
	};
	return shareWork(todo, (r) => ({ cost: runCost(r.setting), steps: r.setting.steps }), local, helperLanes(todo), {
		onDone: (_run, r) => hooks.onResult?.(r),
		onProgress: hooks.onProgress,
		shouldStop: hooks.shouldStop
	});
}
