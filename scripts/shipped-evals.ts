// Re-evaluate the shipped checkpoints' numbers from a given set of parameters and set each beside the
// number results.json ships, so a change of storage format (scripts/checkpoint-formats.ts) or the
// shipped files themselves (tests/unit/checkpoints.test.ts) can be checked against the page's figures.
// `full` re-evaluates every checkpoint-derived figure; without it, the few headline numbers (fast enough
// for a unit test on the cpu backend).
//
// What is not here, because it is not computed from a shipped checkpoint alone: training curves, the
// multi-seed summaries, the stitching width sweep and same-init control (other nets), the trained
// stitches (only with `full`), and the task-vector multi-task and linear-probe baselines (training).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Mnist } from '../src/lib/ml/data';
import type { NetConfig } from '../src/lib/ml/model';
import { identityOrder } from '../src/lib/ml/model';
import { LoadedNet, TestSet, type SurgeryReport } from '../src/lib/ml/surgery';
import { TrainingData } from '../src/lib/ml/trainer';
import { StitchLab, analyse, randomBottomSeed, type StitchReport } from '../src/lib/ml/experiments/stitching';
import { DEFAULT_STITCH } from '../src/lib/ml/experiments/stitching-defaults';
import { MergeEvaluator, TV_NET } from '../src/lib/ml/task-vectors';
import { taskSplit } from '../src/lib/ml/domains';
import {
	CURVE_LAMBDAS,
	FIGURE_DIGITS,
	GRID_LAMBDAS,
	HOLDOUT,
	SAMPLES_PER_DOMAIN,
	TASKS,
	bestLambda,
	curveCoeffs,
	curvesFrom,
	directions,
	domainEvalSet,
	gridCoeffs,
	gridFrom,
	sampleRows,
	toDomainAcc,
	vectorStats,
	vectorsFor,
	type Task
} from '../src/lib/ml/experiments/task-vectors';

/**
 * One re-evaluated number beside the shipped one. `digits`: how many test digits an accuracy is over
 * (one digit = 100 / digits points); absent for a number that is not an accuracy (ratio, norm, cosine, λ).
 */
export type Compared = { essay: string; key: string; shipped: number; value: number; digits?: number };

export const ESSAYS = ['modularity', 'stitching', 'task-vectors'] as const;
export type Essay = (typeof ESSAYS)[number];

export const CHECKPOINTS: Record<Essay, string[]> = {
	modularity: ['residual', 'plain'],
	stitching: ['A', 'B'],
	'task-vectors': ['base', 'generic', ...TASKS.map((t) => `ft-${t}`)]
};

export const checkpointDir = (essay: string, root = process.cwd()) => join(root, 'static', 'checkpoints', essay);

export function shippedResults<T = Record<string, unknown>>(essay: string, root = process.cwd()): T {
	return JSON.parse(readFileSync(join(checkpointDir(essay, root), 'results.json'), 'utf8')) as T;
}

/** Nets of one essay by checkpoint name: config and float32 parameters. */
export type Nets = Record<string, { config: NetConfig; params: Float32Array }>;

/** Pair up two equally shaped trees of numbers (arrays/objects), one Compared per leaf. */
function pairUp(essay: string, key: string, shipped: unknown, value: unknown, digits: number | undefined, out: Compared[]) {
	if (typeof shipped === 'number' && typeof value === 'number') out.push({ essay, key, shipped, value, digits });
	else if (Array.isArray(shipped) && Array.isArray(value)) {
		if (shipped.length !== value.length) throw new Error(`${key}: ${shipped.length} shipped values, ${value.length} re-evaluated`);
		shipped.forEach((s, i) => pairUp(essay, `${key}[${i}]`, s, value[i], digits, out));
	} else if (shipped && value && typeof shipped === 'object' && typeof value === 'object')
		for (const k of Object.keys(shipped)) pairUp(essay, `${key}.${k}`, (shipped as Record<string, unknown>)[k], (value as Record<string, unknown>)[k], digits, out);
	else throw new Error(`${key}: cannot compare ${JSON.stringify(shipped)} with ${JSON.stringify(value)}`);
}

