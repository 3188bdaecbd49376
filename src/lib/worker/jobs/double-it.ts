// Worker job for the "Double it" essay: train any plan of runs (the whole grid, one cell beside the
// baseline, or the wide nets of the "bigger learns faster" panel), one group of same-shape nets at a
// time (trained together on a GPU, one by one on wasm and cpu, where batching measured slower),
// reporting each run as it finishes so the page can show partial results. On wasm and cpu a large plan
// is shared with helper workers on the machine's other cores (./double-it-helpers).
import { ctx } from '../context';
import { type GridHooks, type GridLane, type GroupPlan, type RunResult, type EvalPoint, groupCost, netsAtOnce, runGrid } from '../../ml/experiments/double-it';
import { planHelpers } from './double-it-helpers';

export type DoubleItEvent =
	| { kind: 'run'; run: RunResult }
	| { kind: 'progress'; fraction: number; group: string; nets: number }
	| { kind: 'point'; runId: string; point: EvalPoint }
	/** how many workers share the plan now (this one and the helpers that started and are alive); only when helpers were started */
	| { kind: 'workers'; count: number };

export const doubleItJob = {
	/** Train every run of `groups`; `skip` lists run ids already known (not trained again). Pausable, cancellable. */
	async train(runId: number, groups: GroupPlan[], skip: string[], onEvent: (e: DoubleItEvent) => void | Promise<void>): Promise<{ stopped: boolean }> {
		const known = new Set(skip);
		// a lost device restarts the plan from its seeds on the next backend (runs already reported stay reported)
		return ctx.run(runId, (run) =>
			ctx.retryOnDeviceLost(run, async (moved) => {
				const hooks: GridHooks = {
					onRun: async (res) => {
						known.add(res.id);
						await onEvent({ kind: 'run', run: res });
					},
					onProgress: (fraction, g) => onEvent({ kind: 'progress', fraction, group: g.key, nets: g.runs.length }),
					onPoint: (g, i, point) => onEvent({ kind: 'point', runId: g.runs[i].id, point }),
					shouldStop: () => run.shouldStop() || moved(),
					waitWhilePaused: run.waitWhilePaused,
					interrupt: async () => (await run.interrupt()) || moved()
				};
				const backend = ctx.backend?.name ?? 'wasm';
				const helpers = planHelpers(
					groupCost,
					{ ...hooks, held: run.held },
					hooks.shouldStop!,
					(count) => void onEvent({ kind: 'workers', count }),
					(lane): GridLane => (g, steps) => lane(g.key, (api) => api.trainGroup(g), steps, (i, p) => hooks.onPoint?.(g, i, p))
				);
				try {
					const r = await runGrid(groups, ctx.trainSet(), ctx.testSet(), hooks, (id) => known.has(id), netsAtOnce(backend), helpers.lanes);
					return moved() ? null : r;
				} finally {
					helpers.close();
				}
			})
		);
	}
};
