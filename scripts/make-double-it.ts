// Computes the shipped results of the "Double it" essay from fixed seeds, in Node (wasm):
//   static/checkpoints/double-it/results.json
// Every run of the doubling grid (src/lib/ml/experiments/double-it-defaults.ts: the baseline, one row
// per setting, each cell a power-of-two multiple of one setting) with its test curve. Nets of one shape
// train together (src/lib/ml/batched.ts). No weight files: every net starts from its seed, and the page
// can train any cell again. The file is rewritten after every group, so a stopped run leaves partial
// results (marked `complete: false`).
// Every net trains alone (a group of one), whatever the backend: one path for every shipped number,
// so a rerun on the same backend reproduces the file exactly. (Batching measured slower on wasm, npm
// run bench:double-it; on a GPU the page trains a group at once, which agrees only up to float
// rounding: tests/unit/double-it.test.ts.) --resume refuses a file made another way.
// Usage: npx tsx scripts/make-double-it.ts [--seeds 1,2,3] [--rows width,depth,...] [--resume]
// (--resume keeps the runs already in results.json and trains only the missing ones)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useBackend, loadMnistFromDisk } from './node-tf';
import { TrainingData } from '../src/lib/ml/trainer';
import { TestSet } from '../src/lib/ml/test-set';
import { BASELINE, GRID_SEEDS, ROWS, type RunResult, cellResults, fmtFactor, planGrid, runGrid, verdict, singleStepCells } from '../src/lib/ml/experiments/double-it';

const arg = (name: string) => {
	const i = process.argv.indexOf(`--${name}`);
	return i >= 0 ? process.argv[i + 1] : undefined;
};
const seeds = (arg('seeds') ?? GRID_SEEDS.join(',')).split(',').map(Number);
const rowKeys = arg('rows')?.split(',');
const rows = rowKeys ? ROWS.filter((r) => rowKeys.includes(r.key)) : ROWS;
const outDir = join(process.cwd(), 'static', 'checkpoints', 'double-it');

const backend = await useBackend();
const data = loadMnistFromDisk();
const train = new TrainingData(data);
const test = new TestSet(data);
mkdirSync(outDir, { recursive: true });
const { groups, sources } = planGrid(rows, seeds);
console.log(`make-double-it: backend ${backend}, seeds ${seeds.join(',')}, ${groups.length} groups, ${groups.reduce((a, g) => a + g.runs.length, 0)} runs`);
const t0 = performance.now();
const secs = () => (performance.now() - t0) / 1000;
const round = (_k: string, v: unknown) => (typeof v === 'number' ? (Number.isFinite(v) ? Number(v.toPrecision(4)) : null) : v);
const resultsFile = join(outDir, 'results.json');
/** nets trained at once: always one (see above) */
const NETS_AT_ONCE = 1;
const previous = process.argv.includes('--resume') && existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : null;
if (previous && (previous.backend !== backend || previous.netsAtOnce !== NETS_AT_ONCE)) {
	console.error(`make-double-it: ${resultsFile} was made on ${previous.backend} with ${previous.netsAtOnce ?? 'mixed'} nets at once; resuming would mix paths. Run without --resume.`);
	process.exit(1);
}
const runs: RunResult[] = previous?.runs ?? [];
const previousSeconds: number = previous?.seconds ?? 0;
const done = new Set(runs.map((r) => r.id));
if (runs.length) console.log(`  resuming: ${runs.length} runs already in ${resultsFile}`);

function write(complete: boolean) {
	const out = {
		note: 'Written by scripts/make-double-it.ts from fixed seeds; every number is a test-set measurement of a net trained from its seed.',
		complete,
		backend,
		netsAtOnce: NETS_AT_ONCE,
		seconds: Math.round(secs()) + previousSeconds,
		baseline: BASELINE,
		seeds,
		rows: rows.map((r) => r.key),
		runs
	};
	writeFileSync(resultsFile, JSON.stringify(out, round) + '\n');
}

let lastGroup = '';
await runGrid(groups, train, test, {
	onRun: (r) => {
		runs.push(r);
		write(false);
	},
	onProgress: (f, g) => {
		if (g.key === lastGroup) return;
		lastGroup = g.key;
		console.log(`  ${(f * 100).toFixed(0)}% at ${secs().toFixed(0)} s: group ${g.key} (${g.runs.length} nets)`);
	}
}, (id) => done.has(id), NETS_AT_ONCE);
write(true);

const map = new Map(runs.map((r) => [r.id, r]));
const cells = cellResults(sources, map);
const pct = (v: number) => (v * 100).toFixed(1);
for (const row of rows) {
	const line = cells
		.filter((c) => c.key === row.key)
		.sort((a, b) => a.factor - b.factor)
		.map((c) => `${fmtFactor(c.factor)} ${pct(c.acc.mean)}±${pct(c.acc.sd)}${c.broke ? ' BROKE' : ''}`)
		.join('  ');
	console.log(`${row.label.padEnd(28)} ${line}`);
}
const v = verdict(cells, singleStepCells(cells).length);
console.log(v.text);
console.log(`make-double-it: done in ${secs().toFixed(0)} s`);
