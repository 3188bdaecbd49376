// Worker job for the "Double it" essay: train any plan of runs (the whole grid, one cell beside the
// baseline, or the wide nets of the "bigger learns faster" panel), one group of same-shape nets at a
// time (trained together on a GPU, one by one on wasm and cpu, where batching measured slower),
// reporting each run as it finishes so the page can show partial results.
import { ctx } from '../context';
import { type GroupPlan, type RunResult, type EvalPoint, netsAtOnce, runGrid } from '../../ml/experiments/double-it';

export type DoubleItEvent =
	| { kind: 'run'; run: RunResult }
	| { kind: 'progress'; fraction: number; group: string; nets: number }
	| { kind: 'point'; runId: string; point: EvalPoint };

export const doubleItJob = {
	/** Train every run of `groups`; `skip` lists run ids already known (not trained again). Pausable, cancellable. */
	async train(runId: number, groups: GroupPlan[], skip: string[], onEvent: (e: DoubleItEvent) => void | Promise<void>): Promise<{ stopped: boolean }> {
		const known = new Set(skip);
		// a lost device restarts the plan from its seeds on the next backend (runs already reported stay reported)
		return ctx.run(runId, (run) =>
			ctx.retryOnDeviceLost(run, async (moved) => {
				const r = await runGrid(
					groups,
					ctx.trainSet(),
					ctx.testSet(),
					{
						onRun: async (res) => {
							known.add(res.id);
							await onEvent({ kind: 'run', run: res });
						},
						onProgress: (fraction, g) => onEvent({ kind: 'progress', fraction, group: g.key, nets: g.runs.length }),
						onPoint: (g, i, point) => onEvent({ kind: 'point', runId: g.runs[i].id, point }),
						shouldStop: () => run.shouldStop() || moved(),
						waitWhilePaused: run.waitWhilePaused,
						interrupt: async () => (await run.interrupt()) || moved()
					},
					(id) => known.has(id),
					netsAtOnce(ctx.backend?.name ?? 'wasm')
				);
				return moved() ? null : r;
			})
		);
	}
};
