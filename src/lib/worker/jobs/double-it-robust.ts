// Worker job for the "Double it" essay's robustness and learning-rate-drift panels: train a plan of
// nets at the grid's baseline (one at a time), and score each as it finishes (test and held-out
// accuracy; for the measured ones, weight noise and surgery), so the page shows partial results.
import { ctx } from '../context';
import type { TestSet } from '../../ml/test-set';
import { type RobustResult, type RobustRun, heldOutSet, runRobust } from '../../ml/experiments/double-it-robust';

export type RobustEvent = { kind: 'result'; result: RobustResult } | { kind: 'progress'; fraction: number; run: string };

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
				const r = await runRobust(
					runs,
					ctx.trainSet(),
					ctx.testSet(),
					heldOut,
					{
						onResult: async (res) => {
							known.add(res.id);
							await onEvent({ kind: 'result', result: res });
						},
						onProgress: (fraction, r) => onEvent({ kind: 'progress', fraction, run: r.id }),
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
