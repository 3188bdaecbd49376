// Computes the shipped results of the credit-assignment essay from fixed seeds, in Node (wasm):
//   static/checkpoints/credit/results.json, targets.json, targets-curves.json
// 1. tuning on held-out TRAINING digits (train on 7,000, score on the other 1,000; never the test
//    digits): at every width, backprop's step size and ES's step size, σ and N by a coordinate search
//    that stops only when each winner has a tried neighbour on both sides (coordinateSearch), the GA's
//    σ where the GA races;
// 2. the race at every sweep width and seed (the default width's curves are the race figure), with ES
//    raced a second time at the default width with k useless parameters (it must match the plain run);
// 3. the cosine between the ES estimate and the true gradient against N, d and useless parameters, on
//    all parameters and on the net's own (the useful ones);
// 4. the compute-to-target study: forward passes each method needs to reach 70/80/90 % test accuracy
//    at widths TARGET_WIDTHS, and the curvature (tr H / λmax) at each width's initial weights.
// No weight files: every net starts from its seed. Usage: npx tsx scripts/make-credit.ts [--seeds 1,2,3]
//   --tune-only [--reuse-trials]      step 1 only, to tuning.json (reusing the previous results.json's
//                                     trials whose every setting matches, after reproducing one)
//   --tune-widths 8 --tuning-out F    step 1 at these widths only, to F
//   --reuse-log F[,F]                 also reuse trials a stopped run printed (accuracy only; ties rerun)
//   --ga-widths 32                    tune the GA only at these widths (default: the race's and the study's)
//   --coarse-widths 128               one pass for ES's step size and σ there, N kept (tuning.coarse)
//   --no-reuse-check                  skip reproducing one reused trial (done by a run beside this one)
//   --trial 'es:{…}' --tune-widths W  one tuning run, printed for --reuse-log (trials run side by side)
//   --tuning-from FILE[,FILE]         skip step 1 and take those files' tuning (later files' widths win)
//   --no-study                        steps 1-3 only
//   --targets [--targets-out FILE]    step 4 only (with --tuning-from); FILE: a partial for
//   --results-out F / --merge-results F1,F2,…   steps 2-3 for some seeds to a partial / merged
//   --sweep-only --widths 128         step 2's sweep at these widths only (a partial for --merge-results)
//   --target-widths 8,32              the study at these widths only (for partials)
//   --merge-targets F1,F2,…           merging partials (run side by side) into targets.json
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useBackend, loadMnistFromDisk } from './node-tf';
import { TrainingData } from '../src/lib/ml/trainer';
import { TestSet } from '../src/lib/ml/surgery';
import type { Mnist } from '../src/lib/ml/data';
import { maxPairs, measureCosine, measureCurvature, mlpParamCount } from '../src/lib/ml/es';
import {
	COSINE_PAIRS,
	COSINE_SIGMA,
	CURVATURE_EXAMPLES,
	DEFAULT_RACE,
	EvalSet,
	METHODS,
	SWEEP_METHODS,
	SWEEP_WIDTHS,
	STUDY_BUDGET,
	TARGETS,
	TARGET_WIDTHS,
	aggregate,
	coordinateSearch,
	runRace,
	runToTargets,
	settingsForWidth,
	studyVerdict,
	targetTable,
	sweepPoint,
	sweepSlopes,
	type AxisReport,
	type CurvatureRun,
	type TargetRun,
	type TargetStudy,
	type RaceCurves,
	type RaceSettings,
	type SweepPoint,
	type WidthTuning
} from '../src/lib/ml/experiments/credit';

const arg = (name: string) => {
	const i = process.argv.indexOf(`--${name}`);
	return i >= 0 ? process.argv[i + 1] : undefined;
};
const seeds = (arg('seeds') ?? '1,2,3').split(',').map(Number);
const widths = (arg('widths') ?? SWEEP_WIDTHS.join(',')).split(',').map(Number);
const skipTuning = process.argv.includes('--no-tuning');
const tuningFrom = arg('tuning-from');
const tuneOnly = process.argv.includes('--tune-only');
const skipStudy = process.argv.includes('--no-study');
/** the study's widths (--target-widths: a subset, for partials run side by side and merged) */
const targetWidths = (arg('target-widths') ?? TARGET_WIDTHS.join(',')).split(',').map(Number);
/** widths tuned: the sweep's and the compute-to-target study's; the GA is tuned where it races */
const TUNE_WIDTHS = [...new Set([...widths, ...TARGET_WIDTHS])].sort((a, b) => a - b);
/** --ga-widths 32,8: tune the GA only where it will race (e.g. not at a width whose study is not run) */
const GA_WIDTHS: number[] = (arg('ga-widths')?.split(',').map(Number) ?? [DEFAULT_RACE.width, ...TARGET_WIDTHS]);
/** --tune-widths: tune only these (a rerun of one width, merged with --tuning-from a,b) */
const tuneWidths = (arg('tune-widths') ?? TUNE_WIDTHS.join(',')).split(',').map(Number);
/**
 * Where the search starts at every width: the previous version's winners (N = 20, σ = 0.03, the GA's
 * σ = 0.01, step sizes per width), written out so that a rerun starts where the shipped one did.
 */
