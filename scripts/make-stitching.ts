// Trains the shipped checkpoints and results of the stitching essay from fixed seeds, in Node (wasm).
//   static/checkpoints/stitching/{A,B}.nrsc   the default pair (seeds 1 and 2, width 256), loaded by the page;
//                                             float16 (SHIPPED_DTYPE)
//   static/checkpoints/stitching/results.json every figure's numbers for that pair (shown before tfjs
//                                             loads), the width sweep, and a summary over seed pairs
// Also trains, per seed pair, a net C with A's initialisation but another batch order, to measure the
// same-init control (copies from one init are already linearly connected on MNIST).
// Every net (shipped, other pairs, C, the width sweep) is rounded to SHIPPED_DTYPE (roundToStored) as soon
// as it is trained, and every number here is computed from the rounded parameters, so the stored files
// give back exactly the numbers in results.json (tests/unit/checkpoints.test.ts); the last point of each
// training curve is that net's accuracy too.
// Usage: npx tsx scripts/make-stitching.ts [--pairs 1:2,3:4,5:6] [--steps 1500] [--widths 64,128,256,512]
//        npx tsx scripts/make-stitching.ts --only weight-matching
//   The second form redoes only what the alignment touches (both matchings, every gradient-free stitch,
//   the interpolation paths, the width sweep) and keeps the rest of results.json: the trained stitches
//   and the same-init net C, which take most of the time. It reads the default pair from its stored
//   checkpoints and retrains the other nets from their seeds (training is deterministic on one backend),
//   and stops if a number the alignment cannot change (A's and B's accuracy, the naive barrier) moved.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useBackend, loadMnistFromDisk } from './node-tf';
import { writeCheckpointManifest } from './hash-checkpoints';
import { TrainingData } from '../src/lib/ml/trainer';
import { TestSet } from '../src/lib/ml/surgery';
import { initParams } from '../src/lib/ml/model';
import { permuteHidden, weightMatch } from '../src/lib/ml/stitch';
import { SHIPPED_DTYPE, decodeCheckpoint, encodeCheckpoint, roundToStored } from '../src/lib/ml/checkpoint';
import {
	DEFAULT_CUT,
	DEFAULT_STITCH,
	METHODS,
	StitchLab,
	aggregate,
	analyse,
	headline,
	interpAlphas,
	stitchNetConfig,
	stitchTrainConfig,
	sweepPointFrom,
	trainNets,
	type Stat,
	type StitchReport,
	type StitchSettings,
	type SweepPoint,
	type TrainedNet
} from '../src/lib/ml/experiments/stitching';

const arg = (name: string) => {
	const i = process.argv.indexOf(`--${name}`);
	return i >= 0 ? process.argv[i + 1] : undefined;
};
const pairs = (arg('pairs') ?? '1:2,3:4,5:6').split(',').map((p) => p.split(':').map(Number) as [number, number]);
const steps = Number(arg('steps') ?? DEFAULT_STITCH.steps);
const widths = (arg('widths') ?? '64,128,256,512').split(',').map(Number);
const outDir = join(process.cwd(), 'static', 'checkpoints', 'stitching');

const backend = await useBackend();
const data = loadMnistFromDisk();
const train = new TrainingData(data);
const test = new TestSet(data);
console.log(`make-stitching: backend ${backend}, pairs ${pairs.map((p) => p.join(':')).join(',')}, ${steps} steps, widths ${widths.join(',')}`);
mkdirSync(outDir, { recursive: true });

const round = (_k: string, v: unknown) => (typeof v === 'number' ? (Number.isFinite(v) ? Number(v.toPrecision(5)) : null) : v);
const pctS = (v: number) => `${(v * 100).toFixed(1)}%`;

/** Correlation matrix in [−1, 1] as uint8 (0 ↔ −1, 255 ↔ +1), base64. */
function quantise(c: Float32Array): string {
	const q = new Uint8Array(c.length);
	for (let i = 0; i < c.length; i++) q[i] = Math.round(((Math.max(-1, Math.min(1, c[i])) + 1) / 2) * 255);
	return Buffer.from(q).toString('base64');
}

