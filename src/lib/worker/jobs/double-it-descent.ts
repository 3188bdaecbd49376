// Worker job for the "Double it" essay's double-descent panel: train a plan of plain nets on noisy
// labels, one at a time, reporting each as it is scored so the page can draw the curve as it grows.
import { ctx } from '../context';
import { type DescentResult, type DescentRun, runDescent } from '../../ml/experiments/double-it-descent';

export type DescentEvent = { kind: 'result'; result: DescentResult } | { kind: 'progress'; fraction: number };

export const doubleItDescentJob = {
	/** Train and score every run of `runs`. Pausable, cancellable; restarts from the seeds after a lost device. */
	async train(runId: number, runs: DescentRun[], onEvent: (e: DescentEvent) => void | Promise<void>): Promise<{ stopped: boolean }> {
		const known = new Set<string>();
		return ctx.run(runId, (run) =>
			ctx.retryOnDeviceLost(run, async (moved) => {
				const r = await runDescent(
					runs,
					ctx.data,
					ctx.testSet(),
					{
						onResult: async (res) => {
							known.add(res.id);
							await onEvent({ kind: 'result', result: res });
						},
						onProgress: (fraction) => onEvent({ kind: 'progress', fraction }),
						shouldStop: () => run.shouldStop() || moved(),
						waitWhilePaused: run.waitWhilePaused,
						interrupt: async () => (await run.interrupt()) || moved()
					},
					(id) => known.has(id)
				);
				return moved() ? null : r;
			})
		);
	}
};