// ---- modularity ------------------------------------------------------------------------------------

type ModResults = { testDigits: number; nets: Record<string, { testAccuracy: number; report: SurgeryReport; predictions: number[] }> };

/**
 * Each net's intact test accuracy and, `full`: its whole surgery report (swap matrix, deletions,
 * repeats, reversal, horizon, edit ratios) and sample predictions; otherwise a handful of swaps.
 */
export async function evalModularity(nets: Nets, data: Mnist, full: boolean): Promise<Compared[]> {
	const shipped = shippedResults<ModResults>('modularity');
	const test = new TestSet(data);
	const out: Compared[] = [];
	const n = test.n;
	try {
		for (const arch of CHECKPOINTS.modularity) {
			const { config, params } = nets[arch];
			const s = shipped.nets[arch];
			const ln = new LoadedNet(config, params, test);
			try {
				if (full) {
					const r = await ln.report();
					const { editRatio, ...accs } = r;
					const { editRatio: shippedRatio, ...shippedAccs } = s.report;
					pairUp('modularity', `${arch}.report`, shippedAccs, accs, n, out);
					pairUp('modularity', `${arch}.report.editRatio`, shippedRatio, editRatio, undefined, out);
					pairUp('modularity', `${arch}.testAccuracy`, s.testAccuracy, r.intact, n, out);
					const preds = await ln.predictions(identityOrder(config.depth), s.predictions.length);
					pairUp('modularity', `${arch}.predictions`, s.predictions, preds, undefined, out);
				} else {
					// intact, and swaps of the first block with the next, of two middle ones, and of the ends
					const L = config.depth;
					const pairs: [number, number][] = [
						[0, 1],
						[3, 4],
						[0, L - 1]
					];
					const orders = [identityOrder(L), ...pairs.map(([i, j]) => identityOrder(L).map((b) => (b === i ? j : b === j ? i : b)))];
					const acc = await ln.accuracies(orders);
					pairUp('modularity', `${arch}.testAccuracy`, s.testAccuracy, acc[0], n, out);
					pairs.forEach(([i, j], p) => pairUp('modularity', `${arch}.report.swap[${i}][${j}]`, s.report.swap[i][j], acc[p + 1], n, out));
				}
			} finally {
				ln.dispose();
			}
		}
	} finally {
		test.dispose();
	}
	return out;
}

// ---- stitching -------------------------------------------------------------------------------------

type StitchResults = { nets: Record<'A' | 'B', { testAccuracy: number }>; report: StitchReport };

/**
 * Both nets' test accuracies and the least-squares stitch beside its controls at every cut, and, `full`: every figure analyse() computes from the pair (alignment,
 * every stitch at every cut, interpolation paths with their barriers); `trained` adds the trained stitches.
 */