/**
 * Train nets as trainNets does, then round each to the stored dtype: its params, its test accuracy and
 * its curve's last point are those of the net as stored.
 */
async function trainStored(...args: Parameters<typeof trainNets>): Promise<TrainedNet[]> {
	const out: TrainedNet[] = [];
	for (const net of await trainNets(...args)) {
		const params = roundToStored(net.params);
		const lab = new StitchLab(net.config, params, params, train, args[3], DEFAULT_STITCH.statDigits);
		try {
			const { accA: acc } = await lab.baseline(); // as analyse() measures accA and accB
			out.push({ ...net, params, testAccuracy: acc, curve: net.curve.map((p, i, all) => (i === all.length - 1 ? { ...p, accuracy: acc } : p)) });
		} finally {
			lab.dispose();
		}
	}
	return out;
}

async function sameInitBarrier(s: StitchSettings, A: TrainedNet, seedC: number) {
	const cfg = stitchNetConfig(s.width);
	const [C] = await trainStored([{ name: 'C', config: stitchTrainConfig(s, seedC), init: initParams(cfg, s.seedA) }], s.steps, train, test, { chunk: 100, accuracyEvery: 0 });
	const lab = new StitchLab(cfg, A.params, C.params, train, test, s.statDigits);
	try {
		const ip = await lab.interpolation(interpAlphas(), ['naive']);
		return { barrier: ip.naive.barrier, worstAcc: ip.naive.worstAcc, accC: C.testAccuracy };
	} finally {
		lab.dispose();
	}
}

/**
 * `--only weight-matching`: recompute what the alignment touches from the same nets, keep the rest of
 * results.json. Summary statistics of keys this mode computes are replaced; the others (trained
 * stitches, same-init control) stay as they were.
 */
