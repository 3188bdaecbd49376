// Double descent: train the plan's nets (one at a time, or shared with helper workers) on the first n training digits with a fifth of
// their labels wrong (./double-it-descent-defaults.ts), and score each on the labels it was trained on
// (does it fit them?) and on the clean test digits.
import type { Mnist } from '../data';
import { IMAGE_SIZE } from '../data';
import { BatchedTrainer } from '../batched';
import { TrainingData } from '../trainer';
import { TestSet } from '../test-set';
import { type Lane, shareWork } from './common';
import { DESCENT, type DescentResult, type DescentRun, descentWork, noisyLabels } from './double-it-descent-defaults';

export * from './double-it-descent-defaults';

/** The first n training digits with their noisy labels: to train on, and to score the fit on. */
export class NoisyTrainSet {
	readonly train: TrainingData;
	readonly fit: TestSet;
	constructor(data: Mnist, n: number) {
		const m = Math.min(n, data.nTrain);
		const x = data.trainX.subarray(0, m * IMAGE_SIZE);
		const y = noisyLabels(data.trainY, m);
		this.train = new TrainingData({ ...data, nTrain: m, trainX: x, trainY: y });
		this.fit = new TestSet({ ...data, nTest: m, testX: x, testY: y });
	}
	dispose() {
		this.train.dispose();
		this.fit.dispose();
	}
}

export type DescentHooks = {
	onResult?: (r: DescentResult) => void | Promise<void>;
	/** fraction of the plan's training work done */
	onProgress?: (fraction: number) => void | Promise<void>;
	shouldStop?: () => boolean;
	waitWhilePaused?: () => Promise<void>;
	interrupt?: () => boolean | Promise<boolean>;
};

/** Steps between progress reports (and pause points) within one run. */
const CHUNK = 250;

/** The noisy training sets of a plan, built once per size (a run on 1,000 digits and one on 2,000 need two). */
export class NoisySets {
	readonly #sets = new Map<number, NoisyTrainSet>();
	constructor(private readonly data: Mnist) {}
	get(n: number): NoisyTrainSet {
		let set = this.#sets.get(n);
		if (!set) this.#sets.set(n, (set = new NoisyTrainSet(this.data, n)));
		return set;
	}
	dispose() {
		for (const s of this.#sets.values()) s.dispose();
		this.#sets.clear();
	}
}

/** Train and score one net; `onSteps` hears the steps done every CHUNK. Null if stopped. */
export async function trainDescentRun(
	run: DescentRun,
	sets: NoisySets,
	test: TestSet,
	hooks: Pick<DescentHooks, 'shouldStop' | 'waitWhilePaused' | 'interrupt'> = {},
	onSteps?: (done: number) => void | Promise<void>
): Promise<DescentResult | null> {
	const set = sets.get(run.nTrain);
	const t0 = performance.now();
	const trainer = new BatchedTrainer({ width: run.width, depth: DESCENT.depth, residual: false, batchSize: DESCENT.batchSize }, [{ seed: run.seed, learningRate: DESCENT.learningRate, nTrain: set.train.n }], set.train);
	try {
		let nonFinite = false;
		while (trainer.step < DESCENT.steps) {
			await hooks.waitWhilePaused?.();
			if (hooks.shouldStop?.()) return null;
			const want = Math.min(CHUNK, DESCENT.steps - trainer.step);
			const { steps, meanLoss } = await trainer.train(want, hooks.interrupt);
			if (!Number.isFinite(meanLoss[0])) nonFinite = true;
			if (steps < want) return null;
			await onSteps?.(trainer.step);
		}
		const fit = await trainer.evaluate(set.fit);
		const ev = await trainer.evaluate(test);
		return { ...run, trainAccuracy: fit.accuracy[0], testAccuracy: ev.accuracy[0], testLoss: ev.testLoss[0], nonFinite, ms: performance.now() - t0 };
	} finally {
		trainer.dispose();
	}
}

/** A lane that trains one net (./common.ts `Lane`): here, or in a helper worker. */
export type DescentLane = Lane<DescentRun, DescentResult>;

/**
 * Train and score every run not skipped, in order, reporting each as it is scored. `helperLanes` (given
 * the runs to train) adds lanes that share them with this thread. Returns whether it was stopped.
 */
export async function runDescent(
	runs: readonly DescentRun[],
	data: Mnist,
	test: TestSet,
	hooks: DescentHooks = {},
	skip: (id: string) => boolean = () => false,
	helperLanes: (todo: readonly DescentRun[]) => DescentLane[] = () => []
): Promise<{ stopped: boolean }> {
	const todo = runs.filter((r) => !skip(r.id));
	const sets = new NoisySets(data);
	try {
		return await shareWork(todo, (r) => ({ cost: descentWork(r), steps: DESCENT.steps }), (run, onSteps) => trainDescentRun(run, sets, test, hooks, onSteps), helperLanes(todo), {
			onDone: (_run, r) => hooks.onResult?.(r),
			onProgress: (fraction) => hooks.onProgress?.(fraction),
			shouldStop: hooks.shouldStop
		});
	} finally {
		sets.dispose();
	}
}
