// Computes the shipped results of the "Double it" essay's double-descent panel from fixed seeds, in Node
// (wasm): static/checkpoints/double-it/descent.json. Every (training-set size, width, seed) of
// src/lib/ml/experiments/double-it-descent-defaults.ts: a plain net trained 3,000 Adam steps on the
// first 1,000 or 2,000 training digits with a fifth of their labels replaced (the same ones for every
// net), scored on those labels and on the 2,000 clean test digits. No weight files.
// Usage: npx tsx scripts/make-double-it-descent.ts [--seeds 1,2,3] [--widths 2,4] [--sizes 1000]
//        [--out file.json]                partial files (e.g. one seed each, run side by side) …
//        --merge a.json,b.json              … merged into descent.json
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { useBackend, loadMnistFromDisk } from './node-tf';
import { TestSet } from '../src/lib/ml/test-set';
import {
	DESCENT,
	DESCENT_SEEDS,
	DESCENT_SIZES,
	DESCENT_WIDTHS,
	type DescentResult,
	descentCurves,
	descentPlan,
	descentVerdict,
	runDescent
} from '../src/lib/ml/experiments/double-it-descent';

const arg = (name: string) => {
	const i = process.argv.indexOf(`--${name}`);
	return i >= 0 ? process.argv[i + 1] : undefined;
};
const list = (name: string, dflt: readonly number[]) => (arg(name) ?? dflt.join(',')).split(',').filter(Boolean).map(Number);
const shipped = join(process.cwd(), 'static', 'checkpoints', 'double-it', 'descent.json');
const round = (_k: string, v: unknown) => (typeof v === 'number' ? (Number.isFinite(v) ? Number(v.toPrecision(4)) : null) : v);
type DescentFile = { createdBy: string; backend: string; settings: typeof DESCENT; sizes: number[]; widths: number[]; seeds: number[]; seconds: number; results: DescentResult[] };

function write(file: string, f: DescentFile) {
	mkdirSync(dirname(file), { recursive: true });
	const curves = descentCurves(f.results, f.seeds);
	const verdict = descentVerdict(curves);
	writeFileSync(file, JSON.stringify({ ...f, curves, verdict: { shown: verdict.shown, moved: verdict.moved, text: verdict.text } }, round) + '\n');
	console.log(verdict.text);
	console.log(`wrote ${file}`);
}

const merge = arg('merge');
if (merge) {
	const parts = merge.split(',').map((p) => JSON.parse(readFileSync(p, 'utf8')) as DescentFile);
	const uniq = (xs: number[]) => [...new Set(xs)].sort((a, b) => a - b);
	if (parts.some((p) => p.createdBy !== 'scripts/make-double-it-descent.ts' || JSON.stringify(p.settings) !== JSON.stringify(DESCENT))) throw new Error('a partial was made by other code or settings');
	write(arg('out') ?? shipped, {
		...parts[0],
		sizes: uniq(parts.flatMap((p) => p.sizes)),
		widths: uniq(parts.flatMap((p) => p.widths)),
		seeds: uniq(parts.flatMap((p) => p.seeds)),
		// the parts ran side by side: the wall time is the longest part's
		seconds: Math.max(...parts.map((p) => p.seconds)),
		results: parts.flatMap((p) => p.results)
	});
	process.exit(0);
}

const seeds = list('seeds', DESCENT_SEEDS);
const widths = list('widths', DESCENT_WIDTHS);
const sizes = list('sizes', DESCENT_SIZES);
const backend = await useBackend();
const data = loadMnistFromDisk();
const test = new TestSet(data);
const plan = descentPlan(sizes, widths, seeds);
console.log(`make-double-it-descent: backend ${backend}, sizes ${sizes.join(',')}, widths ${widths.join(',')}, seeds ${seeds.join(',')}: ${plan.length} nets`);
const t0 = performance.now();
const results: DescentResult[] = [];
await runDescent(plan, data, test, {
	onResult: (r) => {
		results.push(r);
		console.log(`  n ${r.nTrain} width ${r.width} seed ${r.seed}: fits ${(r.trainAccuracy * 100).toFixed(1)} % of its labels, test ${(r.testAccuracy * 100).toFixed(1)} %, loss ${r.testLoss.toFixed(3)} (${(r.ms / 1000).toFixed(0)} s)`);
	}
});
write(arg('out') ?? shipped, { createdBy: 'scripts/make-double-it-descent.ts', backend, settings: DESCENT, sizes, widths, seeds, seconds: Math.round((performance.now() - t0) / 1000), results });
