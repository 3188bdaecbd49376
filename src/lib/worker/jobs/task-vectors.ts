// Worker job for the task-vector essay: hold a base and its fine-tunes as parameter vectors, fine-tune
// live, and score merged models θ0 + λA·τA + λB·τB + λr·r + λg·g + λo·τo (one model per slider move; the λ-grid
// and the λ-curves batched; the verdict's held-out λ choice and paired tests on all test digits). Evaluators (tensors) are rebuilt on demand, e.g. after a lost GPU device.
import { ctx, type RunHooks } from '../context';
import { fetchCheckpoint } from './checkpoint-file';
import { DOMAINS, taskSplit } from '../../ml/domains';
import { MergeEvaluator, TV_NET } from '../../ml/task-vectors';
import {
	CURVE_LAMBDAS,
	FIGURE_DIGITS,
	GRID_LAMBDAS,
	HOLDOUT,
	SAMPLES_PER_DOMAIN,
	Stopped,
	curveCoeffs,
	curvesFrom,
	directions,
	domainEvalSet,
	fineTune,
	genericTrain,
	measureVerdict,
	gridCoeffs,
	gridFrom,
	linearProbe,
	otherTask,
	multitask,
	multitaskAll,
	sampleRows,
	toDomainAcc,
	trainBase,
	vectorStats,
	vectorsFor,
	type BaseKind,
	type CurvePoint,
	type Curves,
	type DomainAcc,
	type Grid,
	type Progress,
	type Task,
	type TaskVectorSettings,
	type VectorStats,
	type VerdictData,
	type Vectors
} from '../../ml/experiments/task-vectors';

type Pair = { a: Task; b: Task };

let base: Float32Array | null = null;
/** the base trained further on its own mix for one fine-tune's steps (the generic-training control) */
let generic: Float32Array | null = null;
const fts = new Map<Task, Float32Array>();
let pair: Pair | null = null;
let vectors: Vectors | null = null;
let randomSeed = 1;
let evalTest: MergeEvaluator | null = null;
let evalFigure: MergeEvaluator | null = null;
let evalHold: MergeEvaluator | null = null;
const shippedCache = new Map<string, Float32Array>();

// After a lost device the old tensors cannot be read or freed normally: drop the references.
ctx.onBackendChange(() => {
	evalTest = null;
	evalFigure = null;
	evalHold = null;
});

function split() {
	return taskSplit(ctx.data, HOLDOUT);
}

function dropEvaluators() {
	evalTest?.dispose();
	evalFigure?.dispose();
	evalHold?.dispose();
	evalTest = null;
	evalFigure = null;
	evalHold = null;
}

function setPair(p: Pair) {
	if (!base || !generic) throw new Error('no base model loaded');
	const ta = fts.get(p.a);
	const tb = fts.get(p.b);
	if (!ta || !tb) throw new Error(`no fine-tune for ${!ta ? p.a : p.b}`);
	dropEvaluators();
	pair = { ...p };
	vectors = vectorsFor(base, ta, tb, generic, randomSeed, fts.get(otherTask(p.a, p.b)) ?? null);
}

function evaluator(which: 'test' | 'figure' | 'holdout'): MergeEvaluator {
	if (!base || !vectors) throw new Error('no task vectors yet');
	const s = split();
	const dirs = directions(vectors);
	if (which === 'test') {
		evalTest ??= new MergeEvaluator(TV_NET, base, dirs, domainEvalSet(s.test, s.test.n));
		return evalTest;
	}
	if (which === 'holdout') {
		evalHold ??= new MergeEvaluator(TV_NET, base, dirs, domainEvalSet(s.holdout, s.holdout.n));
		return evalHold;
	}
	evalFigure ??= new MergeEvaluator(TV_NET, base, dirs, domainEvalSet(s.test, FIGURE_DIGITS));
	return evalFigure;
}

async function accOf(theta: Float32Array): Promise<DomainAcc> {
	const s = split();
	const ev = new MergeEvaluator(TV_NET, theta, [], domainEvalSet(s.test, s.test.n));
	try {
		return toDomainAcc((await ev.accuracies([[]])).acc[0]);
	} finally {
		ev.dispose();
	}
}