async function onlyWeightMatching() {
	const file = join(outDir, 'results.json');
	if (!existsSync(file)) throw new Error('--only needs an existing results.json');
	const prev = JSON.parse(readFileSync(file, 'utf8'));
	const prevPairs = prev.summary.pairs as [number, number][];
	const prevStats = prev.summary.stats as Record<string, Stat>;
	const fresh: Record<string, number>[] = [];
	const t0 = performance.now();
	for (const [seedA, seedB] of prevPairs) {
		const s: StitchSettings = { ...DEFAULT_STITCH, seedA, seedB, steps: prev.settings.steps };
		const isDefault = seedA === DEFAULT_STITCH.seedA && seedB === DEFAULT_STITCH.seedB;
		const [pa, pb] = isDefault
			? (['A', 'B'] as const).map((n) => decodeCheckpoint(readFileSync(join(outDir, `${n}.nrsc`))).params)
			: (
					await trainStored(
						[
							{ name: 'A', config: stitchTrainConfig(s, seedA) },
							{ name: 'B', config: stitchTrainConfig(s, seedB) }
						],
						s.steps,
						train,
						test,
						{ chunk: 50, accuracyEvery: 2 }
					)
				).map((n) => n.params);
		const { report } = await analyse(stitchNetConfig(s.width), pa, pb, train, test, s, { trained: false });
		const h = {
			...headline(report),
			movedA: movedFromInit(pa, seedA, s.width),
			movedB: movedFromInit(pb, seedB, s.width),
			...(await restartSpread(s.width, pa, pb, seedA))
		};
		fresh.push(h);
		const o = report.align.objective;
		console.log(
			`  pair ${seedA}:${seedB}: A ${pctS(report.accA)} B ${pctS(report.accB)}; barrier naive ${h.barrier_naive.toFixed(4)} weight ${h.barrier_weight.toFixed(4)} activation ${h.barrier_activation.toFixed(4)}` +
				`\n    objective ⟨θA, π(θB)⟩: naive ${o.naive.toFixed(1)} weight ${o.weight.toFixed(1)} activation ${o.activation.toFixed(1)} (‖θA‖‖θB‖ ${o.norms.toFixed(1)}); restarts ${report.align.weightObjectives.map((v) => v.toFixed(1)).join(' ')}` +
				`\n    weight stitch ${report.acc.weight.map(pctS).join(' / ')}; weight ${report.align.weightMs.toFixed(0)} ms (${report.align.weightRestarts} restarts, ${report.align.weightSweeps} sweeps) (${((performance.now() - t0) / 1000).toFixed(0)} s so far)`
		);
		if (isDefault) {
			const old = prev.report as StitchReport;
			for (const m of ['trained', 'random'] as const) report.acc[m] = old.acc[m];
			report.timings = { ...report.timings, stitchTrainMs: old.timings.stitchTrainMs };
			report.stitchCurves = old.stitchCurves;
			prev.report = report;
		}
	}
	const stats = aggregate(fresh);
	// numbers no permutation can change must come back as shipped, or the nets are not the same
	for (const key of ['accA', 'accB', 'barrier_naive', 'naive2', 'lstsq2']) {
		const [a, b] = [prevStats[key].mean, stats[key].mean];
		if (Math.abs(a - b) > 1e-4) throw new Error(`--only: ${key} was ${a}, now ${b}: the retrained nets differ from the shipped run`);
	}
	for (const [k, v] of Object.entries(stats)) if (v.n === prevPairs.length) prevStats[k] = v;
	console.log(`  trained weights moved ‖θ − θ₀‖/‖θ‖ = ${stats.movedA.mean.toFixed(3)} (A), ${stats.movedB.mean.toFixed(3)} (B)`);
	const sweep: SweepPoint[] = [];
	for (const width of widths) {
		if (width === DEFAULT_STITCH.width) {
			sweep.push(sweepPointFrom(prev.report));
			continue;
		}
		const t1 = performance.now();
		const s: StitchSettings = { ...DEFAULT_STITCH, width, steps: prev.settings.steps };
		const nets = await trainStored(
			[
				{ name: 'A', config: stitchTrainConfig(s, s.seedA) },
				{ name: 'B', config: stitchTrainConfig(s, s.seedB) }
			],
			s.steps,
			train,
			test,
			{ chunk: 100, accuracyEvery: 0 }
		);
		const { report } = await analyse(nets[0].config, nets[0].params, nets[1].params, train, test, s, { trained: false });
		const p = sweepPointFrom(report);
		const was = (prev.sweep as SweepPoint[]).find((q) => q.width === width);
		if (was && (Math.abs(was.accA - p.accA) > 1e-4 || Math.abs(was.barrier.naive - p.barrier.naive) > 1e-3 * Math.max(1, was.barrier.naive)))
			throw new Error(`--only: width ${width} nets differ from the shipped run`);
		sweep.push(p);
		console.log(
			`  width ${width}: barrier naive ${p.barrier.naive.toFixed(4)} weight ${p.barrier.weight.toFixed(4)} (was ${was?.barrier.weight.toFixed(4)}) activation ${p.barrier.activation.toFixed(4)}; objective weight ${p.objective.weight.toFixed(1)} activation ${p.objective.activation.toFixed(1)} / ${p.objective.norms.toFixed(1)} (${((performance.now() - t1) / 1000).toFixed(0)} s)`
		);
	}
	prev.sweep = sweep.sort((a, b) => a.width - b.width);
	writeFileSync(file, JSON.stringify(prev, round) + '\n');
	console.log(`make-stitching --only weight-matching: wrote ${file} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

if (arg('only') !== undefined) {
	if (arg('only') !== 'weight-matching') throw new Error('--only takes weight-matching');
	await onlyWeightMatching();
	train.dispose();
	test.dispose();
	process.exit(0);
}

/**
 * How far training carried a net from its random start, as a fraction of its length: ‖θ − θ₀‖ / ‖θ‖.
 * Weight matching compares whole weight vectors, and the part still equal to θ₀ is independent noise
 * between A and B (the essay quotes this beside the weight-matched barrier).
 */
function movedFromInit(params: Float32Array, seed: number, width: number): number {
	const init = initParams(stitchNetConfig(width), seed);
	let d = 0;
	let n = 0;
	for (let i = 0; i < params.length; i++) {
		d += (params[i] - init[i]) ** 2;
		n += params[i] ** 2;
	}
	return Math.sqrt(d / n);
}

/**
 * Weight matching's restarts one by one: the barrier each restart's relabelling leaves on the straight
 * path, beside its objective. Shows how much the kept (largest-objective) restart owes to luck: the
 * objective can barely separate restarts whose barriers differ several-fold.
 */
async function restartSpread(width: number, pa: Float32Array, pb: Float32Array, seed: number): Promise<Record<string, number>> {
	const cfg = stitchNetConfig(width);
	const lab = new StitchLab(cfg, pa, pb, train, test, DEFAULT_STITCH.statDigits);
	const ends: { perms: Int32Array[]; objective: number }[] = [];
	try {
		await weightMatch(cfg, lab.A, lab.B, { seed, onRestart: (_r, perms, objective) => ends.push({ perms: perms.map((p) => p.slice()), objective }) });
	} finally {
		lab.dispose();
	}
	const barriers: number[] = [];
	for (const e of ends) {
		const one = new StitchLab(cfg, pa, permuteHidden(cfg, pb, e.perms), train, test, DEFAULT_STITCH.statDigits);
		try {
			barriers.push((await one.interpolation(interpAlphas(), ['naive'])).naive.barrier);
		} finally {
			one.dispose();
		}
	}
	const objs = ends.map((e) => e.objective);
	console.log(`    restarts: ${ends.map((e, i) => `${e.objective.toFixed(1)}→${barriers[i].toFixed(3)}`).join(', ')} (objective→barrier)`);
	return {
		restartBarrierMin: Math.min(...barriers),
		restartBarrierMax: Math.max(...barriers),
		restartObjectiveSpread: (Math.max(...objs) - Math.min(...objs)) / Math.max(...objs)
	};
}

const records: Record<string, number>[] = [];
let shipped: Record<string, unknown> = {};
let defaultSweepPoint: SweepPoint | null = null;
for (const [seedA, seedB] of pairs) {
	const s: StitchSettings = { ...DEFAULT_STITCH, seedA, seedB, steps };
	const t0 = performance.now();
	const [A, B] = await trainStored(
		[
			{ name: 'A', config: stitchTrainConfig(s, seedA) },
			{ name: 'B', config: stitchTrainConfig(s, seedB) }
		],
		steps,
		train,
		test,
		{ chunk: 50, accuracyEvery: 2 }
	);
	const trainMs = performance.now() - t0;
	const { report, corr } = await analyse(A.config, A.params, B.params, train, test, s);
	const same = await sameInitBarrier(s, A, seedB);
	const h: Record<string, number> = {
		...headline(report),
		barrier_sameInit: same.barrier,
		worst_sameInit: same.worstAcc,
		movedA: movedFromInit(A.params, seedA, s.width),
		movedB: movedFromInit(B.params, seedB, s.width),
		...(await restartSpread(s.width, A.params, B.params, seedA))
	};
	records.push(h);
	console.log(
		`  pair ${seedA}:${seedB}: A ${pctS(report.accA)} B ${pctS(report.accB)} (trained in ${(trainMs / 1000).toFixed(1)} s)\n` +
			METHODS
				.map((m) => `    ${m.padEnd(11)} ${report.acc[m].map(pctS).join(' / ')}`)
				.join('\n') +
			`\n    barrier naive ${h.barrier_naive.toFixed(3)} weight ${h.barrier_weight.toFixed(3)} activation ${h.barrier_activation.toFixed(3)} same-init ${same.barrier.toFixed(3)}` +
			`\n    worst acc naive ${pctS(h.worst_naive)} weight ${pctS(h.worst_weight)} activation ${pctS(h.worst_activation)} same-init ${pctS(same.worstAcc)}` +
			`\n    objective ⟨θA, π(θB)⟩ naive ${report.align.objective.naive.toFixed(1)} weight ${report.align.objective.weight.toFixed(1)} activation ${report.align.objective.activation.toFixed(1)} (‖θA‖‖θB‖ ${report.align.objective.norms.toFixed(1)})` +
			`\n    align: activation ${report.align.activationMs.toFixed(0)} ms, weight ${report.align.weightMs.toFixed(0)} ms (${report.align.weightRestarts} restarts, best after ${report.align.weightSweeps} sweeps), lstsq ${report.timings.lstsqMs.toFixed(0)} ms, trained stitch ${report.timings.stitchTrainMs?.toFixed(0)} ms each`
	);
	if (seedA === DEFAULT_STITCH.seedA && seedB === DEFAULT_STITCH.seedB) {
		for (const net of [A, B]) {
			const bytes = encodeCheckpoint(
				{
					config: net.config,
					training: { seed: net.name === 'A' ? seedA : seedB, steps, learningRate: s.learningRate, batchSize: s.batchSize, layerDrop: 0, backend },
					lossCurve: net.curve.map((p) => [p.step, p.loss]),
					testAccuracy: net.testAccuracy,
					createdBy: 'scripts/make-stitching.ts'
				},
				net.params,
				SHIPPED_DTYPE
			);
			writeFileSync(join(outDir, `${net.name}.nrsc`), bytes);
		}
		shipped = {
			nets: { A: { testAccuracy: A.testAccuracy, curve: A.curve }, B: { testAccuracy: B.testAccuracy, curve: B.curve } },
			report,
			corr: { layer: DEFAULT_CUT, width: s.width, base64: quantise(corr[DEFAULT_CUT - 1]) },
			sameInit: same
		};
		defaultSweepPoint = sweepPointFrom(report);
	}
	console.log(`  pair ${seedA}:${seedB} took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

// Width sweep for the default pair: train A and B at each width, align, interpolate.
const sweep: SweepPoint[] = [];
for (const width of widths) {
	if (width === DEFAULT_STITCH.width && defaultSweepPoint) {
		sweep.push(defaultSweepPoint);
		continue;
	}
	const t0 = performance.now();
	const s: StitchSettings = { ...DEFAULT_STITCH, width, steps };
	const [A, B] = await trainStored(
		[
			{ name: 'A', config: stitchTrainConfig(s, s.seedA) },
			{ name: 'B', config: stitchTrainConfig(s, s.seedB) }
		],
		steps,
		train,
		test,
		{ chunk: 100, accuracyEvery: 0 }
	);
	const { report } = await analyse(A.config, A.params, B.params, train, test, s, { trained: false });
	const p = sweepPointFrom(report);
	sweep.push(p);
	console.log(
		`  width ${width}: A ${pctS(p.accA)} B ${pctS(p.accB)}; barrier naive ${p.barrier.naive.toFixed(3)} weight ${p.barrier.weight.toFixed(3)} activation ${p.barrier.activation.toFixed(3)}; stitch@${DEFAULT_CUT} naive ${pctS(p.stitch.naive)} act ${pctS(p.stitch.activation)} weight ${pctS(p.stitch.weight)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`
	);
}
sweep.sort((a, b) => a.width - b.width);

const results = {
	createdBy: 'scripts/make-stitching.ts',
	backend,
	testDigits: test.n,
	settings: { ...DEFAULT_STITCH, steps },
	cut: DEFAULT_CUT,
	...shipped,
	sweep,
	summary: { pairs, stats: aggregate(records) }
};
writeFileSync(join(outDir, 'results.json'), JSON.stringify(results, round) + '\n');
// the worker checks every checkpoint it fetches against this manifest (size and sha256)
writeCheckpointManifest();
train.dispose();
test.dispose();
console.log(`make-stitching: wrote ${outDir}`);