const TUNING_START = { pairs: 20, sigma: 0.03, gaSigma: 0.01, sgdLearningRate: 0.01, esLearningRate: 0.01 };
const PREVIOUS_TUNING: Record<string, Partial<RaceSettings>> = { '2': { esLearningRate: 0.03 }, '8': { sgdLearningRate: 1e-3, esLearningRate: 0.03 } };
const outDir = join(process.cwd(), 'static', 'checkpoints', 'credit');
const TUNING_SEED = 0;

const backend = await useBackend();
const data = loadMnistFromDisk();
const train = new TrainingData(data);
const test = new TestSet(data);
const evalSet = new EvalSet(train);
console.log(`make-credit: backend ${backend}, seeds ${seeds.join(',')}, widths ${widths.join(',')}`);
mkdirSync(outDir, { recursive: true });
/** integers (compute counts up to 15,000) as they are, other numbers to 4 significant digits */
const roundFloats = (_k: string, v: unknown) => (typeof v === 'number' && Number.isInteger(v) ? v : round(_k, v));
const round = (_k: string, v: unknown) => (typeof v === 'number' ? (Number.isFinite(v) ? Number(v.toPrecision(4)) : null) : v);
const pctS = (v: number) => `${(v * 100).toFixed(1)}%`;
const t0 = performance.now();
const secs = () => `${((performance.now() - t0) / 1000).toFixed(0)} s`;

// ---- 1. tuning on held-out training digits -------------------------------------------------------
/** valLoss NaN (null in the file): reused from a log, which prints only the accuracy (no tie needed the loss) */
type Trial = { method: string; width: number; settings: Partial<RaceSettings>; valAccuracy: number; valLoss: number; reused?: boolean };
/** what a tuning run's score depends on besides width, seed, budget and batch (fixed in tuning) */
const trialKey = (method: string, s: Pick<RaceSettings, 'width' | 'sgdLearningRate' | 'esLearningRate' | 'sigma' | 'pairs' | 'gaSigma' | 'budget' | 'batchSize' | 'gaParents'>) =>
	[method, s.width, s.budget, s.batchSize, ...(method === 'sgd' ? [s.sgdLearningRate] : method === 'es' ? [s.esLearningRate, s.sigma, s.pairs] : [s.gaSigma, s.pairs, s.gaParents])].join('|');
/**
 * Runs are deterministic, so a tuning run whose every setting matches one of the previous shipped
 * run's trials (same code, same held-out split and seed) is not run again: its score is reused and
 * the trial is marked reused. (That run's trials record only the varied settings; the rest were the
 * base of its grid: N = 20, σ = 0.03 where not varied, budget 6,000, batch 128, 8 GA parents.)
 */
const priorTrials = new Map<string, Trial>();
if (process.argv.includes('--reuse-trials')) {
	const prev = JSON.parse(readFileSync(join(process.cwd(), 'static', 'checkpoints', 'credit', 'results.json'), 'utf8')) as { tuning: { trials: Trial[] } };
	for (const t of prev.tuning.trials) {
		if (t.reused) continue;
		const full = { ...DEFAULT_RACE, width: t.width, pairs: 20, sigma: 0.03, budget: 6000, batchSize: 128, gaParents: 8, ...t.settings };
		priorTrials.set(trialKey(t.method, full), t);
	}
	// and this version's own tuning files (--reuse-trials a.json,b.json): their trials name every
	// setting searched; a GA trial ran with its width's tuned N
	const files = arg('reuse-trials');
	for (const f of files && !files.startsWith('--') ? files.split(',') : []) {
		const tf_ = JSON.parse(readFileSync(f, 'utf8')) as { tuning: { trials: Trial[]; widths: WidthTuning } };
		for (const t of tf_.tuning.trials) {
			if (t.reused) continue;
			const full = { ...DEFAULT_RACE, width: t.width, budget: 6000, batchSize: 128, gaParents: 8, pairs: tf_.tuning.widths[String(t.width)]?.pairs ?? 20, ...t.settings };
			priorTrials.set(trialKey(t.method, full), t);
		}
	}
}

/**
 * --reuse-log F[,F]: backprop and ES trials printed by an earlier run of this version that was
 * stopped before it wrote its file ("tune h=… es {…}: held-out 78.1%"). A log gives the held-out
 * accuracy exactly (1,000 digits: one decimal of a percent) but not the loss, which only breaks ties;
 * so a fresh trial that ties a log trial's accuracy reruns that trial for its loss (logTies).
 */
