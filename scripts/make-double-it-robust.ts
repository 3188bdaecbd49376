// Computes the shipped results of the "Double it" essay's robustness and learning-rate-drift panels from
// fixed seeds, in Node (wasm): static/checkpoints/double-it/robust.json
// Every net of src/lib/ml/experiments/double-it-robust-defaults.ts: the grid's baseline with the width
// (16 … 512) or the residual depth (1 … 16) changed, scored for neighbour swaps, single deletions and
// relative weight noise; and widths 32 … 512 at seven learning rates (the drift), in the standard
// parametrisation and in μP, the rate chosen on held-out training digits. No weight files: every net
// starts from its seed. The file is rewritten after every net, so a stopped run leaves partial results (`complete: false`); --resume trains only what is missing.
// Usage: npx tsx scripts/make-double-it-robust.ts [--seeds 1,2,3] [--widths 16,32] [--depths 1,2]
//        [--drift-widths 32,64] [--lrs 0.001,0.002] [--resume] [--out file.json]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { useBackend, loadMnistFromDisk } from './node-tf';
import { TrainingData } from '../src/lib/ml/trainer';
import { TestSet } from '../src/lib/ml/test-set';
import {
	DRIFT_LRS,
	DRIFT_WIDTHS,
	HELD_OUT,
	NOISE_DRAWS,
	NOISE_EPS,
	ROBUST_DEPTHS,
	ROBUST_SEEDS,
	ROBUST_WIDTHS,
	type RobustResult,
	axisPoints,
	driftRows,
	heldOutSet,
	planRobust,
	runRobust,
	trendEnd
} from '../src/lib/ml/experiments/double-it-robust';

const arg = (name: string) => {
	const i = process.argv.indexOf(`--${name}`);
	return i >= 0 ? process.argv[i + 1] : undefined;
};
const list = (name: string, dflt: readonly number[]) => (arg(name) ?? dflt.join(',')).split(',').filter(Boolean).map(Number);
const seeds = list('seeds', ROBUST_SEEDS);
const widths = list('widths', ROBUST_WIDTHS);
const depths = list('depths', ROBUST_DEPTHS);
const driftWidths = list('drift-widths', DRIFT_WIDTHS);
const lrs = list('lrs', DRIFT_LRS);
const outFile = arg('out') ?? join(process.cwd(), 'static', 'checkpoints', 'double-it', 'robust.json');

const backend = await useBackend();
const data = loadMnistFromDisk();
const train = new TrainingData(data);
const test = new TestSet(data);
const heldOut = heldOutSet(data);
mkdirSync(dirname(outFile), { recursive: true });
const plan = planRobust(seeds, widths, depths, driftWidths, lrs);
console.log(`make-double-it-robust: backend ${backend}, seeds ${seeds.join(',')}, ${plan.length} nets (${plan.filter((r) => r.measure).length} measured)`);
const t0 = performance.now();
const secs = () => (performance.now() - t0) / 1000;
const round = (_k: string, v: unknown) => (typeof v === 'number' ? (Number.isFinite(v) ? Number(v.toPrecision(4)) : null) : v);
const previous = process.argv.includes('--resume') && existsSync(outFile) ? JSON.parse(readFileSync(outFile, 'utf8')) : null;
const results: RobustResult[] = previous?.results ?? [];
const previousSeconds: number = previous?.seconds ?? 0;
const done = new Set(results.map((r) => r.id));

function write(complete: boolean) {
	const out = {
		note: 'Written by scripts/make-double-it-robust.ts from fixed seeds; every number is a measurement of a net trained from its seed (test digits; the learning rate is chosen on held-out training digits).',
		complete,
		backend,
		seconds: Math.round(secs()) + previousSeconds,
		seeds,
		noiseEps: [...NOISE_EPS],
		noiseDraws: NOISE_DRAWS,
		heldOut: HELD_OUT,
		results
	};
	writeFileSync(outFile, JSON.stringify(out, round) + '\n');
}

await runRobust(
	plan,
	train,
	test,
	heldOut,
	{
		onResult: (r) => {
			results.push(r);
			write(false);
			console.log(`  ${secs().toFixed(0)} s: ${r.id} test ${(r.clean * 100).toFixed(1)} held-out ${(r.heldOut * 100).toFixed(1)}${r.noise ? ` noise ${r.noise.map((a) => (a * 100).toFixed(1)).join('/')} swap ${r.swapAdjacent == null ? '-' : (r.swapAdjacent * 100).toFixed(1)} delete ${(r.deleteOne! * 100).toFixed(1)}` : ''} (${(r.ms / 1000).toFixed(1)} s)`);
		}
	},
	(id) => done.has(id)
);
write(true);

const pct = (v: number) => (v * 100).toFixed(1);
for (const axis of ['width', 'depth'] as const) {
	const pts = axisPoints(results, axis);
	console.log(`${axis}:`);
	for (const p of pts) {
		console.log(
			`  ${String(p.x).padStart(4)} clean ${pct(p.clean.mean)}±${pct(p.clean.sd)}  noise kept ${p.noiseKept.map((s, i) => `ε${NOISE_EPS[i]} ${pct(s.mean)}`).join(' ')}  swap kept ${p.swapKept ? pct(p.swapKept.mean) : '-'}  delete kept ${pct(p.deleteKept.mean)}`
		);
	}
	NOISE_EPS.forEach((e, i) => console.log(`  noise ε=${e} trend: ${JSON.stringify(trendEnd(pts.map((p) => ({ x: p.x, mean: p.noiseKept[i].mean }))))}`));
	console.log(`  delete trend: ${JSON.stringify(trendEnd(pts.map((p) => ({ x: p.x, mean: p.deleteKept.mean }))))}`);
}
for (const r of (['sp', 'mup'] as const).flatMap((param) => driftRows(results, param).map((row) => ({ ...row, param })))) {
	console.log(
		`drift ${r.param} width ${r.width}: best lr ${r.best} (test ${pct(r.bestTest.mean)}±${pct(r.bestTest.sd)}); at width-64's best ${r.atReference ? pct(r.atReference.mean) : '-'}, lost ${r.lost === null ? '-' : pct(r.lost)}; held-out ${r.heldOut.map((s) => pct(s.mean)).join('/')}`
	);
}
console.log(`make-double-it-robust: done in ${secs().toFixed(0)} s`);
