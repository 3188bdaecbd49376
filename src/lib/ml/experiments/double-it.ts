// The "Double it" experiment: train the grid's runs, one batched group of same-shape nets at a time
// (../batched.ts), reading each run's test accuracy and loss at its evaluation steps.
import { BatchedTrainer } from '../batched';
import type { TrainingData } from '../trainer';
import type { TestSet } from './common';
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
export type GridLane = (group: GroupPlan, onSteps: (done: number) => void | Promise<void>) => Promise<RunResult[] | null>;

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
 * Hand `todo`'s groups, in order, to whichever lane is free. A helper lane that fails is dropped and its
 * group goes back to the front of the queue; the local lane's errors are the run's. Progress is the share
 * of the training FLOPs done over all lanes. Once a lane answers null (stopped), no group is handed out
 * any more and, when every lane has settled, the result says stopped. With the local lane alone this is
 * the plain loop: each group in turn, its runs reported before the next starts.
 */
export async function shareGroups(
	todo: readonly GroupPlan[],
	local: GridLane,
	helpers: readonly GridLane[],
	hooks: Pick<GridHooks, 'onRun' | 'onProgress' | 'shouldStop'> = {}
): Promise<{ stopped: boolean }> {
	const total = todo.reduce((a, g) => a + groupCost(g), 0) || 1;
	const queue = [...todo];
	let done = 0;
	/** FLOPs done so far in the groups being trained now */
	const going = new Map<GroupPlan, number>();
	let stopped = false;
	/** set once the local lane failed: the run is over, whatever the helpers still do */
	let ended = false;
	let waiters: (() => void)[] = [];
	const changed = () => new Promise<void>((resolve) => waiters.push(resolve));
	const notify = () => {
		const w = waiters;
		waiters = [];
		w.forEach((f) => f());
	};
	const lane = async (train: GridLane, isLocal: boolean) => {
		for (;;) {
			if (stopped || ended) return;
			const g = queue.shift();
			if (!g) {
				// a helper's group may still come back to the queue
				if (going.size === 0) return;
				await changed();
				continue;
			}
			if (hooks.shouldStop?.()) {
				queue.unshift(g);
				stopped = true;
				notify();
				return;
			}
			const cost = groupCost(g);
			const longest = Math.max(...g.runs.map((r) => r.setting.steps));
			let live = true;
			going.set(g, 0);
			let results: RunResult[] | null;
			try {
				results = await train(g, (steps) => {
					if (!live || ended) return;
					going.set(g, (cost * steps) / longest);
					let inFlight = 0;
					for (const f of going.values()) inFlight += f;
					return hooks.onProgress?.((done + inFlight) / total, g);
				});
			} catch (e) {
				live = false;
				going.delete(g);
				if (isLocal) throw e;
				queue.unshift(g);
				notify();
				return;
			}
			live = false;
			going.delete(g);
			if (ended) return;
			if (!results) {
				stopped = true;
				notify();
				return;
			}
			done += cost;
			if (!stopped) for (const r of results) await hooks.onRun?.(r);
			notify();
		}
	};
	// the first error of the local lane (or of reporting a result) ends the run at once; a helper still
	// training then finishes or is terminated by its owner, and whatever it answers is ignored
	let fail: (e: unknown) => void = () => {};
	const failed = new Promise<never>((_, reject) => (fail = reject));
	const guard = (p: Promise<void>) =>
		p.catch((e) => {
			ended = true;
			notify();
			fail(e);
		});
	await Promise.race([Promise.all([guard(lane(local, true)), ...helpers.map((h) => guard(lane(h, false)))]), failed]);
	return { stopped };
}