const logTrials = new Map<string, { accuracy: number; loss: number }>();
for (const f of arg('reuse-log')?.split(',') ?? []) {
	const lines = readFileSync(f, 'utf8').split('\n');
	// a GA line may not name its N: the GA ran with the N that the ES search at that width had just chosen
	const esPairs = new Map<string, number>();
	for (const line of lines) {
		const m = /^\s+h=(\d+) es pairs: best (\d+)/.exec(line);
		if (m) esPairs.set(m[1], Number(m[2]));
	}
	for (const line of lines) {
		const m = /^\s+tune h=(\d+) (sgd|es|ga) (\{.*\}): held-out ([\d.]+)%/.exec(line);
		if (!m) continue;
		const width = Number(m[1]);
		const changed = JSON.parse(m[3]) as Partial<RaceSettings>;
		if (m[2] === 'ga' && changed.pairs === undefined) {
			if (!esPairs.has(m[1])) continue;
			changed.pairs = esPairs.get(m[1]);
		}
		const full = { ...DEFAULT_RACE, ...TUNING_START, width, ...(PREVIOUS_TUNING[m[1]] ?? {}), budget: 6000, batchSize: 128, gaParents: 8, ...changed };
		// k/1000 exactly as the run computed it, not 78.1/100
		logTrials.set(trialKey(m[2], full), { accuracy: Math.round(Number(m[4]) * 10) / 1000, loss: NaN });
	}
}
/** scores handed out from a log (their loss NaN until a tie makes it matter), by trial key */
const fromLog = new Map<string, { score: { accuracy: number; loss: number }; settings: RaceSettings; method: (typeof METHODS)[number]; trial: Trial }>();
const trials: Trial[] = [];
let tuned: RaceSettings = { ...DEFAULT_RACE };
const widthTuning: WidthTuning = {};
const nFit = 7000;
const split: Mnist = {
	nTrain: nFit,
	nTest: data.nTrain - nFit,
	trainX: data.trainX.subarray(0, nFit * 784),
	trainY: data.trainY.subarray(0, nFit),
	testX: data.trainX.subarray(nFit * 784),
	testY: data.trainY.subarray(nFit)
};
const fit = new TrainingData(split);
const val = new TestSet(split);
const fitEval = new EvalSet(fit);
/** One tuning run on the held-out split: the method's held-out accuracy (and loss) at the end of the budget. */
async function tuneRun(method: (typeof METHODS)[number], settings: RaceSettings, changed: Partial<RaceSettings>): Promise<{ accuracy: number; loss: number }> {
	const s = { ...settings, seed: TUNING_SEED, checkpoints: 1, useless: 0 };
	const prior = priorTrials.get(trialKey(method, s));
	if (prior) {
		trials.push({ method, width: s.width, settings: changed, valAccuracy: prior.valAccuracy, valLoss: prior.valLoss, reused: true });
		console.log(`  tune h=${s.width} ${method} ${JSON.stringify(changed)}: held-out ${pctS(prior.valAccuracy)} (reused)`);
		await logTies(method, s.width, prior.valAccuracy);
		return { accuracy: prior.valAccuracy, loss: prior.valLoss };
	}
	const key = trialKey(method, s);
	const logged = logTrials.get(key);
	if (logged) {
		// the same object goes to the search's cache, so filling in its loss later reaches every comparison
		const score = { ...logged };
		const trial: Trial = { method, width: s.width, settings: changed, valAccuracy: score.accuracy, valLoss: NaN, reused: true };
		trials.push(trial);
		fromLog.set(key, { score, settings: s, method, trial });
		console.log(`  tune h=${s.width} ${method} ${JSON.stringify(changed)}: held-out ${pctS(score.accuracy)} (reused from a log)`);
		await logTies(method, s.width, score.accuracy);
		return score;
	}
	const { curves } = await runRace(s, fit, fitEval, val, { methods: [method] });
	const last = curves[method].at(-1)!;
	trials.push({ method, width: s.width, settings: changed, valAccuracy: last.accuracy, valLoss: last.loss });
	console.log(`  tune h=${s.width} ${method} ${JSON.stringify(changed)}: held-out ${pctS(last.accuracy)} (${secs()})`);
	await logTies(method, s.width, last.accuracy);
	return { accuracy: last.accuracy, loss: last.loss };
}
/** A log trial whose accuracy ties a fresh one's is run again, so that the tie is broken by its real loss. */
async function logTies(method: string, width: number, accuracy: number) {
	if (trials.filter((t) => t.method === method && t.width === width && t.valAccuracy === accuracy).length < 2) return;
	for (const [key, l] of fromLog) {
		if (l.method !== method || l.settings.width !== width || l.score.accuracy !== accuracy || !Number.isNaN(l.score.loss)) continue;
		const { curves } = await runRace(l.settings, fit, fitEval, val, { methods: [l.method] });
		const last = curves[l.method].at(-1)!;
		if (last.accuracy !== l.score.accuracy) throw new Error(`log trial ${key} not reproduced (${last.accuracy} vs ${l.score.accuracy})`);
		l.score.loss = last.loss;
		l.trial.valLoss = last.loss;
		delete l.trial.reused;
		console.log(`  rerun for a tie h=${width} ${method} ${JSON.stringify(l.trial.settings)}: loss ${last.loss.toFixed(4)} (${secs()})`);
	}
}
// Ladders: step sizes and noise in factors of about 3, N in factors of 2 (capped where a population
// of 2N·d would not fit the memory cap). The search starts at the previous winners and extends a
// ladder until its winner has a tried neighbour on each side (coordinateSearch).
const LR_LADDER = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3];
const SIGMA_LADDER = [1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1];
const PAIRS_LADDER = [2, 3, 5, 10, 20, 40, 80, 160];
const GA_SIGMA_LADDER = [3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3];
const snap = (ladder: number[], v: number) => ladder.reduce((a, b) => (Math.abs(Math.log(b / v)) < Math.abs(Math.log(a / v)) ? b : a));
/** Tune backprop's step size, ES's (step size, σ, N) and, at GA widths, the GA's σ, at one width. */
async function tuneWidth(base: RaceSettings, withGa: boolean): Promise<RaceSettings> {
	const w = base.width;
	const sgd = await coordinateSearch({ sgdLearningRate: snap(LR_LADDER, base.sgdLearningRate) }, { sgdLearningRate: LR_LADDER }, (x) => tuneRun('sgd', { ...base, ...x }, x));
	const pairsLadder = PAIRS_LADDER.filter((n) => n <= maxPairs(w));
	// a coarse width: one pass over ES's step size and σ, N kept at the start's (see --coarse-widths)
	const coarse = coarseWidths.includes(w);
	const es = coarse
		? await coordinateSearch(
				{ esLearningRate: snap(LR_LADDER, base.esLearningRate), sigma: snap(SIGMA_LADDER, base.sigma) },
				{ esLearningRate: LR_LADDER, sigma: SIGMA_LADDER },
				(x) => tuneRun('es', { ...base, ...x }, x),
				1
			)
		: await coordinateSearch(
				{ esLearningRate: snap(LR_LADDER, base.esLearningRate), sigma: snap(SIGMA_LADDER, base.sigma), pairs: snap(pairsLadder, base.pairs) },
				{ esLearningRate: LR_LADDER, sigma: SIGMA_LADDER, pairs: pairsLadder },
				(x) => tuneRun('es', { ...base, ...x }, x)
			);
	let out: RaceSettings = { ...base, ...sgd.best, ...es.best };
	// N's ladder is cut where 2N·d would pass the memory cap (maxPairs): a winner at that end is marked
	// capped, the most pairs this code can hold at the width, not an edge of what was tried
	const capped = (a: AxisReport) => (a.key === 'pairs' && a.atLadderEnd && a.best === pairsLadder.at(-1) && pairsLadder.length < PAIRS_LADDER.length ? { capped: true } : {});
	const axes: (AxisReport & { method: string; capped?: boolean })[] = [...sgd.axes.map((a) => ({ method: 'sgd', ...a })), ...es.axes.map((a) => ({ method: 'es', ...a, ...capped(a) }))];
	if (coarse) {
		// N's neighbours at the ES winner, only where an earlier run already scored them (no new compute);
		// reported as an axis that is interior only if both were, and never moved
		const i = pairsLadder.indexOf(base.pairs);
		const tried = [base.pairs];
		for (const j of [i - 1, i + 1]) {
			const x = { ...es.best, pairs: pairsLadder[j] };
			if (j < 0 || j >= pairsLadder.length || !logTrials.has(trialKey('es', { ...base, ...x }))) continue;
			const r = await tuneRun('es', { ...base, ...x }, x);
			tried.push(x.pairs);
			if (r.accuracy > Math.max(...trials.filter((t) => t.method === 'es' && t.width === w).map((t) => t.valAccuracy))) throw new Error(`h=${w}: N=${x.pairs} beats the coarse winner; search N properly`);
		}
		tried.sort((a, b) => a - b);
		const interior = tried.length === 3;
		axes.push({ method: 'es', key: 'pairs', ladder: pairsLadder, tried, best: base.pairs, interior, atLadderEnd: false });
	}
	if (withGa) {
		// the GA's population is 2N with ES's N (equal compute per generation); only its σ is tuned
		const ga = await coordinateSearch({ gaSigma: snap(GA_SIGMA_LADDER, base.gaSigma) }, { gaSigma: GA_SIGMA_LADDER }, (x) => tuneRun('ga', { ...out, ...x }, { ...x, pairs: out.pairs }));
		out = { ...out, ...ga.best };
		axes.push(...ga.axes.map((a) => ({ method: 'ga', ...a })));
	}
	tuningAxes[String(w)] = axes;
	for (const a of axes) console.log(`  h=${w} ${a.method} ${a.key}: best ${a.best} of ${a.tried.join(', ')}${a.atLadderEnd ? ' (AT LADDER END)' : ''}`);
	return out;
}
const tuningAxes: Record<string, (AxisReport & { method: string; capped?: boolean })[]> = {};
/**
 * --coarse-widths 128: where a full search does not fit the machine (an ES trial at h = 128 takes
 * ~4 min of a quiet core): backprop's step size as everywhere, then ONE pass for ES (its step size,
 * then σ at the winning step size, each until its winner has tried neighbours on both sides; not
 * revisited), N kept at 20. Recorded in the file as tuning.coarse.
 */
