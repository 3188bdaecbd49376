// Trains the shipped checkpoints and results of the task-vector essay from fixed seeds, in Node (wasm).
//   static/checkpoints/task-vectors/base.nrsc                  the generalist base (seed 1)
//   static/checkpoints/task-vectors/ft-<task>.nrsc             its fine-tunes on rot90, inverted, flipped
//   static/checkpoints/task-vectors/results.json               everything the widget shows before tfjs loads:
//       accuracies per domain (base, fine-tunes, sum, negation, random control, multi-task, probe), λ curves
//       and λ-grids per task pair, cosines, the narrow-base equivalents, and a multi-seed summary.
// The nets are stored in float16 (SHIPPED_DTYPE). Every net of every seed (base, fine-tunes, multi-task
// baseline) is rounded to it (roundToStored) as soon as it is trained: the fine-tunes, the multi-task
// baseline and the linear probe start from the rounded base (the probe's head, never stored, stays
// float32), τ = fine-tune − base is taken between rounded nets, and every number here is computed from the
// rounded parameters, so the stored files give back exactly the numbers in results.json
// (tests/unit/checkpoints.test.ts).
// Usage: npx tsx scripts/make-task-vectors.ts [--seeds 1,2,3]
//   --base-steps N: a longer-trained generalist base (is the effect there once generic training no longer
//   helps?). Trains only the generalist, its fine-tunes and the generic control (no baselines), writes no
//   checkpoints, and puts the headline numbers and their summary in static/checkpoints/task-vectors/
//   base-<N>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useBackend, loadMnistFromDisk } from './node-tf';
import { writeCheckpointManifest } from './hash-checkpoints';
import { SHIPPED_DTYPE, encodeCheckpoint, roundToStored } from '../src/lib/ml/checkpoint';
import { DOMAINS, type Domain, taskSplit, sliceDigits } from '../src/lib/ml/domains';
import { MergeEvaluator, TV_NET, layerStats } from '../src/lib/ml/task-vectors';
import {
	BASE_KINDS,
	CURVE_LAMBDAS,
	DEFAULT_SETTINGS,
	DEFAULT_TASK_A,
	DEFAULT_TASK_B,
	FIGURE_DIGITS,
	GRID_LAMBDAS,
	HOLDOUT,
	SAMPLES_PER_DOMAIN,
	TASKS,
	aggregate,
	curveCoeffs,
	curvesFrom,
	directions,
	domainEvalSet,
	fineTune,
	genericTrain,
	measureVerdict,
	multitaskAll,
	gridCoeffs,
	gridFrom,
	linearProbe,
	multitask,
	sampleRows,
	toDomainAcc,
	trainBase,
	vectorStats,
	vectorsFor,
	verdict,
	type BaseKind,
	type CurvePoint,
	type DomainAcc,
	type Task,
	type VerdictData
} from '../src/lib/ml/experiments/task-vectors';

const arg = (name: string) => {
	const i = process.argv.indexOf(`--${name}`);
	return i >= 0 ? process.argv[i + 1] : undefined;
};
const seeds = (arg('seeds') ?? '1,2,3').split(',').map(Number);
const longBase = arg('base-steps') ? Number(arg('base-steps')) : null;
const started = performance.now();
const outDir = join(process.cwd(), 'static', 'checkpoints', 'task-vectors');
const A = DEFAULT_TASK_A;
const B = DEFAULT_TASK_B;

const backend = await useBackend();
const data = loadMnistFromDisk();
const split = taskSplit(data, HOLDOUT);
const testSet = domainEvalSet(split.test, split.test.n); // all 2,000 test digits in each domain
const figureSet = domainEvalSet(split.test, FIGURE_DIGITS);
const holdSet = domainEvalSet(split.holdout, split.holdout.n);
console.log(`make-task-vectors: backend ${backend}, seeds ${seeds.join(',')}, ${split.train.n} train / ${split.holdout.n} held out / ${split.test.n} test digits`);

