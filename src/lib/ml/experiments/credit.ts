// The credit-assignment experiment: the same 784-h-10 MLP, the same initial weights and the same
// compute budget (forward-pass equivalents on minibatches of 128), trained three ways side by side:
//   sgd  Adam with hand-written backprop (3 per step)
//   es   OpenAI-ES: N antithetic pairs, centered ranks, Adam on the estimate (2N per generation)
//   ga   a simple GA: truncation selection, Gaussian mutation, one elite (population 2N per generation)
// plus the width sweep (the race at h ∈ SWEEP_WIDTHS, and the ES cosine at each d).
import * as tf from '@tensorflow/tfjs-core';
import { Trainer, type TrainingData, testAccuracy } from '../trainer';
import { forward, initParams, unpack } from '../model';
import { EvolutionStrategy, GeneticAlgorithm, measureCosine, measureCurvature } from '../es';
import { COST, mlpConfig, mlpParamCount } from '../es-theory';
import { buildAll, type TestSet } from './common';
import { COSINE_SIGMA, METHODS, type Method, type RaceLine, type RaceSettings } from './credit-defaults';
import { type RaceCurves, type RacePoint, type RaceProgress, SWEEP_METHODS, type SweepPoint, type WidthTuning, computeToTarget, gaPopulation, settingsForWidth } from './credit-analysis';

// Settings and names (./credit-defaults), the results' shapes, slopes and verdict (./credit-analysis)
// and the shared helpers (./common) are free of tfjs, for the page; re-exported here for the worker,
// the scripts and the tests.
export { DEFAULT_RACE, SWEEP_WIDTHS, TARGET_WIDTHS, TARGETS, STUDY_BUDGET, CURVATURE_EXAMPLES, COSINE_PAIRS, COSINE_SIGMA, METHODS, METHOD_LABEL, type Method, type RaceLine, type RaceSettings } from './credit-defaults';
export {
	SWEEP_METHODS,
	computeRatio,
	computeToTarget,
	coordinateSearch,
	studyVerdict,
	targetTable,
	finalPoint,
	gaPopulation,
	settingsForWidth,
	sweepSlopes,
	verdict,
	type AxisReport,
	type CurvatureRun,
	type TargetRun,
	type TargetStudy,
	type RaceCurves,
	type RacePoint,
	type RaceProgress,
	type SweepPoint,
	type WidthTuning
} from './credit-analysis';
export { aggregate, type Stat } from './common';
export type { CosinePoint } from '../es-theory';

export type RaceHooks = {
	/** awaited after every point (backpressure: the worker waits for the page) */
	onPoint?: (p: RaceProgress) => void | Promise<void>;
	shouldStop?: () => boolean;
	waitWhilePaused?: () => Promise<void>;
	/** between training steps or generations: may yield so a cancel or pause is read mid-checkpoint; true stops */
	interrupt?: Interrupt;
	/** which methods to run (default all) */
	methods?: readonly Method[];
};

/** Digits the loss curves are measured on: a fixed slice of the training set (never the test set). */
export class EvalSet {
	readonly x: tf.Tensor2D;
	readonly y: tf.Tensor2D;
	constructor(train: TrainingData, n = 1000) {
		const m = Math.min(n, train.n);
		this.x = tf.slice(train.x, [0, 0], [m, train.x.shape[1]]) as tf.Tensor2D;
		this.y = tf.slice(train.yOneHot, [0, 0], [m, train.yOneHot.shape[1]]) as tf.Tensor2D;
	}
	dispose() {
		tf.dispose([this.x, this.y]);
	}
}

/** Loss on the eval digits and accuracy on the test digits of a flat parameter vector. */
export async function measure(width: number, flat: tf.Tensor1D, evalSet: EvalSet, test: TestSet): Promise<{ loss: number; accuracy: number }> {
	const cfg = mlpConfig(width);
	const d = mlpParamCount(width);
	// an ES run with useless parameters carries them after the net's d: the net never reads them
	const net = flat.shape[0] > d ? (tf.slice(flat, 0, d) as tf.Tensor1D) : flat;
	try {
		const lossT = tf.tidy(() => {
			const lp = tf.logSoftmax(forward(unpack(net, cfg), evalSet.x));
			return tf.neg(tf.div(tf.sum(tf.mul(lp, evalSet.y)), evalSet.x.shape[0]));
		});
		const accuracy = await testAccuracy(cfg, net, test.x, test.labels);
		const loss = (await lossT.data())[0];
		lossT.dispose();
		return { loss, accuracy };
	} finally {
		if (net !== flat) net.dispose();
	}
}