const coarseWidths = (arg('coarse-widths') ?? '').split(',').filter(Boolean).map(Number);
if (tuningFrom) {
	// FILE[,FILE…]: the first file's tuning; a later file's widths replace the earlier ones' (their
	// winners, trials and search reports), e.g. a --tune-widths rerun of one width
	type TuningFile = { createdBy: string; settings: RaceSettings; tuning: { trials: Trial[]; widths: WidthTuning; axes?: typeof tuningAxes; coarse?: number[] } };
	const files = tuningFrom.split(',').map((f) => JSON.parse(readFileSync(f, 'utf8')) as TuningFile);
	if (files.some((f) => f.createdBy !== 'scripts/make-credit.ts')) throw new Error(`${tuningFrom} was not made by this script`);
	// the tuned settings, with this version's defaults for anything the old file did not have
	tuned = { ...DEFAULT_RACE, ...files[0].settings, useless: DEFAULT_RACE.useless };
	for (const f of files) {
		const mine = Object.keys(f.tuning.widths);
		const kept = trials.filter((t) => !mine.includes(String(t.width)));
		trials.length = 0;
		trials.push(...kept, ...f.tuning.trials);
		Object.assign(widthTuning, f.tuning.widths);
		Object.assign(tuningAxes, f.tuning.axes ?? {});
		for (const w of mine) if (coarseWidths.includes(Number(w))) coarseWidths.splice(coarseWidths.indexOf(Number(w)), 1);
		coarseWidths.push(...(f.tuning.coarse ?? []));
	}
	const t = widthTuning[String(tuned.width)];
	if (t) tuned = { ...tuned, ...t };
	console.log(`tuning reused from ${tuningFrom}: sgd lr ${tuned.sgdLearningRate}, es sigma ${tuned.sigma} lr ${tuned.esLearningRate} N ${tuned.pairs}, ga sigma ${tuned.gaSigma}`);
} else if (arg('trial')) {
	// --trial 'es:{"esLearningRate":0.003,"sigma":0.01,"pairs":20}' --tune-widths 128: one tuning run,
	// printed as the search prints it, so that trials the search will need can run side by side and be
	// picked up by --reuse-log (settings not named are the search's start at that width)
	const [method, json] = [arg('trial')!.slice(0, arg('trial')!.indexOf(':')), arg('trial')!.slice(arg('trial')!.indexOf(':') + 1)];
	const changed = JSON.parse(json) as Partial<RaceSettings>;
	for (const width of tuneWidths) await tuneRun(method as (typeof METHODS)[number], { ...DEFAULT_RACE, ...TUNING_START, width, ...(PREVIOUS_TUNING[String(width)] ?? {}), ...changed }, changed);
	process.exit(0);
} else if (!skipTuning) {
	// --no-reuse-check: the check already passed in a run of this version beside this one
	if (priorTrials.size && !process.argv.includes('--no-reuse-check')) {
		// check that this code reproduces the previous run's scores before reusing them: one ES trial afresh
		const probe = { ...DEFAULT_RACE, width: 32, pairs: 20, sigma: 0.03, esLearningRate: 0.01, seed: TUNING_SEED, checkpoints: 1, useless: 0 };
		const old = priorTrials.get(trialKey('es', probe));
		const { curves } = await runRace(probe, fit, fitEval, val, { methods: ['es'] });
		const now = curves.es.at(-1)!.accuracy;
		if (!old || Math.abs(old.valAccuracy - now) > 1e-9) throw new Error(`previous trials not reproduced (${old?.valAccuracy} vs ${now}): run without --reuse-trials`);
		console.log(`  previous trials reproduced (ES h=32: ${pctS(now)}) (${secs()})`);
	}
	// every width starts from the previous run's winners at that width (or the default's)
	for (const width of [DEFAULT_RACE.width, ...TUNE_WIDTHS.filter((w) => w !== DEFAULT_RACE.width)].filter((w) => tuneWidths.includes(w))) {
		const t = await tuneWidth({ ...DEFAULT_RACE, ...TUNING_START, width, ...(PREVIOUS_TUNING[String(width)] ?? {}) }, GA_WIDTHS.includes(width));
		widthTuning[String(width)] = { sgdLearningRate: t.sgdLearningRate, esLearningRate: t.esLearningRate, sigma: t.sigma, pairs: t.pairs, gaSigma: t.gaSigma };
		if (width === DEFAULT_RACE.width) tuned = { ...t, width };
	}
	console.log(`tuned: sgd lr ${tuned.sgdLearningRate}, es sigma ${tuned.sigma} lr ${tuned.esLearningRate} N ${tuned.pairs}, ga sigma ${tuned.gaSigma} (${secs()})`);
	if (tuneOnly) {
		const coarse = coarseWidths.length ? { coarse: coarseWidths } : {};
		writeFileSync(arg('tuning-out') ?? join(outDir, 'tuning.json'), JSON.stringify({ createdBy: 'scripts/make-credit.ts', settings: tuned, tuning: { trials, widths: widthTuning, axes: tuningAxes, ...coarse } }, round) + '\n');
		console.log(`wrote tuning.json in ${secs()}`);
		process.exit(0);
	}
}
widthTuning[String(tuned.width)] = { sgdLearningRate: tuned.sgdLearningRate, esLearningRate: tuned.esLearningRate, sigma: tuned.sigma, pairs: tuned.pairs, gaSigma: tuned.gaSigma };
fit.dispose();
val.dispose();
fitEval.dispose();