const log = (m: string) => console.log(`  ${m}`);

/** Per-domain accuracies of several coefficient rows over [τA, τB, r, g, s] on an evaluation set. */
async function accs(base: Float32Array, v: ReturnType<typeof vectorsFor>, set: ReturnType<typeof domainEvalSet>, coeffs: number[][], samples: number[] = []) {
	const ev = new MergeEvaluator(TV_NET, base, directions(v), set);
	try {
		return await ev.accuracies(coeffs, samples);
	} finally {
		ev.dispose();
	}
}

async function accOf(theta: Float32Array, set = testSet): Promise<DomainAcc> {
	const ev = new MergeEvaluator(TV_NET, theta, [], set);
	try {
		return toDomainAcc((await ev.accuracies([[]])).acc[0]);
	} finally {
		ev.dispose();
	}
}

type PairResult = {
	curves: ReturnType<typeof curvesFrom>;
	grid: ReturnType<typeof gridFrom>;
	/** the widget computes the verdict from these (verdict() in task-vectors-analysis.ts) */
	verdictData: VerdictData;
	stats: ReturnType<typeof vectorStats>;
	predictions: number[];
};

/** λ per direction on the held-out digits, then every chosen model on all test digits (paired tests). */
async function verdictFor(base: Float32Array, v: ReturnType<typeof vectorsFor>, a: Task, b: Task): Promise<VerdictData> {
	const hold = new MergeEvaluator(TV_NET, base, directions(v), holdSet);
	const test = new MergeEvaluator(TV_NET, base, directions(v), testSet);
	try {
		return await measureVerdict(hold, test, a, b);
	} finally {
		hold.dispose();
		test.dispose();
	}
}

async function pairFigures(base: Float32Array, ta: Float32Array, tb: Float32Array, gen: Float32Array, a: Task, b: Task, seed: number): Promise<PairResult> {
	const v = vectorsFor(base, ta, tb, gen, seed);
	const verdictData = await verdictFor(base, v, a, b);
	const curves = curvesFrom(CURVE_LAMBDAS, (await accs(base, v, figureSet, curveCoeffs(CURVE_LAMBDAS))).acc);
	const t0 = performance.now();
	const grid = gridFrom(GRID_LAMBDAS, (await accs(base, v, figureSet, gridCoeffs(GRID_LAMBDAS))).acc);
	log(`grid ${a}+${b}: ${GRID_LAMBDAS.length ** 2} models in ${(performance.now() - t0).toFixed(0)} ms`);
	const { predictions } = await accs(base, v, figureSet, [[1, 1, 0]], sampleRows(FIGURE_DIGITS, SAMPLES_PER_DOMAIN));
	return { curves, grid, verdictData: { ...verdictData, holdoutSum: undefined }, stats: vectorStats(v), predictions };
}

type Run = {
	headline: Record<string, number>;
	accuracy: Record<string, unknown>;
	lossCurves: Record<string, CurvePoint[]>;
	pairs: Record<string, PairResult>;
	params?: { base: Float32Array; ft: Partial<Record<Task, Float32Array>>; generic: Float32Array };
};