export async function evalStitching(nets: Nets, data: Mnist, full: boolean, trained = false): Promise<Compared[]> {
	const shipped = shippedResults<StitchResults>('stitching');
	const test = new TestSet(data);
	const train = new TrainingData(data);
	const out: Compared[] = [];
	const n = test.n;
	const { config } = nets.A;
	try {
		if (full) {
			const { report } = await analyse(config, nets.A.params, nets.B.params, train, test, DEFAULT_STITCH, { trained });
			const s = shipped.report;
			pairUp('stitching', 'nets.A.testAccuracy', shipped.nets.A.testAccuracy, report.accA, n, out);
			pairUp('stitching', 'nets.B.testAccuracy', shipped.nets.B.testAccuracy, report.accB, n, out);
			const methods = trained ? Object.keys(s.acc) : Object.keys(s.acc).filter((m) => m !== 'trained' && m !== 'random');
			for (const m of methods) pairUp('stitching', `report.acc.${m}`, s.acc[m as keyof typeof s.acc], report.acc[m as keyof typeof report.acc], n, out);
			pairUp('stitching', 'report.align.meanCorr', s.align.meanCorr, report.align.meanCorr, undefined, out);
			pairUp('stitching', 'report.align.perms', s.align.perms, report.align.perms, undefined, out);
			for (const p of ['naive', 'weight', 'activation'] as const) {
				const a = s.interpolation![p];
				const b = report.interpolation![p];
				pairUp('stitching', `report.interpolation.${p}.acc`, a.acc, b.acc, n, out);
				pairUp('stitching', `report.interpolation.${p}.worstAcc`, a.worstAcc, b.worstAcc, n, out);
				pairUp('stitching', `report.interpolation.${p}.loss`, a.loss, b.loss, undefined, out);
				pairUp('stitching', `report.interpolation.${p}.barrier`, a.barrier, b.barrier, undefined, out);
			}
		} else {
			const lab = new StitchLab(config, nets.A.params, nets.B.params, train, test, DEFAULT_STITCH.statDigits);
			try {
				const { accA, accB } = await lab.baseline();
				pairUp('stitching', 'nets.A.testAccuracy', shipped.nets.A.testAccuracy, accA, n, out);
				pairUp('stitching', 'nets.B.testAccuracy', shipped.nets.B.testAccuracy, accB, n, out);
				pairUp('stitching', 'report.accA', shipped.report.accA, accA, n, out);
				pairUp('stitching', 'report.accB', shipped.report.accB, accB, n, out);
				// the essay's strongest number and its two controls (they need no alignment)
				const ls = await lab.leastSquares(randomBottomSeed(DEFAULT_STITCH.seedA));
				for (const m of ['lstsq', 'lstsqRandom', 'lstsqPixels'] as const) pairUp('stitching', `report.acc.${m}`, shipped.report.acc[m], ls.acc[m], n, out);
			} finally {
				lab.dispose();
			}
		}
	} finally {
		test.dispose();
		train.dispose();
	}
	return out;
}

// ---- task vectors ----------------------------------------------------------------------------------

type TvPair = { curves: ReturnType<typeof curvesFrom>; grid: ReturnType<typeof gridFrom>; stats: Record<string, number>; predictions: number[] };
type TvResults = {
	settings: { seed: number };
	tasks: { A: Task; B: Task };
	generalist: {
		accuracy: Record<string, unknown> & { lambdaStar: number; ft: Record<Task, Record<string, number>>; holdoutSum: unknown[] };
		pairs: Record<string, TvPair>;
	};
};

async function domainAccs(base: Float32Array, vectors: ArrayLike<number>[], set: ReturnType<typeof domainEvalSet>, coeffs: number[][], samples: number[] = []) {
	const ev = new MergeEvaluator(TV_NET, base, vectors, set);
	try {
		return await ev.accuracies(coeffs, samples);
	} finally {
		ev.dispose();
	}
}

/**
 * The generalist base's numbers for the default pair A+B on all 2,000 test digits per domain: base, each
 * fine-tune on its own task, A+B at λ = 1 and at the shipped λ*, τA negated; `full` adds the rest of the
 * table (negation at −2, the random control), λ* re-chosen on the held-out curve, and every pair's λ
 * curves, λ-grid, sample predictions and vector statistics (on the 500 figure digits per domain).
 */