// ---- the compute-to-target study: forward passes each method needs to reach each target -------------
// Budgets (STUDY_BUDGET) and the curvature's digits (CURVATURE_EXAMPLES) are in credit-defaults, shared
// with the page's live study. A method that never reaches a target is reported as more than its budget.
async function targetStudy(): Promise<TargetStudy> {
	const runs: TargetRun[] = [];
	const curvature: CurvatureRun[] = [];
	for (const seed of seeds)
		for (const width of targetWidths) {
			const s = { ...settingsForWidth(tuned, width, widthTuning), seed };
			const c = await measureCurvature({ width, seed, examples: CURVATURE_EXAMPLES }, train);
			curvature.push({ seed, width, ...c });
			console.log(`  curvature h=${width} seed ${seed}: tr(F) ${c.trace.toFixed(3)}, λmax ${c.topEigenvalue.toFixed(3)}, effective dim ${c.effectiveDim.toFixed(1)} (${secs()})`);
			for (const method of METHODS) {
				const r = await runToTargets(method, s, train, evalSet, test, TARGETS, STUDY_BUDGET[method]);
				runs.push({ seed, width, method, budget: STUDY_BUDGET[method], reached: r.reached, curve: r.curve.map((p) => ({ compute: p.compute, loss: p.loss, accuracy: p.accuracy })) });
				const show = r.reached.map((b, i) => `${TARGETS[i] * 100}%: ${b ? b.at : `> ${STUDY_BUDGET[method]}`}`).join(', ');
				console.log(`  to target h=${width} seed ${seed} ${method}: ${show}; final ${pctS(r.curve.at(-1)!.accuracy)} (${secs()})`);
			}
		}
	return { targets: [...TARGETS], widths: targetWidths, seeds, budget: { ...STUDY_BUDGET }, runs, curvature };
}
/**
 * The study as the page reads it (targets.json: the per-seed table, curvature, the check) and its
 * curves (targets-curves.json, not bundled: the unit tests recompute the check from them). With
 * `partial` set, one file with everything, for --merge-targets.
 */