async function run(seed: number, kind: BaseKind, full: boolean): Promise<Run> {
	const s = { ...DEFAULT_SETTINGS, seed, ...(longBase ? { baseSteps: longBase } : {}) };
	const t0 = performance.now();
	const baseRun = await trainBase(split.train, kind, s);
	const base = roundToStored(baseRun.params); // the net as stored, from here on
	const tasks: Task[] = kind === 'generalist' && !longBase ? [...TASKS] : [A, B];
	const ft: Partial<Record<Task, Float32Array>> = {};
	const lossCurves: Record<string, CurvePoint[]> = { base: baseRun.curve };
	for (const t of tasks) {
		const r = await fineTune(base, split.train, t, s);
		ft[t] = roundToStored(r.params);
		lossCurves[`ft-${t}`] = r.curve;
	}
	const genRun = await genericTrain(base, split.train, kind, s);
	const gen = roundToStored(genRun.params);
	lossCurves.generic = genRun.curve;
	const multi = longBase ? { params: base, curve: [] } : await multitask(base, split.train, [A, B], s);
	lossCurves.multitask = multi.curve;
	// the four-domain multi-task run only for the generalist (the narrow base never saw the other domains)
	const multi4 = kind === 'generalist' && !longBase ? await multitaskAll(base, split.train, s) : null;
	if (multi4) lossCurves.multitask4 = multi4.curve;
	const probe: Partial<Record<Task, number>> = {};
	for (const t of [A, B]) probe[t] = longBase ? NaN : await linearProbe(base, split.train, split.test, t, s);
	log(`seed ${seed} ${kind}: trained in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

	const v = vectorsFor(base, ft[A]!, ft[B]!, gen, seed);
	// λ* for the sum and for each control, chosen on held-out training digits (never on the test digits)
	const vd = await verdictFor(base, v, A, B);
	const lambdaStar = vd.lambdas.merge;
	const rows: Record<string, number[]> = {
		base: [0, 0, 0],
		sum1: [1, 1, 0],
		best: [lambdaStar, lambdaStar, 0],
		neg1: [-1, 0, 0],
		neg2: [-2, 0, 0],
		rand1: [0, 0, 1],
		rand2: [0, 0, 2],
		gen1: [0, 0, 0, 1],
		shuf1: [0, 0, 0, 0, 1]
	};
	const names = Object.keys(rows);
	const res = (await accs(base, v, testSet, names.map((n) => rows[n]))).acc.map(toDomainAcc);
	const acc: Record<string, DomainAcc> = Object.fromEntries(names.map((n, i) => [n, res[i]]));
	const ftAcc: Partial<Record<Task, DomainAcc>> = {};
	for (const t of tasks) ftAcc[t] = await accOf(ft[t]!);
	const multiAcc = await accOf(roundToStored(multi.params));
	const multi4Acc = multi4 ? await accOf(roundToStored(multi4.params)) : null;
	const genAcc = await accOf(gen);

	const pairs: Record<string, PairResult> = {};
	const pairList: [Task, Task][] = full ? TASKS.flatMap((a) => TASKS.filter((b) => b !== a).map((b) => [a, b] as [Task, Task])) : [[A, B]];
	for (const [a, b] of pairList) pairs[`${a}+${b}`] = await pairFigures(base, ft[a]!, ft[b]!, gen, a, b, seed);
	const main = pairs[`${A}+${B}`];
	const other = DOMAINS.find((d) => d !== 'upright' && d !== A && d !== B) as Domain;

	const role = (r: DomainAcc) => ({ A: r[A], B: r[B], up: r.upright, other: r[other] });
	const headline: Record<string, number> = { lambdaStar };
	const put = (name: string, r: DomainAcc) => Object.entries(role(r)).forEach(([k, x]) => (headline[`${name}.${k}`] = x));
	for (const n of names) put(n, acc[n]);
	put('ftA', ftAcc[A]!);
	put('ftB', ftAcc[B]!);
	if (!longBase) put('multi', multiAcc);
	if (multi4Acc) put('multi4', multi4Acc);
	// the control directions at their own held-out λ, and generic training itself (θ0 + raw τ_gen)
	put('genBest', vd.acc.generic);
	put('randBest', vd.acc.random);
	put('shufBest', vd.acc.shuffled);
	put('gen', genAcc);
	if (ftAcc[other as Task]) put('ftO', ftAcc[other as Task]!); // the other task's vector: does τ_other help task A?
	// "use the better single fine-tune": the one with the higher mean on the two tasks
	const mAB = (r: DomainAcc) => (r[A] + r[B]) / 2;
	put('bestSingle', mAB(ftAcc[A]!) >= mAB(ftAcc[B]!) ? ftAcc[A]! : ftAcc[B]!);
	headline['lambdaGen'] = vd.lambdas.generic;
	headline['lambdaRand'] = vd.lambdas.random;
	headline['lambdaShuf'] = vd.lambdas.shuffled;
	headline['probe.A'] = probe[A]!;
	headline['probe.B'] = probe[B]!;
	headline['normalized'] = (acc.best[A] / ftAcc[A]![A] + acc.best[B] / ftAcc[B]![B]) / 2;
	headline['normalizedBase'] = (acc.base[A] / ftAcc[A]![A] + acc.base[B] / ftAcc[B]![B]) / 2;
	const vmain = verdict(vd, A, B);
	for (const k of ['addGain', 'randomGain', 'shuffledGain', 'genericGain', 'pGeneric', 'pRandom', 'pShuffled', 'negDropTask', 'negDropUpright', 'negLambda'] as const) headline[k] = vmain[k];
	headline['shown'] = vmain.shown ? 1 : 0;
	headline['genOnlyMerge'] = vd.vs.generic.onlyFirst;
	headline['genOnlyControl'] = vd.vs.generic.onlySecond;
	Object.entries(vectorStats(v)).forEach(([k, x]) => (headline[k] = x));
	for (const l of layerStats(v.tauA, v.tauB, TV_NET)) {
		headline[`cosAB.${l.layer}`] = l.cos;
		headline[`normA.${l.layer}`] = l.normA;
		headline[`normB.${l.layer}`] = l.normB;
	}
	const pct = (x: number) => (x * 100).toFixed(1);
	log(
		`seed ${seed} ${kind}: base ${pct(acc.base[A])}/${pct(acc.base[B])}/${pct(acc.base.upright)} (A/B/up); ft ${pct(ftAcc[A]![A])}/${pct(ftAcc[B]![B])}; ` +
			`sum λ*=${lambdaStar} ${pct(acc.best[A])}/${pct(acc.best[B])}/${pct(acc.best.upright)}; sum1 ${pct(acc.sum1[A])}/${pct(acc.sum1[B])}/${pct(acc.sum1.upright)}; ` +
			`neg1 ${pct(acc.neg1[A])}/${pct(acc.neg1.upright)}; rand1 ${pct(acc.rand1[A])}/${pct(acc.rand1[B])}; multi ${pct(multiAcc[A])}/${pct(multiAcc[B])}/${pct(multiAcc.upright)}; ` +
			`probe ${pct(probe[A]!)}/${pct(probe[B]!)}; cos ${main.stats.cosAB.toFixed(3)}; ` +
			`generic λ=${vd.lambdas.generic} ${pct(vd.acc.generic[A])}/${pct(vd.acc.generic[B])}/${pct(vd.acc.generic.upright)}/${pct(vd.acc.generic[other])}; ` +
			`merge ${pct(acc.best[other])} other; p(gen) ${vd.vs.generic.p.toPrecision(3)} (${vd.vs.generic.onlyFirst} vs ${vd.vs.generic.onlySecond}); ` +
			`p(rand) ${vd.vs.random.p.toPrecision(3)}; p(shuf) ${vd.vs.shuffled.p.toPrecision(3)}; verdict ${vmain.shown}: ${vmain.text}`
	);
	return {
		headline,
		accuracy: { ...acc, ft: ftAcc, multitask: multiAcc, multitask4: multi4Acc, generic: genAcc, probe, lambdaStar, holdoutSum: vd.holdoutSum },
		lossCurves,
		pairs,
		params: full ? { base, ft, generic: gen } : undefined
	};
}

mkdirSync(outDir, { recursive: true });
if (longBase) {
	const rows: Record<string, number>[] = [];
	for (const seed of seeds) rows.push((await run(seed, 'generalist', false)).headline);
	const out = { createdBy: 'scripts/make-task-vectors.ts', backend, settings: { ...DEFAULT_SETTINGS, baseSteps: longBase }, tasks: { A, B }, seeds, headlines: rows, summary: aggregate(rows) };
	writeFileSync(join(outDir, `base-${longBase}.json`), JSON.stringify(out, (_k, v) => (typeof v === 'number' ? Number(v.toPrecision(5)) : v)) + '\n');
	console.log(`make-task-vectors: wrote base-${longBase}.json in ${((performance.now() - started) / 60000).toFixed(1)} min`);
	process.exit(0);
}
const headlines: Record<BaseKind, Record<string, number>[]> = { generalist: [], narrow: [] };
const shipped: Partial<Record<BaseKind, Omit<Run, 'params' | 'headline'> & { headline: Record<string, number> }>> = {};
for (const seed of seeds) {
	for (const kind of BASE_KINDS) {
		const isDefault = seed === DEFAULT_SETTINGS.seed;
		const r = await run(seed, kind, isDefault && kind === 'generalist');
		headlines[kind].push(r.headline);
		if (isDefault) {
			shipped[kind] = { headline: r.headline, accuracy: r.accuracy, lossCurves: r.lossCurves, pairs: r.pairs };
			if (r.params) {
				const write = (name: string, params: Float32Array, steps: number, lr: number, curve: CurvePoint[], acc: number) =>
					writeFileSync(
						join(outDir, `${name}.nrsc`),
						encodeCheckpoint(
							{
								config: TV_NET,
								training: { seed, steps, learningRate: lr, batchSize: DEFAULT_SETTINGS.batchSize, layerDrop: 0, backend },
								lossCurve: curve.map((p) => [p.step, p.loss]),
								testAccuracy: acc,
								createdBy: 'scripts/make-task-vectors.ts'
							},
							params,
							SHIPPED_DTYPE
						)
					);
				write('base', r.params.base, DEFAULT_SETTINGS.baseSteps, DEFAULT_SETTINGS.baseLr, r.lossCurves.base, (r.accuracy.base as DomainAcc).upright);
				write('generic', r.params.generic, DEFAULT_SETTINGS.ftSteps, DEFAULT_SETTINGS.ftLr, r.lossCurves.generic, (r.accuracy.generic as DomainAcc).upright);
				for (const t of TASKS)
					write(`ft-${t}`, r.params.ft[t]!, DEFAULT_SETTINGS.ftSteps, DEFAULT_SETTINGS.ftLr, r.lossCurves[`ft-${t}`], (r.accuracy.ft as Record<Task, DomainAcc>)[t][t]);
			}
		}
	}
}

const samples = sliceDigits(split.test.x, split.test.y, 0, SAMPLES_PER_DOMAIN);
const results = {
	createdBy: 'scripts/make-task-vectors.ts',
	backend,
	settings: DEFAULT_SETTINGS,
	tasks: { A, B },
	testDigits: split.test.n,
	figureDigits: FIGURE_DIGITS,
	holdoutDigits: split.holdout.n,
	curveLambdas: CURVE_LAMBDAS,
	gridLambdas: GRID_LAMBDAS,
	generalist: shipped.generalist,
	narrow: shipped.narrow,
	samples: { labels: Array.from(samples.y), pixelsBase64: Buffer.from(samples.x).toString('base64') },
	summary: { seeds, generalist: aggregate(headlines.generalist), narrow: aggregate(headlines.narrow) }
};
writeFileSync(join(outDir, 'results.json'), JSON.stringify(results, (_k, v) => (typeof v === 'number' ? Number(v.toPrecision(5)) : v)) + '\n');
// the worker checks every checkpoint it fetches against this manifest (size and sha256)
writeCheckpointManifest();
console.log(`make-task-vectors: wrote ${outDir} in ${((performance.now() - started) / 60000).toFixed(1)} min`);
