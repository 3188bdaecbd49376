// The "Double it" experiment: train the grid's runs, one batched group of same-shape nets at a time
// (../batched.ts), reading each run's test accuracy and loss at its evaluation steps.
import { BatchedTrainer } from '../batched';
import type { TrainingData } from '../trainer';
import { type Lane, type TestSet, shareWork } from './common';
import { type GroupPlan, groupCost, trainFlops } from './double-it-defaults';
import type { EvalPoint, RunResult } from './double-it-analysis';

export * from './double-it-defaults';
export * from './double-it-analysis';

export type GridHooks = {
	/** a run finished (awaited: backpressure) */
	onRun?: (r: RunResult) => void | Promise<void>;
	/** fraction of the grid's training FLOPs done (awaited) */
	onProgress?: (fraction: number, group: GroupPlan) => void | Promise<void>;
	/** a point of a group's curves as it trains (for a live curve) */
	onPoint?: (group: GroupPlan, runIndex: number, p: EvalPoint) => void | Promise<void>;
	shouldStop?: () => boolean;
	waitWhilePaused?: () => Promise<void>;
	interrupt?: () => boolean | Promise<boolean>;
};

/** Train one group to its longest eval step, reading every run's curve. Null if stopped. */
export async function trainGroup(g: GroupPlan, train: TrainingData, test: TestSet, hooks: GridHooks = {}, onSteps?: (done: number) => void | Promise<void>): Promise<RunResult[] | null> {
	const s0 = g.runs[0].setting;
	const t0 = performance.now();
	const trainer = new BatchedTrainer(
		{ width: s0.width, depth: s0.depth, residual: s0.residual, batchSize: s0.batchSize },
		g.runs.map((r) => ({ seed: r.seed, learningRate: r.setting.learningRate, nTrain: Math.min(r.setting.nTrain, train.n), naiveStd: r.setting.naiveStd })),
		train
	);
	try {
		const stops = [...new Set(g.runs.flatMap((r) => r.evalSteps))].sort((a, b) => a - b);
		const curves: EvalPoint[][] = g.runs.map(() => []);
		const nonFinite = g.runs.map(() => false);
		for (const target of stops) {
			await hooks.waitWhilePaused?.();
			if (hooks.shouldStop?.()) return null;
			const { steps, meanLoss } = await trainer.train(target - trainer.step, hooks.interrupt);
			if (trainer.step < target) return null;
			meanLoss.forEach((l, i) => {
				if (!Number.isFinite(l)) nonFinite[i] = true;
			});
			const ev = await trainer.evaluate(test);
			for (let i = 0; i < g.runs.length; i++) {
				if (!g.runs[i].evalSteps.includes(target)) continue;
				const p = { step: target, accuracy: ev.accuracy[i], testLoss: ev.testLoss[i] };
				curves[i].push(p);
				await hooks.onPoint?.(g, i, p);
			}
			void steps;
			await onSteps?.(trainer.step);
		}
		const ms = performance.now() - t0;
		return g.runs.map((r, i) => ({ id: r.id, seed: r.seed, curve: curves[i], nonFinite: nonFinite[i], flops: trainFlops(r.setting), ms: ms / g.runs.length }));
	} finally {
		trainer.dispose();
	}
}

/**
 * Groups of at most `maxNets` nets each. On wasm, training K nets at once was slower than one after
 * another in `npm run bench:double-it` (ratio 0.85 for a grid row of K = 3, 0.46 for K = 24): tfjs-wasm
 * has no fast batched matMul, so there each net trains alone.
 */
export function splitGroups(groups: readonly GroupPlan[], maxNets: number): GroupPlan[] {
	const n = Math.max(1, Math.floor(maxNets));
	return groups.flatMap((g) => {
		const out: GroupPlan[] = [];
		for (let i = 0; i < g.runs.length; i += n) out.push({ key: g.runs.length > n ? `${g.key}/${i / n}` : g.key, runs: g.runs.slice(i, i + n) });
		return out;
	});
}

/**
 * How many nets to train at once on a backend: all of a group on a GPU (on webgpu through the fused
 * kernels, the dispatches of one net for all of them), one at a time on wasm/cpu.
 */
export function netsAtOnce(backend: string): number {
	return backend === 'wasm' || backend === 'cpu' ? 1 : Infinity;
}

/**
 * A lane trains one group wherever it runs: the local lane is `trainGroup` in this thread, another may be
 * a helper worker. Resolves with the group's runs, or null if the run was stopped; rejects if the lane
 * itself failed (a helper that died), and then its group is trained again elsewhere.
 */
export type GridLane = Lane<GroupPlan, RunResult[]>;

/**
 * Train every group in order; finished runs are reported as they arrive. Returns whether it was stopped.
 * `helperLanes` (given the groups to train) adds lanes that share the groups with the local one.
 */
export async function runGrid(
	groups: readonly GroupPlan[],
	train: TrainingData,
	test: TestSet,
	hooks: GridHooks = {},
	skip: (runId: string) => boolean = () => false,
	maxNets = Infinity,
	helperLanes: (todo: readonly GroupPlan[]) => GridLane[] = () => []
): Promise<{ stopped: boolean }> {
	const todo = splitGroups(
		groups.map((g) => ({ ...g, runs: g.runs.filter((r) => !skip(r.id)) })).filter((g) => g.runs.length > 0),
		maxNets
	);
	const local: GridLane = (g, onSteps) => trainGroup(g, train, test, hooks, onSteps);
	return shareGroups(todo, local, helperLanes(todo), hooks);
}

/**
 * Hand `todo`'s groups, in order, to whichever lane is free (`shareWork` in ./common.ts): a failed
 * helper's group goes back to the queue, progress is the share of the training FLOPs done over all
 * lanes, and each group's runs are reported as it finishes. With the local lane alone this is the plain
 * loop: each group in turn, its runs reported before the next starts.
 */
export function shareGroups(
	todo: readonly GroupPlan[],
	local: GridLane,
	helpers: readonly GridLane[],
	hooks: Pick<GridHooks, 'onRun' | 'onProgress' | 'shouldStop'> = {}
): Promise<{ stopped: boolean }> {
	return shareWork(todo, (g) => ({ cost: groupCost(g), steps: Math.max(...g.runs.map((r) => r.setting.steps)) }), local, helpers, {
		onDone: async (_g, results) => {
			for (const r of results) await hooks.onRun?.(r);
		},
		onProgress: hooks.onProgress,
		shouldStop: hooks.shouldStop
	});
}