function writeStudy(study: TargetStudy, partial?: string) {
	if (partial) {
		writeFileSync(partial, JSON.stringify(study) + '\n');
		console.log(`wrote ${partial} in ${secs()}`);
		return;
	}
	const v = studyVerdict(study);
	const head = { createdBy: 'scripts/make-credit.ts', backend, testDigits: test.n, settings: tuned, widthTuning };
	const { runs, ...rest } = study;
	writeFileSync(join(outDir, 'targets.json'), JSON.stringify({ ...head, ...rest, table: targetTable(study), verdict: v }, roundFloats) + '\n');
	writeFileSync(join(outDir, 'targets-curves.json'), JSON.stringify({ ...head, ...study }, roundFloats) + '\n');
	console.log(`study: lowest ratio ${JSON.stringify(v.lowest)}, ES-to-70% slope vs d ${v.slope} (${JSON.stringify(v.esDim)}); shown ${v.shown}`);
	console.log(`wrote targets.json and targets-curves.json in ${secs()}`);
}
const recurvature = arg('recurvature');
if (recurvature) {
	// recompute the curvature of partials written before its measurement changed (runs unchanged)
	for (const f of recurvature.split(',')) {
		const part = JSON.parse(readFileSync(f, 'utf8')) as TargetStudy;
		part.curvature = [];
		for (const seed of part.seeds)
			for (const width of part.widths) {
				const c = await measureCurvature({ width, seed, examples: CURVATURE_EXAMPLES }, train);
				part.curvature.push({ seed, width, ...c });
				console.log(`  curvature h=${width} seed ${seed}: tr ${c.trace.toFixed(4)}, λmax ${c.topEigenvalue.toFixed(4)}, effective dim ${c.effectiveDim.toFixed(2)} (${secs()})`);
			}
		writeFileSync(f, JSON.stringify(part) + '\n');
	}
	process.exit(0);
}
const mergeFrom = arg('merge-targets');
if (mergeFrom) {
	// per-seed study files (run in parallel with --targets --seeds k --targets-out …) merged into one
	const parts = mergeFrom.split(',').map((f) => JSON.parse(readFileSync(f, 'utf8')) as TargetStudy);
	const uniq = (xs: number[]) => [...new Set(xs)].sort((a, b) => a - b);
	const all: TargetStudy = {
		...parts[0],
		seeds: uniq(parts.flatMap((p) => p.seeds)),
		widths: uniq(parts.flatMap((p) => p.widths)),
		runs: parts.flatMap((p) => p.runs),
		curvature: parts.flatMap((p) => p.curvature)
	};
	writeStudy(all);
	process.exit(0);
}
if (process.argv.includes('--targets')) {
	writeStudy(await targetStudy(), arg('targets-out'));
	process.exit(0);
}

