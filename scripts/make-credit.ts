// Computes the shipped results of the credit-assignment essay from fixed seeds, in Node (wasm):
//   static/checkpoints/credit/results.json
// 1. tuning: every method's step size (and ES's and the GA's noise) picked on held-out TRAINING digits
//    (train on 7,000, score on the other 1,000; never the test digits), ES with more trials than backprop;
// 2. the race at every sweep width and seed (the default width's curves are the race figure), with ES
//    raced a second time at the default width with k useless parameters (it must match the plain run);
// 3. the cosine between the ES estimate and the true gradient against N, d and useless parameters, on
//    all parameters and on the net's own (the useful ones).
// No weight files: every net starts from its seed. Usage: npx tsx scripts/make-credit.ts [--seeds 1,2,3]
// [--tuning-from static/checkpoints/credit/results.json]: reuse that file's tuning (trials and winners)
// instead of rerunning step 1, which is deterministic and takes most of the time; the file says so.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useBackend, loadMnistFromDisk } from './node-tf';
import { TrainingData } from '../src/lib/ml/trainer';
import { TestSet } from '../src/lib/ml/surgery';
import type { Mnist } from '../src/lib/ml/data';
import { measureCosine, mlpParamCount } from '../src/lib/ml/es';
import {
	COSINE_PAIRS,
	COSINE_SIGMA,
	DEFAULT_RACE,
	EvalSet,
	METHODS,
	SWEEP_METHODS,
	SWEEP_WIDTHS,
	aggregate,
	runRace,
	sweepPoint,
	sweepSlopes,
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
const outDir = join(process.cwd(), 'static', 'checkpoints', 'credit');
const TUNING_SEED = 0;

const backend = await useBackend();
const data = loadMnistFromDisk();
const train = new TrainingData(data);
const test = new TestSet(data);
const evalSet = new EvalSet(train);
console.log(`make-credit: backend ${backend}, seeds ${seeds.join(',')}, widths ${widths.join(',')}`);
mkdirSync(outDir, { recursive: true });
const round = (_k: string, v: unknown) => (typeof v === 'number' ? (Number.isFinite(v) ? Number(v.toPrecision(4)) : null) : v);
const pctS = (v: number) => `${(v * 100).toFixed(1)}%`;
const t0 = performance.now();
const secs = () => `${((performance.now() - t0) / 1000).toFixed(0)} s`;

// ---- 1. tuning on held-out training digits -------------------------------------------------------
type Trial = { method: string; width: number; settings: Partial<RaceSettings>; valAccuracy: number; valLoss: number };
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
type GridEntry = { method: (typeof METHODS)[number]; settings: Partial<RaceSettings> };
/** Run each grid entry on the held-out split; return the best settings per method. */
async function tune(base: RaceSettings, grid: GridEntry[]): Promise<Partial<RaceSettings>> {
	const mine: Trial[] = [];
	for (const g of grid) {
		const s = { ...base, ...g.settings, seed: TUNING_SEED, checkpoints: 1, useless: 0 };
		const { curves } = await runRace(s, fit, fitEval, val, { methods: [g.method] });
		const last = curves[g.method].at(-1)!;
		mine.push({ method: g.method, width: s.width, settings: g.settings, valAccuracy: last.accuracy, valLoss: last.loss });
		console.log(`  tune h=${s.width} ${g.method} ${JSON.stringify(g.settings)}: held-out ${pctS(last.accuracy)} (${secs()})`);
	}
	trials.push(...mine);
	let best: Partial<RaceSettings> = {};
	for (const m of new Set(grid.map((g) => g.method))) {
		const top = mine.filter((t) => t.method === m).sort((a, b) => b.valAccuracy - a.valAccuracy)[0];
		best = { ...best, ...top.settings };
	}
	return best;
}
if (tuningFrom) {
	const old = JSON.parse(readFileSync(tuningFrom, 'utf8')) as { createdBy: string; settings: RaceSettings; tuning: { trials: Trial[]; widths: WidthTuning } };
	if (old.createdBy !== 'scripts/make-credit.ts') throw new Error(`${tuningFrom} was not made by this script`);
	// the tuned settings, with this version's defaults for anything the old file did not have
	tuned = { ...DEFAULT_RACE, ...old.settings, useless: DEFAULT_RACE.useless };
	trials.push(...old.tuning.trials);
	Object.assign(widthTuning, old.tuning.widths);
	console.log(`tuning reused from ${tuningFrom}: sgd lr ${tuned.sgdLearningRate}, es sigma ${tuned.sigma} lr ${tuned.esLearningRate}, ga sigma ${tuned.gaSigma}`);
} else if (!skipTuning) {
	tuned = {
		...tuned,
		...(await tune(DEFAULT_RACE, [
			...[1e-3, 3e-3, 1e-2, 3e-2].map((lr) => ({ method: 'sgd' as const, settings: { sgdLearningRate: lr } })),
			...[0.01, 0.03, 0.1].flatMap((sigma) => [0.003, 0.01, 0.03].map((lr) => ({ method: 'es' as const, settings: { sigma, esLearningRate: lr } }))),
			...[0.003, 0.01, 0.03, 0.1].map((gaSigma) => ({ method: 'ga' as const, settings: { gaSigma } }))
		]))
	};
	console.log(`tuned: sgd lr ${tuned.sgdLearningRate}, es sigma ${tuned.sigma} lr ${tuned.esLearningRate}, ga sigma ${tuned.gaSigma}`);
	// the sweep's other widths: both step sizes again, three each (ES keeps its σ)
	for (const width of widths) {
		if (width === tuned.width) continue;
		const best = await tune({ ...tuned, width }, [
			...[1e-3, 3e-3, 1e-2].map((lr) => ({ method: 'sgd' as const, settings: { sgdLearningRate: lr } })),
			...[0.003, 0.01, 0.03].map((lr) => ({ method: 'es' as const, settings: { esLearningRate: lr } }))
		]);
		widthTuning[String(width)] = { sgdLearningRate: best.sgdLearningRate!, esLearningRate: best.esLearningRate! };
	}
}
widthTuning[String(tuned.width)] = { sgdLearningRate: tuned.sgdLearningRate, esLearningRate: tuned.esLearningRate };
fit.dispose();
val.dispose();
fitEval.dispose();

// ---- 2. the race (all three methods) at the default width, then the width sweep (backprop vs ES) ---
const sweepBySeed: Record<number, SweepPoint[]> = {};
let raceCurves: RaceCurves | null = null;
const records: Record<string, number>[] = [];
for (const seed of seeds) {
	const rec: Record<string, number> = {};
	sweepBySeed[seed] = [];
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
	const sl = sweepSlopes(sweepBySeed[seed]);
	rec.slopeCos = sl.cosine;
	rec.slopeLossRatio = sl.lossRatio;
	records.push(rec);
}

// ---- 3. the cosine figure: against N at the default width, and with useless parameters --------------
const USELESS = [0, 25_000, 100_000];
const cosByN: { seed: number; useless: number; d: number; points: { pairs: number; cosine: number; cosineUseful: number; theory: number }[] }[] = [];
let pictures: { unit: number; truth: number[]; estimate: number[] }[] = [];
for (const seed of seeds) {
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
	tuning: { seed: TUNING_SEED, heldOut: 'train digits 7000-7999 (trained on 0-6999)', trials, widths: widthTuning, ...(tuningFrom ? { reusedFrom: 'the previous scripts/make-credit.ts run (--tuning-from)' } : {}) },
	race: raceCurves,
	sweep: sweepBySeed[seeds[0]],
	sweepBySeed,
	cosine: { sigma: COSINE_SIGMA, width: DEFAULT_RACE.width, useless: USELESS, byN: cosByN, pictures, theory },
	summary: { stats }
};
writeFileSync(join(outDir, 'results.json'), JSON.stringify(results, round) + '\n');
const s = (k: string) => `${pctS(stats[k].mean)} ± ${(stats[k].sd * 100).toFixed(1)}`;
console.log(`race h=${tuned.width}: sgd ${s('sgdAcc')}, es ${s('esAcc')}, ga ${s('gaAcc')}, es + ${tuned.useless} useless ${s('esUselessAcc')}`);
console.log(`cosine at N=16: all ${stats.cos_N16_k100000.mean.toFixed(4)} vs useful ${stats.cosUseful_N16_k100000.mean.toFixed(4)} (k=100000), ${stats.cos_N16_k0.mean.toFixed(4)} (k=0)`);
console.log(`slope of cosine vs d: ${stats.slopeCos.mean.toFixed(3)} ± ${stats.slopeCos.sd.toFixed(3)}; ES/SGD loss ratio: ${stats.slopeLossRatio.mean.toFixed(3)}`);
console.log(`wrote ${join(outDir, 'results.json')} in ${secs()}`);