type Runner = { compute: () => number; unit: number; advance: (units: number) => Promise<void>; flat: () => tf.Tensor1D; dispose: () => void };

type Interrupt = () => boolean | Promise<boolean>;

const repeat = (step: () => Promise<unknown>, interrupt?: Interrupt) => async (n: number) => {
	for (let i = 0; i < n; i++) {
		await step();
		if (i < n - 1 && interrupt && (await interrupt())) return;
	}
};

function makeRunner(method: RaceLine, s: RaceSettings, train: TrainingData, init: Float32Array, interrupt?: Interrupt): Runner {
	if (method === 'sgd') {
		const t = new Trainer({ ...mlpConfig(s.width), seed: s.seed, learningRate: s.sgdLearningRate, batchSize: s.batchSize, layerDrop: 0 }, train, init);
		return {
			compute: () => COST.backpropStep * t.step,
			unit: COST.backpropStep,
			advance: async (n) => void (await t.train(n, { readEvery: n, interrupt })),
			flat: () => t.params,
			dispose: () => t.dispose()
		};
	}
	if (method === 'es' || method === 'esUseless') {
		const useless = method === 'esUseless' ? s.useless : 0;
		const es = new EvolutionStrategy({ width: s.width, seed: s.seed, pairs: s.pairs, sigma: s.sigma, learningRate: s.esLearningRate, batchSize: s.batchSize, useless }, train, init);
		return { compute: () => es.compute, unit: COST.esGeneration(s.pairs), advance: repeat(() => es.step(), interrupt), flat: () => es.params, dispose: () => es.dispose() };
	}
	const ga = new GeneticAlgorithm(
		{ width: s.width, seed: s.seed, population: gaPopulation(s), sigma: s.gaSigma, parents: s.gaParents, batchSize: s.batchSize },
		train,
		init
	);
	return { compute: () => ga.compute, unit: COST.gaGeneration(gaPopulation(s)), advance: repeat(() => ga.step(), interrupt), flat: () => ga.best, dispose: () => ga.dispose() };
}

/**
 * The race: every method starts from the same seeded weights and spends the same budget; after each
 * budget/checkpoints of compute, each is measured (measurement is not charged). No method ever spends
 * more than the budget; a method whose unit does not divide the budget stops just below it. With
 * s.useless = k > 0 and ES in the race, ES also runs a second time with k useless parameters.
 */
export async function runRace(s: RaceSettings, train: TrainingData, evalSet: EvalSet, test: TestSet, hooks: RaceHooks = {}): Promise<{ curves: RaceCurves; stopped: boolean }> {
	const methods = hooks.methods ?? METHODS;
	const lines: RaceLine[] = [...methods, ...(methods.includes('es') && s.useless > 0 ? (['esUseless'] as const) : [])];
	const init = initParams(mlpConfig(s.width), s.seed);
	const built = buildAll(lines.map((m) => () => makeRunner(m, s, train, init, hooks.interrupt)));
	const runners = lines.map((m, i) => [m, built[i]] as const);
	const curves = Object.fromEntries(METHODS.map((m) => [m, [] as RacePoint[]])) as RaceCurves;
	if (lines.includes('esUseless')) curves.esUseless = [];
	let stopped = false;
	try {
		const first = await measure(s.width, runners[0][1].flat(), evalSet, test);
		for (const [m] of runners) {
			const point = { compute: 0, ...first };
			curves[m]!.push(point);
			await hooks.onPoint?.({ method: m, point, budget: s.budget });
		}
		const n = Math.max(1, Math.round(s.checkpoints));
		for (let c = 1; c <= n; c++) {
			const target = c === n ? s.budget : Math.round((s.budget * c) / n);
			await hooks.waitWhilePaused?.();
			if (hooks.shouldStop?.()) {
				stopped = true;
				break;
			}
			for (const [m, r] of runners) {
				const units = Math.min(Math.ceil((target - r.compute()) / r.unit), Math.floor((s.budget - r.compute()) / r.unit));
				if (units <= 0) continue;
				await r.advance(units);
				const point = { compute: r.compute(), ...(await measure(s.width, r.flat(), evalSet, test)) };
				curves[m]!.push(point);
				await hooks.onPoint?.({ method: m, point, budget: s.budget });
			}
		}
		return { curves, stopped };
	} finally {
		runners.forEach(([, r]) => r.dispose());
	}
}

