// Worker job for the "Double it" essay's robustness and learning-rate-drift panels: train a plan of
// nets at the grid's baseline, and score each as it finishes (test and held-out accuracy; for the
// measured ones, weight noise and surgery), so the page shows partial results. On wasm and cpu a plan
// is shared with helper workers on the machine's other cores (./double-it-helpers), one net at a time.
import { ctx } from '../context';
import type { TestSet } from '../../ml/test-set';
import { type RobustLane, type RobustResult, type RobustRun, heldOutSet, runCost, runRobust } from '../../ml/experiments/double-it-robust';
import { planHelpers } from './double-it-helpers';

export type RobustEvent =
	| { kind: 'result'; result: RobustResult }
	| { kind: 'progress'; fraction: number; run: string }
	/** how many workers share the plan now (this one and the helpers alive); only when helpers were started */
	| { kind: 'workers'; count: number };

/** The held-out training digits as tensors, built once per backend (dropped when the backend changes). */
let heldOut: TestSet | null = null;
ctx.onBackendChange(() => (heldOut = null));

export const doubleItRobustJob = {
	/** Train and score every run of `runs`. Pausable, cancellable; restarts from the seeds after a lost device. */
	async train(runId: number, runs: RobustRun[], onEvent: (e: RobustEvent) => void | Promise<void>): Promise<{ stopped: boolean }> {
		const known = new Set<string>();
		return ctx.run(runId, (run) =>
			ctx.retryOnDeviceLost(run, async (moved) => {
				heldOut ??= heldOutSet(ctx.data);
				const hooks = {
					onResult: async (res: RobustResult) => {
						known.add(res.id);
						await onEvent({ kind: 'result', result: res });
					},
					onProgress: (fraction: number, r: RobustRun) => onEvent({ kind: 'progress', fraction, run: r.id }),
					shouldStop: () => run.shouldStop() || moved(),
					waitWhilePaused: run.waitWhilePaused,
					interrupt: async () => (await run.interrupt()) || moved()
				};
				const helpers = planHelpers(
					(t: RobustRun) => runCost(t.setting),
					{ ...hooks, held: run.held },
					hooks.shouldStop,
					(count) => void onEvent({ kind: 'workers', count }),
					(lane): RobustLane => (one, steps) => lane(one.id, (api) => api.trainRobust(one), steps)
				);
				try {
					const r = await runRobust(runs, ctx.trainSet(), ctx.testSet(), heldOut, hooks, (id) => known.has(id), helpers.lanes);
					return moved() ? null : r;
				} finally {
					helpers.close();
				}
			})
		);
	}
};
