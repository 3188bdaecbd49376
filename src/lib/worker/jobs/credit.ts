// Worker job for the credit-assignment essay: the race (backprop vs ES vs GA at equal compute), the
// cosine between the ES estimate and the true gradient, the width sweep and the compute-to-target
// study. Nothing is kept between calls except the digit tensors and the sweep's finished points
// (reused when the sweep reruns).
import { ctx } from '../context';
import { type CosineRequest, type CosineResult, measureCosine, measureCurvature } from '../../ml/es';
import {
	CURVATURE_EXAMPLES,
	EvalSet,
	METHODS,
	STUDY_BUDGET,
	TARGETS,
	runRace,
	runToTargets,
	settingsForWidth,
	sweepPoint,
	type CurvatureRun,
	type RaceCurves,
	type RaceProgress,
	type RaceSettings,
	type SweepPoint,
	type TargetRun,
	type WidthTuning
} from '../../ml/experiments/credit';

let evalSet: EvalSet | null = null;
/** finished sweep points by settings (without width) and width */
const sweepCache = new Map<string, SweepPoint>();

// After a lost device the old tensors cannot be read or freed normally: drop the references.
ctx.onBackendChange(() => {
	evalSet = null;
	sweepCache.clear();
});

function sets() {
	const train = ctx.trainSet();
	evalSet ??= new EvalSet(train);
	return { train, test: ctx.testSet(), evalSet };
}

const sweepKey = (s: RaceSettings) => JSON.stringify({ ...s, checkpoints: 0 });

export type CreditSweepEvent = { width: number; fraction: number; point?: SweepPoint; reused?: boolean };

export type CreditTargetsRequest = { widths: number[]; seeds: number[]; settings: RaceSettings; widthTuning: WidthTuning };
/**
 * The study's progress: `starting` names the measurement now under way, `point` is a run's latest
 * checkpoint (forward passes spent); `curvature` and `run` are finished results, sent as each arrives
 * (a run with its curve, a few dozen points: the study's check reads where a run stopped).
 */
export type CreditTargetsEvent =
	| { kind: 'starting'; seed: number; width: number; step: 'curvature' | (typeof METHODS)[number] }
	| { kind: 'point'; seed: number; width: number; method: (typeof METHODS)[number]; compute: number; accuracy: number }
	| { kind: 'curvature'; curvature: CurvatureRun }
	| { kind: 'run'; run: TargetRun };

export const creditJob = {
	/** The race; every point is reported (and awaited: backpressure). Pause/step/cancel via the worker. */
	async race(runId: number, settings: RaceSettings, onPoint: (p: RaceProgress) => Promise<void> | void): Promise<{ curves: RaceCurves; stopped: boolean }> {
		// a lost device restarts the race from its seed on the next backend
		return ctx.run(runId, (run) =>
			ctx.retryOnDeviceLost(run, async (moved) => {
				const { train, test, evalSet } = sets();
				const r = await runRace(settings, train, evalSet, test, {
					onPoint,
					shouldStop: () => run.shouldStop() || moved(),
					waitWhilePaused: run.waitWhilePaused,
					interrupt: async () => (await run.interrupt()) || moved()
				});
				return moved() ? null : r;
			})
		);
	},

	/** Cosine(ES estimate, true gradient) at the seeded initial weights, for each N (nested). */
	async cosine(req: CosineRequest): Promise<CosineResult> {
		return measureCosine(req, sets().train);
	},

	/**
	 * Width sweep (backprop vs ES races + cosine per width), with per-width step sizes if given;
	 * finished widths are reused. Cancellable.
	 */
	async sweep(
		runId: number,
		settings: RaceSettings,
		widths: number[],
		tuning: WidthTuning | null,
		onEvent: (e: CreditSweepEvent) => void
	): Promise<{ cancelled: boolean; points: SweepPoint[] }> {
		// a lost device restarts the sweep from its seed on the next backend (the finished widths went with it)
		return ctx.run(runId, (run) =>
			ctx.retryOnDeviceLost(run, async (moved) => {
				const { train, test, evalSet } = sets();
				const points: SweepPoint[] = [];
				for (let i = 0; i < widths.length; i++) {
					const width = widths[i];
					const key = sweepKey(settingsForWidth(settings, width, tuning ?? undefined));
					const cached = sweepCache.get(key);
					if (cached) {
						points.push(cached);
						onEvent({ width, fraction: (i + 1) / widths.length, point: cached, reused: true });
						continue;
					}
					onEvent({ width, fraction: i / widths.length });
					const p = await sweepPoint(
						settings,
						width,
						train,
						evalSet,
						test,
						{
							shouldStop: () => run.shouldStop() || moved(),
							waitWhilePaused: run.waitWhilePaused,
							interrupt: async () => (await run.interrupt()) || moved(),
							onPoint: (e) => onEvent({ width, fraction: (i + (e.point.compute / e.budget) * 0.95) / widths.length })
						},
						undefined,
						tuning ?? undefined
					);
					if (moved()) return null;
					if (!p || run.shouldStop()) return { cancelled: true, points };
					sweepCache.set(key, p);
					points.push(p);
					onEvent({ width, fraction: (i + 1) / widths.length, point: p });
				}
				return moved() ? null : { cancelled: false, points };
			})
		);
	},

	/**
	 * The compute-to-target study as scripts/make-credit.ts runs it (same order: per seed, per width, the
	 * curvature, then each method's runToTargets at STUDY_BUDGET), every result sent as it finishes.
	 * Pausable and cancellable between and inside runs.
	 */
	async targets(
		runId: number,
		req: CreditTargetsRequest,
		onEvent: (e: CreditTargetsEvent) => void | Promise<void>
	): Promise<{ cancelled: boolean; runs: number; curvature: number }> {
		// a lost device restarts the study from its first seed on the next backend (the page clears its table)
		return ctx.run(runId, (run) =>
			ctx.retryOnDeviceLost(run, async (moved) => {
				const { train, test, evalSet } = sets();
				const stop = () => run.shouldStop() || moved();
				let runs = 0;
				let curvature = 0;
				for (const seed of req.seeds)
					for (const width of req.widths) {
						const s = { ...settingsForWidth(req.settings, width, req.widthTuning), seed };
						await run.waitWhilePaused();
						if (stop()) return moved() ? null : { cancelled: true, runs, curvature };
						await onEvent({ kind: 'starting', seed, width, step: 'curvature' });
						const c = await measureCurvature({ width, seed, examples: CURVATURE_EXAMPLES }, train);
						if (moved()) return null;
						curvature++;
						await onEvent({ kind: 'curvature', curvature: { seed, width, ...c } });
						for (const method of METHODS) {
							await run.waitWhilePaused();
							if (stop()) return moved() ? null : { cancelled: true, runs, curvature };
							await onEvent({ kind: 'starting', seed, width, step: method });
							const budget = STUDY_BUDGET[method];
							const r = await runToTargets(method, s, train, evalSet, test, TARGETS, budget, {
								interrupt: async () => (await run.interrupt()) || moved(),
								onPoint: (p) => onEvent({ kind: 'point', seed, width, method, compute: p.compute, accuracy: p.accuracy })
							});
							if (moved()) return null;
							if (r.stopped) return { cancelled: true, runs, curvature };
							runs++;
							await onEvent({ kind: 'run', run: { seed, width, method, budget, reached: r.reached, curve: r.curve } });
						}
					}
				return { cancelled: false, runs, curvature };
			})
		);
	}
};