async function fetchParams(url: string): Promise<Float32Array> {
	const hit = shippedCache.get(url);
	if (hit) return hit;
	// every task-vector net is TV_NET exactly
	const { params } = await fetchCheckpoint(url, { residual: TV_NET.residual, depth: [TV_NET.depth, TV_NET.depth], width: [TV_NET.width, TV_NET.width] });
	shippedCache.set(url, params);
	return params;
}

export type TvTrainRequest = {
	settings: TaskVectorSettings;
	kind: BaseKind;
	tasks: Pair;
	/** train a new base first (narrow base, another seed); otherwise fine-tune the current base */
	trainBase: boolean;
	/** also run the baselines: multi-task training with the fine-tunes' compute, linear probes */
	baselines: boolean;
};
export type TvBaselines = { multitask: DomainAcc | null; multitask4: DomainAcc | null; probe: Partial<Record<Task, number>> };
export type TvTrainResult = {
	cancelled: boolean;
	curves: Record<string, CurvePoint[]>;
	baselines: TvBaselines | null;
};
export type TvSummary = { base: DomainAcc; ftA: DomainAcc; ftB: DomainAcc; generic: DomainAcc; stats: VectorStats };

export const taskVectorsJob = {
	/** Load the shipped base and fine-tunes (by URL prefix, ending in '/'), and select a task pair. */
	async loadShipped(prefix: string, p: Pair, seed: number): Promise<void> {
		const tasks = [p.a, p.b, otherTask(p.a, p.b)];
		const [b, g, ...ts] = await Promise.all([fetchParams(`${prefix}base.nrsc`), fetchParams(`${prefix}generic.nrsc`), ...tasks.map((t) => fetchParams(`${prefix}ft-${t}.nrsc`))]);
		base = b;
		generic = g;
		fts.clear();
		tasks.forEach((t, i) => fts.set(t, ts[i]));
		randomSeed = seed;
		setPair(p);
	},

	/** Which tasks have a fine-tune on the current base (a task change needs no training if both do). */
	available(): Task[] {
		return [...fts.keys()];
	},

	selectPair(p: Pair): void {
		setPair(p);
	},

	/** One merged model: per-domain accuracy on all test digits, and predictions for the sample digits. */
	async evaluate(la: number, lb: number, lr: number, lg: number, lo = 0): Promise<{ acc: DomainAcc; predictions: number[] }> {
		const ev = evaluator('test');
		const { acc, predictions } = await ev.accuracies([[la, lb, lr, lg, 0, lo]], sampleRows(ev.n / DOMAINS.length, SAMPLES_PER_DOMAIN));
		return { acc: toDomainAcc(acc[0]), predictions };
	},

	/** Accuracy against λ (sum, each vector alone, the random control), batched, on the figure digits. */
	async curves(): Promise<Curves> {
		return curvesFrom(CURVE_LAMBDAS, (await evaluator('figure').accuracies(curveCoeffs(CURVE_LAMBDAS))).acc);
	},

	/** The λ-plane: all GRID_LAMBDAS² models in one batched evaluation; returns the time it took. */
	async grid(): Promise<Grid & { ms: number; models: number }> {
		const ev = evaluator('figure');
		const t0 = performance.now();
		const coeffs = gridCoeffs(GRID_LAMBDAS);
		const g = gridFrom(GRID_LAMBDAS, (await ev.accuracies(coeffs)).acc);
		return { ...g, ms: performance.now() - t0, models: coeffs.length };
	},

	async summary(): Promise<TvSummary> {
		if (!base || !pair || !vectors || !generic) throw new Error('no task vectors yet');
		const ev = evaluator('test');
		const stats = vectorStats(vectors);
		// θ_gen itself is g scaled back to its own length (same batch, no second evaluator)
		const { acc } = await ev.accuracies([
			[0, 0, 0],
			[1, 0, 0],
			[0, 1, 0],
			[0, 0, 0, stats.normA > 0 ? stats.normGen / stats.normA : 0]
		]);
		return { base: toDomainAcc(acc[0]), ftA: toDomainAcc(acc[1]), ftB: toDomainAcc(acc[2]), generic: toDomainAcc(acc[3]), stats };
	},

	/** The verdict's measurements: λ per direction on the held-out digits, paired tests on all test digits. */
	async verdictData(): Promise<VerdictData> {
		if (!pair) throw new Error('no task vectors yet');
		const d = await measureVerdict(evaluator('holdout'), evaluator('test'), pair.a, pair.b);
		return { ...d, holdoutSum: undefined };
	},

	/**
	 * Train live: optionally a new base, then a fine-tune per task (the task vectors become the reader's own),
	 * then optionally the baselines. Pausable and cancellable through ctx; progress per chunk.
	 */
	async train(runId: number, req: TvTrainRequest, stepsPerUpdate: number, onProgress: (p: Progress) => void): Promise<TvTrainResult> {
		// a lost device restarts the whole run from its seed on the next backend
		return ctx.run(runId, (run) => ctx.retryOnDeviceLost(run, (moved) => trainRun(run, req, onProgress, moved)), stepsPerUpdate);
	}
};