export async function evalTaskVectors(nets: Nets, data: Mnist, full: boolean): Promise<Compared[]> {
	const shipped = shippedResults<TvResults>('task-vectors');
	const g = shipped.generalist;
	const { A, B } = shipped.tasks;
	const seed = shipped.settings.seed;
	const split = taskSplit(data, HOLDOUT);
	const testSet = domainEvalSet(split.test, split.test.n);
	const nTest = split.test.n;
	const out: Compared[] = [];
	const base = nets.base.params;
	const ft = (t: Task) => nets[`ft-${t}`].params;
	const gen = nets.generic.params;
	const v = vectorsFor(base, ft(A), ft(B), gen, seed);
	const vecs = directions(v);

	const lambdaStar = g.accuracy.lambdaStar;
	const rows: Record<string, number[]> = { base: [0, 0, 0], sum1: [1, 1, 0], best: [lambdaStar, lambdaStar, 0], neg1: [-1, 0, 0] };
	if (full) Object.assign(rows, { neg2: [-2, 0, 0], rand1: [0, 0, 1], rand2: [0, 0, 2] });
	const names = Object.keys(rows);
	const res = (await domainAccs(base, vecs, testSet, names.map((k) => rows[k]))).acc.map(toDomainAcc);
	names.forEach((k, i) => pairUp('task-vectors', `generalist.accuracy.${k}`, g.accuracy[k], res[i], nTest, out));
	for (const t of full ? TASKS : [A, B]) {
		const r = toDomainAcc((await domainAccs(ft(t), [], testSet, [[]])).acc[0]);
		pairUp('task-vectors', `generalist.accuracy.ft.${t}`, full ? g.accuracy.ft[t] : g.accuracy.ft[t][t], full ? r : r[t], nTest, out);
	}
	if (!full) return out;

	// λ* is chosen on the held-out training digits: the same choice?
	const holdSet = domainEvalSet(split.holdout, split.holdout.n);
	const hold = curvesFrom(CURVE_LAMBDAS, (await domainAccs(base, vecs, holdSet, curveCoeffs(CURVE_LAMBDAS))).acc);
	pairUp('task-vectors', 'generalist.accuracy.holdoutSum', g.accuracy.holdoutSum, hold.sum, split.holdout.n, out);
	pairUp('task-vectors', 'generalist.accuracy.lambdaStar', lambdaStar, bestLambda(hold, A, B), undefined, out);

	const figureSet = domainEvalSet(split.test, FIGURE_DIGITS);
	for (const [pair, sp] of Object.entries(g.pairs)) {
		const [a, b] = pair.split('+') as [Task, Task];
		const pv = vectorsFor(base, ft(a), ft(b), gen, seed);
		const pvecs = directions(pv);
		const curves = curvesFrom(CURVE_LAMBDAS, (await domainAccs(base, pvecs, figureSet, curveCoeffs(CURVE_LAMBDAS))).acc);
		const grid = gridFrom(GRID_LAMBDAS, (await domainAccs(base, pvecs, figureSet, gridCoeffs(GRID_LAMBDAS))).acc);
		const { predictions } = await domainAccs(base, pvecs, figureSet, [[1, 1, 0]], sampleRows(FIGURE_DIGITS, SAMPLES_PER_DOMAIN));
		const { lambdas: _l, ...curveAccs } = curves;
		const { lambdas: _s, ...shippedCurves } = sp.curves;
		pairUp('task-vectors', `generalist.pairs.${pair}.curves`, shippedCurves, curveAccs, FIGURE_DIGITS, out);
		pairUp('task-vectors', `generalist.pairs.${pair}.grid`, sp.grid.acc, grid.acc, FIGURE_DIGITS, out);
		pairUp('task-vectors', `generalist.pairs.${pair}.predictions`, sp.predictions, predictions, undefined, out);
		pairUp('task-vectors', `generalist.pairs.${pair}.stats`, sp.stats, vectorStats(pv), undefined, out);
	}
	return out;
}

export async function evalEssay(essay: Essay, nets: Nets, data: Mnist, full: boolean, trained = false): Promise<Compared[]> {
	if (essay === 'modularity') return evalModularity(nets, data, full);
	if (essay === 'stitching') return evalStitching(nets, data, full, trained);
	return evalTaskVectors(nets, data, full);
}