// ---- the width sweep ----------------------------------------------------------------------------

/** One width of the sweep: its race (backprop vs ES, or `curves` already run) and its cosine. */
export async function sweepPoint(
	s: RaceSettings,
	width: number,
	train: TrainingData,
	evalSet: EvalSet,
	test: TestSet,
	hooks: RaceHooks = {},
	curves?: RaceCurves,
	tuning?: WidthTuning
): Promise<SweepPoint | null> {
	const ws = settingsForWidth(s, width, tuning);
	if (!curves) {
		const r = await runRace(ws, train, evalSet, test, { methods: SWEEP_METHODS, ...hooks });
		if (r.stopped) return null;
		curves = r.curves;
	}
	const cos = await measureCosine({ width, seed: s.seed, pairs: [s.pairs], sigma: COSINE_SIGMA, useless: 0, batchSize: s.batchSize }, train);
	const final = { sgd: curves.sgd.at(-1)!, es: curves.es.at(-1)!, ...(curves.ga.length ? { ga: curves.ga.at(-1)! } : {}) };
	return {
		width,
		d: mlpParamCount(width),
		final,
		cosine: cos.points[0].cosine,
		theory: cos.points[0].theory,
		sgdLearningRate: ws.sgdLearningRate,
		esLearningRate: ws.esLearningRate
	};
}



// ---- compute to a target accuracy ---------------------------------------------------------------

/**
 * One method from the seeded weights until its test accuracy has reached every target, or it has
 * spent `budget`. Test accuracy is measured after every ~`growth`× more compute (so backprop's first
 * few hundred forward passes are resolved as finely as ES's tens of thousands); measuring is not
 * charged. Returns the curve and, per target, the bracket [after, at] in which it was first reached
 * (null: not within the budget, "> budget"). `interrupt` (a live study's pause and cancel) is asked
 * between steps and before each stretch; when it answers true the run ends with `stopped` and a curve
 * that is cut short (its brackets then say nothing beyond it). Without it the run is the same.
 * `onPoint` sees each checkpoint after the first (a live study's progress).
 */
export async function runToTargets(
	method: Method,
	s: RaceSettings,
	train: TrainingData,
	evalSet: EvalSet,
	test: TestSet,
	targets: readonly number[],
	budget: number,
	opts: { growth?: number; interrupt?: Interrupt; onPoint?: (p: RacePoint) => void | Promise<void> } = {}
): Promise<{ curve: RacePoint[]; reached: ({ after: number; at: number } | null)[]; stopped: boolean }> {
	const growth = opts.growth ?? 1.1;
	let stopped = false;
	const ask = opts.interrupt;
	// remembers a stop asked inside a stretch, where the runner only ends the stretch early
	const interrupt: Interrupt | undefined = ask && (async () => (stopped ||= await ask()));
	const init = initParams(mlpConfig(s.width), s.seed);
	const r = makeRunner(method, { ...s, useless: 0 }, train, init, interrupt);
	const curve: RacePoint[] = [];
	try {
		curve.push({ compute: 0, ...(await measure(s.width, r.flat(), evalSet, test)) });
		while (r.compute() + r.unit <= budget && !targets.every((t) => curve.some((p) => p.accuracy >= t))) {
			if (interrupt && (await interrupt())) break;
			const next = Math.min(budget, Math.max(r.compute() + r.unit, Math.round(r.compute() * growth)));
			const units = Math.max(1, Math.floor((next - r.compute()) / r.unit));
			await r.advance(units);
			if (stopped) break;
			curve.push({ compute: r.compute(), ...(await measure(s.width, r.flat(), evalSet, test)) });
			await opts.onPoint?.(curve.at(-1)!);
		}
		return { curve, reached: targets.map((t) => computeToTarget(curve, t)), stopped };
	} finally {
		r.dispose();
	}
}