// ---- 2. the race (all three methods) at the default width, then the width sweep (backprop vs ES) ---
const sweepBySeed: Record<number, SweepPoint[]> = {};
let raceCurves: RaceCurves | null = null;
const records: Record<string, number>[] = [];
// --merge-results F1,F2,…: steps 2-3 were run per seed side by side (--seeds k --results-out F); take theirs
type Partial_ = {
	seeds: number[];
	widths: number[];
	widthTuning: WidthTuning;
	records: Record<string, number>[];
	sweepBySeed: Record<number, SweepPoint[]>;
	cosByN: typeof cosByN;
	raceCurves: RaceCurves | null;
	pictures: typeof pictures;
};
const partials = (arg('merge-results') ?? '')
	.split(',')
	.filter(Boolean)
	.map((f) => JSON.parse(readFileSync(f, 'utf8')) as Partial_)
	.sort((a, b) => a.seeds[0] - b.seeds[0]);
if (partials.length) {
	// partials may split seeds (--seeds k) and widths (--sweep-only --widths 128): join them per seed
	const all = [...new Set(partials.flatMap((p) => p.seeds))].sort((a, b) => a - b);
	seeds.length = 0;
	seeds.push(...all);
	for (const seed of all) {
		const rec: Record<string, number> = {};
		sweepBySeed[seed] = [];
		for (const p of partials) {
			const i = p.seeds.indexOf(seed);
			if (i < 0) continue;
			// each partial must have run with the tuning merged here
			for (const w of p.widths) {
				const a = p.widthTuning[String(w)];
				const b = widthTuning[String(w)];
				if (!a || !b || (['sgdLearningRate', 'esLearningRate', 'sigma', 'pairs'] as const).some((k) => a[k] !== b[k])) throw new Error(`partial for seed ${seed} ran h=${w} with ${JSON.stringify(a)}, not ${JSON.stringify(b)}`);
			}
			Object.assign(rec, p.records[i]);
			sweepBySeed[seed].push(...p.sweepBySeed[seed]);
		}
		sweepBySeed[seed].sort((a, b) => a.width - b.width);
		rec.slopeCos = sweepSlopes(sweepBySeed[seed]).cosine;
		records.push(rec);
	}
	raceCurves = partials.filter((p) => p.raceCurves).sort((a, b) => a.seeds[0] - b.seeds[0])[0]?.raceCurves ?? null;
}
const sweepOnly = process.argv.includes('--sweep-only');
for (const seed of partials.length ? [] : seeds) {
	const rec: Record<string, number> = {};
	sweepBySeed[seed] = [];
	if (sweepOnly) {
		// the sweep's widths only (no race at the default width, no cosine figure), for a partial
		for (const width of widths) {
			const p = (await sweepPoint({ ...tuned, seed }, width, train, evalSet, test, {}, undefined, widthTuning))!;
			sweepBySeed[seed].push(p);
			for (const m of SWEEP_METHODS) {
				rec[`${m}Acc_h${width}`] = p.final[m].accuracy;
				rec[`${m}Loss_h${width}`] = p.final[m].loss;
			}
			rec[`cos_h${width}`] = p.cosine;
			console.log(`  seed ${seed} h=${width}: sgd ${pctS(p.final.sgd.accuracy)} es ${pctS(p.final.es.accuracy)}, cos ${p.cosine.toFixed(3)} (${secs()})`);
		}
		records.push(rec);
		continue;
	}
	const { curves } = await runRace({ ...tuned, seed }, train, evalSet, test);
	if (seed === seeds[0]) raceCurves = curves;
	for (const m of METHODS) {
		rec[`${m}Acc`] = curves[m].at(-1)!.accuracy;
		rec[`${m}Loss`] = curves[m].at(-1)!.loss;
	}
	// ES with k useless parameters against plain ES: the largest gap anywhere along the curve
	const padded = curves.esUseless!;
	rec.esUselessAcc = padded.at(-1)!.accuracy;
	rec.esUselessLoss = padded.at(-1)!.loss;
	rec.esUselessMaxGap = Math.max(...padded.map((p, i) => Math.max(Math.abs(p.accuracy - curves.es[i].accuracy), Math.abs(p.loss - curves.es[i].loss))));
	console.log(
		`  race seed ${seed}: sgd ${pctS(rec.sgdAcc)} es ${pctS(rec.esAcc)} ga ${pctS(rec.gaAcc)}; es + ${tuned.useless} useless ${pctS(rec.esUselessAcc)} (largest gap ${rec.esUselessMaxGap}) (${secs()})`
	);
	for (const width of widths) {
		const s = { ...tuned, seed };
		const p = (await sweepPoint(s, width, train, evalSet, test, {}, width === tuned.width ? curves : undefined, widthTuning))!;
		sweepBySeed[seed].push(p);
		for (const m of SWEEP_METHODS) {
			rec[`${m}Acc_h${width}`] = p.final[m].accuracy;
			rec[`${m}Loss_h${width}`] = p.final[m].loss;
		}
		rec[`cos_h${width}`] = p.cosine;
		console.log(`  seed ${seed} h=${width}: sgd ${pctS(p.final.sgd.accuracy)} es ${pctS(p.final.es.accuracy)}, cos ${p.cosine.toFixed(3)} (theory ${p.theory.toFixed(3)}) (${secs()})`);
	}
	rec.slopeCos = sweepSlopes(sweepBySeed[seed]).cosine;
	records.push(rec);
}

