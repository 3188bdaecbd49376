// Worker job for the "Double it" essay's double-descent panel: train a plan of plain nets on noisy
// labels, reporting each as it is scored so the page can draw the curve as it grows. On wasm and cpu a
// plan is shared with helper workers on the machine's other cores (./double-it-helpers), one net at a time.
import { ctx } from '../context';
import { type DescentLane, type DescentResult, type DescentRun, descentWork, runDescent } from '../../ml/experiments/double-it-descent';
import { planHelpers } from './double-it-helpers';

export type DescentEvent =
	| { kind: 'result'; result: DescentResult }
	| { kind: 'progress'; fraction: number }
	/** how many workers share the plan now (this one and the helpers alive); only when helpers were started */
	| { kind: 'workers'; count: number };

export const doubleItDescentJob = {
	/** Train and score every run of `runs`. Pausable, cancellable; restarts from the seeds after a lost device. */
	async train(runId: number, runs: DescentRun[], onEvent: (e: DescentEvent) => void | Promise<void>): Promise<{ stopped: boolean }> {
		const known = new Set<string>();
		return ctx.run(runId, (run) =>
			ctx.retryOnDeviceLost(run, async (moved) => {
				const hooks = {
					onResult: async (res: DescentResult) => {
						known.add(res.id);
						await onEvent({ kind: 'result', result: res });
					},
					onProgress: (fraction: number) => onEvent({ kind: 'progress', fraction }),
					shouldStop: () => run.shouldStop() || moved(),
					waitWhilePaused: run.waitWhilePaused,
					interrupt: async () => (await run.interrupt()) || moved()
				};
				const helpers = planHelpers(
					// descentWork counts multiply-adds per training example and step; a training step costs ~6 FLOPs per weight
					(t: DescentRun) => 6 * descentWork(t),
					{ ...hooks, held: run.held },
					hooks.shouldStop,
					(count) => void onEvent({ kind: 'workers', count }),
					(lane): DescentLane => (one, steps) => lane(one.id, (api) => api.trainDescent(one), steps)
				);
				try {
					const r = await runDescent(runs, ctx.data, ctx.testSet(), hooks, (id) => known.has(id), helpers.lanes);
					return moved() ? null : r;
				} finally {
					helpers.close();
				}
			})
		);
	}
};