/** One attempt at a live training run (the body of `taskVectorsJob.train`); null when the device went under it. */
async function trainRun(run: RunHooks, req: TvTrainRequest, onProgress: (p: Progress) => void, moved: () => boolean): Promise<TvTrainResult | null> {
	const s = split();
	const hooks = {
		shouldStop: () => run.shouldStop() || moved(),
		waitWhilePaused: run.waitWhilePaused,
		interrupt: async () => (await run.interrupt()) || moved(),
		chunk: run.chunk
	};
	const tasks: Task[] = [req.tasks.a, req.tasks.b];
	// the third task's fine-tune is the other-task control (λo); the baselines are for the two tasks only
	const fineTuned: Task[] = [...tasks, otherTask(req.tasks.a, req.tasks.b)];
	// the four-domain multi-task baseline only on the generalist base (the narrow one never saw those domains)
	const all4 = req.baselines && req.kind === 'generalist';
	const total = (req.trainBase ? req.settings.baseSteps : 0) + (fineTuned.length + 1) * req.settings.ftSteps + (req.baselines ? 2 * req.settings.ftSteps : 0) + (all4 ? 2 * req.settings.ftSteps : 0);
	let done = 0;
	const curves: Record<string, CurvePoint[]> = {};
	const report = (offset: number) => (p: Progress) => onProgress({ ...p, done: offset + p.step, total });
	try {
		let b = base;
		if (req.trainBase || !b) {
			const r = await trainBase(s.train, req.kind, req.settings, { ...hooks, onProgress: report(done) });
			b = r.params;
			curves.base = r.curve;
			done += req.settings.baseSteps;
		}
		const newFts = new Map<Task, Float32Array>();
		for (const t of fineTuned) {
			const r = await fineTune(b, s.train, t, req.settings, { ...hooks, onProgress: report(done) });
			newFts.set(t, r.params);
			curves[`ft-${t}`] = r.curve;
			done += req.settings.ftSteps;
		}
		const g = await genericTrain(b, s.train, req.kind, req.settings, { ...hooks, onProgress: report(done) });
		curves.generic = g.curve;
		done += req.settings.ftSteps;
		// the reader's vectors replace the shipped ones from here on
		base = b;
		generic = g.params;
		fts.clear();
		for (const [t, p] of newFts) fts.set(t, p);
		randomSeed = req.settings.seed;
		setPair(req.tasks);
		let baselines: TvBaselines | null = null;
		if (req.baselines) {
			const m = await multitask(b, s.train, tasks, req.settings, { ...hooks, onProgress: report(done) });
			curves.multitask = m.curve;
			done += 2 * req.settings.ftSteps;
			let multitask4: DomainAcc | null = null;
			if (all4) {
				const m4 = await multitaskAll(b, s.train, req.settings, { ...hooks, onProgress: report(done) });
				curves.multitask4 = m4.curve;
				multitask4 = await accOf(m4.params);
			}
			const probe: Partial<Record<Task, number>> = {};
			for (const t of tasks) probe[t] = await linearProbe(b, s.train, s.test, t, req.settings);
			baselines = { multitask: await accOf(m.params), multitask4, probe };
		}
		return { cancelled: false, curves, baselines };
	} catch (e) {
		if (e instanceof Stopped) return moved() ? null : { cancelled: true, curves, baselines: null };
		throw e;
	}
}