// ---- 3. the cosine figure: against N at the default width, and with useless parameters --------------
const USELESS = [0, 25_000, 100_000];
const cosByN: { seed: number; useless: number; d: number; points: { pairs: number; cosine: number; cosineUseful: number; theory: number }[] }[] = [];
let pictures: { unit: number; truth: number[]; estimate: number[] }[] = [];
if (partials.length) {
	for (const p of partials) cosByN.push(...p.cosByN);
	pictures = partials.filter((p) => p.pictures.length).sort((a, b) => a.seeds[0] - b.seeds[0])[0]?.pictures ?? [];
}
for (const seed of partials.length || sweepOnly ? [] : seeds) {
	const rec = records[seeds.indexOf(seed)];
	for (const useless of USELESS) {
		const r = await measureCosine(
			{ width: DEFAULT_RACE.width, seed, pairs: [...COSINE_PAIRS], sigma: COSINE_SIGMA, useless, batchSize: DEFAULT_RACE.batchSize, units: seed === seeds[0] && useless === 0 ? [0, 1, 2] : [] },
			train
		);
		cosByN.push({ seed, useless, d: r.d + useless, points: r.points.map((p) => ({ pairs: p.pairs, cosine: p.cosine, cosineUseful: p.cosineUseful, theory: p.theory })) });
		for (const p of r.points) {
			rec[`cos_N${p.pairs}_k${useless}`] = p.cosine;
			rec[`cosUseful_N${p.pairs}_k${useless}`] = p.cosineUseful;
		}
		if (r.pictures.length) pictures = r.pictures.map((p) => ({ unit: p.unit, truth: Array.from(p.truth), estimate: Array.from(p.estimate) }));
		console.log(`  cosine seed ${seed} k=${useless}: ${r.points.map((p) => `N${p.pairs} ${p.cosine.toFixed(3)}/${p.theory.toFixed(3)}`).join(' ')} (${secs()})`);
	}
}

const resultsOut = arg('results-out');
if (resultsOut) {
	// a partial (unrounded) for --merge-results
	const mine = Object.fromEntries(widths.map((w) => [String(w), widthTuning[String(w)]]));
	writeFileSync(resultsOut, JSON.stringify({ seeds, widths, widthTuning: mine, records, sweepBySeed, cosByN, raceCurves, pictures }) + '\n');
	console.log(`wrote ${resultsOut} in ${secs()}`);
	process.exit(0);
}
const stats = aggregate(records);
const theory: Record<string, number> = {};
for (const useless of USELESS)
	for (const N of COSINE_PAIRS) {
		theory[`cos_N${N}_k${useless}`] = Math.sqrt(N / (N + mlpParamCount(DEFAULT_RACE.width) + useless));
		// on the useful parameters the estimate is the same as without the useless ones
		theory[`cosUseful_N${N}_k${useless}`] = Math.sqrt(N / (N + mlpParamCount(DEFAULT_RACE.width)));
	}
const results = {
	createdBy: 'scripts/make-credit.ts',
	backend,
	testDigits: test.n,
	evalDigits: evalSet.x.shape[0],
	settings: tuned,
	seeds,
	tuning: { seed: TUNING_SEED, heldOut: 'train digits 7000-7999 (trained on 0-6999)', trials, widths: widthTuning, axes: tuningAxes, ...(coarseWidths.length ? { coarse: coarseWidths } : {}), ...(tuningFrom ? { reusedFrom: 'a scripts/make-credit.ts --tune-only run of this version (--tuning-from)' } : {}) },
	race: raceCurves,
	sweep: sweepBySeed[seeds[0]],
	sweepBySeed,
	cosine: { sigma: COSINE_SIGMA, width: DEFAULT_RACE.width, useless: USELESS, byN: cosByN, pictures, theory },
	summary: { stats }
};
writeFileSync(join(outDir, 'results.json'), JSON.stringify(results, round) + '\n');
if (!skipStudy) writeStudy(await targetStudy());
const s = (k: string) => `${pctS(stats[k].mean)} ± ${(stats[k].sd * 100).toFixed(1)}`;
console.log(`race h=${tuned.width}: sgd ${s('sgdAcc')}, es ${s('esAcc')}, ga ${s('gaAcc')}, es + ${tuned.useless} useless ${s('esUselessAcc')}`);
console.log(`cosine at N=16: all ${stats.cos_N16_k100000.mean.toFixed(4)} vs useful ${stats.cosUseful_N16_k100000.mean.toFixed(4)} (k=100000), ${stats.cos_N16_k0.mean.toFixed(4)} (k=0)`);
console.log(`slope of cosine vs d: ${stats.slopeCos.mean.toFixed(3)} ± ${stats.slopeCos.sd.toFixed(3)}`);
console.log(`wrote ${join(outDir, 'results.json')} in ${secs()}`);
