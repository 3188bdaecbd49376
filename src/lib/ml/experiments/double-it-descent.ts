// Double descent: train the plan's nets one at a time on the first n training digits with a fifth of
// their labels wrong (./double-it-descent-defaults.ts), and score each on the labels it was trained on
// (does it fit them?) and on the clean test digits.
import type { Mnist } from '../data';
import { IMAGE_SIZE } from '../data';
import { BatchedTrainer } from '../batched';
import { TrainingData } from '../trainer';
import { TestSet } from '../test-set';
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

/** Train and score every run not skipped; returns whether it was stopped. */
export async function runDescent(runs: readonly DescentRun[], data: Mnist, test: TestSet, hooks: DescentHooks = {}, skip: (id: string) => boolean = () => false): Promise<{ stopped: boolean }> {
	const todo = runs.filter((r) => !skip(r.id));
	const total = todo.reduce((a, r) => a + descentWork(r), 0) || 1;
	const sets = new Map<number, NoisyTrainSet>();
	let done = 0;
	try {
		for (const run of todo) {
			let set = sets.get(run.nTrain);
			if (!set) sets.set(run.nTrain, (set = new NoisyTrainSet(data, run.nTrain)));
			const t0 = performance.now();
			const trainer = new BatchedTrainer({ width: run.width, depth: DESCENT.depth, residual: false, batchSize: DESCENT.batchSize }, [{ seed: run.seed, learningRate: DESCENT.learningRate, nTrain: set.train.n }], set.train);
			try {
				let nonFinite = false;
				while (trainer.step < DESCENT.steps) {
					await hooks.waitWhilePaused?.();
					if (hooks.shouldStop?.()) return { stopped: true };
					const want = Math.min(CHUNK, DESCENT.steps - trainer.step);
					const { steps, meanLoss } = await trainer.train(want, hooks.interrupt);
					if (!Number.isFinite(meanLoss[0])) nonFinite = true;
					if (steps < want) return { stopped: true };
					await hooks.onProgress?.((done + (descentWork(run) * trainer.step) / DESCENT.steps) / total);
				}
				const fit = await trainer.evaluate(set.fit);
				const ev = await trainer.evaluate(test);
				done += descentWork(run);
				await hooks.onResult?.({ ...run, trainAccuracy: fit.accuracy[0], testAccuracy: ev.accuracy[0], testLoss: ev.testLoss[0], nonFinite, ms: performance.now() - t0 });
			} finally {
				trainer.dispose();
			}
		}
		return { stopped: false };
	} finally {
		for (const s of sets.values()) s.dispose();
	}
}
