// Bench for the "Double it" grid: one grid row trained batched (the K nets of one width together,
// src/lib/ml/batched.ts) against the same nets one after another (a lone Trainer each), in Node on
// the wasm (or TF_BACKEND) backend; and the grid's largest same-shape group (K nets that differ only
// in learning rate and seed). Prints ms per step and the ratio sequential / batched (> 1: batching wins).
// Usage: npx tsx scripts/bench-double-it.ts [--widths 8,16,32,64,128] [--seeds 3] [--steps 100] [--k 24]
//
// --page: instead, the issue's goal "the whole default grid recomputes live in the page in under a
// minute on wasm": headless Chromium on the built site (npm run build first) clicks "Recompute the whole
// grid" with the default seeds on wasm and times it to the last run, printing PASS/MISS with the load
// average. --limit S stops waiting after S seconds (default 600) and extrapolates from the share of the
// grid's training FLOPs done (an estimate, marked as one). Then the shipped grid's time per row (same
// wasm path in Node, from results.json) says which cells dominate. With --check, the same for "Check the
// claim here" (the verdict's cells only: ×½, ×1, ×2 of each row, each run read once). Both print the
// FLOP floor of both plans at the wasm matMul rate `npm run bench` measures (--gflops, default 26).
// On wasm the page shares a large plan with helper workers on the machine's other cores (one per other
// core, at most three); the result line says on how many workers it ran. --one-worker breaks the helper
// first (the page's test hook; on a 2-core machine that leaves the ML worker alone) for a comparison.
//   npx tsx scripts/bench-double-it.ts --page [--check] [--one-worker] [--url http://127.0.0.1:4175] [--limit 600] [--seeds 3]
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { useBackend, loadMnistFromDisk } from './node-tf';
import { Trainer, TrainingData } from '../src/lib/ml/trainer';
import { BatchedTrainer } from '../src/lib/ml/batched';
import { BASELINE, GRID_SEEDS, ROWS, VERDICT_ROWS, planGrid } from '../src/lib/ml/experiments/double-it-defaults';
import { planFlops } from '../src/lib/widgets/double-it/figures';
import { splitGroups } from '../src/lib/ml/experiments/double-it';

const arg = (name: string) => {
	const i = process.argv.indexOf(`--${name}`);
	return i >= 0 ? process.argv[i + 1] : undefined;
};
if (process.argv.includes('--page')) {
	await pageBench();
	process.exit(0);
}

const widths = (arg('widths') ?? '8,16,32,64,128').split(',').map(Number);
const nSeeds = Number(arg('seeds') ?? 3);
const steps = Number(arg('steps') ?? 100);
const bigK = Number(arg('k') ?? 24);
const WARM = 3;

const backend = await useBackend();
const train = new TrainingData(loadMnistFromDisk());
const shapeOf = (width: number) => ({ width, depth: BASELINE.depth, residual: true, batchSize: BASELINE.batchSize });

async function batched(width: number, specs: { seed: number; learningRate: number; nTrain: number }[]): Promise<number> {
	const t = new BatchedTrainer(shapeOf(width), specs, train);
	await t.train(WARM);
	const t0 = performance.now();
	await t.train(steps);
	const ms = performance.now() - t0;
	t.dispose();
	return ms;
}
async function sequential(width: number, specs: { seed: number; learningRate: number }[]): Promise<number> {
	let ms = 0;
	for (const s of specs) {
		const t = new Trainer({ ...shapeOf(width), seed: s.seed, learningRate: s.learningRate, layerDrop: 0 }, train);
		await t.train(WARM);
		const t0 = performance.now();
		await t.train(steps, { readEvery: steps });
		ms += performance.now() - t0;
		t.dispose();
	}
	return ms;
}

console.log(`bench-double-it: backend ${backend}, widths ${widths.join(',')}, ${nSeeds} seeds, ${steps} steps, batch ${BASELINE.batchSize}, depth ${BASELINE.depth}`);
let totalB = 0;
let totalS = 0;
for (const w of widths) {
	const specs = Array.from({ length: nSeeds }, (_, i) => ({ seed: i + 1, learningRate: BASELINE.learningRate, nTrain: train.n }));
	const b = await batched(w, specs);
	const s = await sequential(w, specs);
	totalB += b;
	totalS += s;
	console.log(`  width ${String(w).padStart(4)}: batched ${(b / steps).toFixed(1)} ms/step for ${nSeeds} nets, sequential ${(s / steps).toFixed(1)}, ratio ${(s / b).toFixed(2)}`);
}
console.log(`  row: batched ${(totalB / 1000).toFixed(1)} s, sequential ${(totalS / 1000).toFixed(1)} s, ratio ${(totalS / totalB).toFixed(2)}`);
const many = Array.from({ length: bigK }, (_, i) => ({ seed: (i % nSeeds) + 1, learningRate: BASELINE.learningRate * 2 ** ((i % 8) - 3), nTrain: train.n }));
const b = await batched(BASELINE.width, many);
const s = await sequential(BASELINE.width, many);
console.log(`  one group of K = ${bigK} baseline-shape nets: batched ${(b / steps).toFixed(1)} ms/step, sequential ${(s / steps).toFixed(1)}, ratio ${(s / b).toFixed(2)}`);

async function pageBench() {
	const GOAL_S = 60;
	const limitS = Number(arg('limit') ?? 600);
	const seeds = Number(arg('seeds') ?? GRID_SEEDS.length);
	const check = process.argv.includes('--check');
	const seedList = Array.from({ length: seeds }, (_, i) => i + 1);
	// the least time each plan could take: its FLOPs at the measured wasm matMul rate, on one core
	const gflops = Number(arg('gflops') ?? 26);
	for (const [name, groups] of [
		['whole grid', planGrid(ROWS, seedList).groups],
		['check', planGrid(VERDICT_ROWS, seedList, BASELINE, { curves: false }).groups]
	] as const) {
		const f = planFlops(groups, 2000);
		console.log(`${name}, ${seeds} seeds: ${(f / 1e12).toFixed(2)} TFLOP (training and evaluation): at least ${(f / 1e9 / gflops).toFixed(0)} s at ${gflops} GFLOP/s`);
	}
	let url = arg('url');
	let server: ChildProcess | null = null;
	if (!url) {
		const port = 4175;
		url = `http://127.0.0.1:${port}`;
		server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], { stdio: 'ignore', detached: true });
		for (let i = 0; i < 100; i++) {
			if (await fetch(url).then((r) => r.ok, () => false)) break;
			await new Promise((r) => setTimeout(r, 300));
		}
	}
	const { chromium } = await import('playwright-core');
	const { chromiumLaunchOptions } = await import('../playwright.config');
	const browser = await chromium.launch(chromiumLaunchOptions);
	const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
	try {
		const page = await (await browser.newContext({ serviceWorkers: 'block' })).newPage();
		const oneWorker = process.argv.includes('--one-worker');
		await page.goto(`${url}/essays/double-it?backend=wasm&seeds=${seeds}${oneWorker ? '&testhooks' : ''}`);
		const widget = page.locator('[data-widget="double-it"]');
		const action = check ? 'check' : 'grid';
		await widget.locator(`[data-action="${action}"]:not([disabled])`).waitFor({ timeout: 120_000 });
		const backend = await widget.getAttribute('data-backend');
		const nets = (check ? planGrid(VERDICT_ROWS, seedList, BASELINE, { curves: false }) : planGrid(ROWS, seedList)).groups.reduce((a, g) => a + g.runs.length, 0);
		console.log(`page ${action}: ${backend}, ${seeds} seeds, ${nets} nets; load average at start ${load()}`);
		if (oneWorker) {
			await page.evaluate(() => (globalThis as unknown as { __nrsWorker: { breakGridHelper(h: string): Promise<void> } }).__nrsWorker.breakGridHelper('load'));
		}
		await widget.locator(`[data-action="${action}"]`).click();
		const t0 = performance.now();
		const secs = () => (performance.now() - t0) / 1000;
		let done = false;
		let progress = 0;
		let runs = 0;
		let lastPrint = 0;
		while (secs() < limitS) {
			done = (await widget.getAttribute('data-grid-done')) === 'true';
			if (done) break;
			progress = Number((await widget.getAttribute('data-grid-progress')) || 0);
			runs = Number(await widget.getAttribute('data-grid-runs'));
			if (secs() - lastPrint >= 30) {
				lastPrint = secs();
				console.log(`  ${secs().toFixed(0)} s: ${runs} of ${nets} nets, ${(progress * 100).toFixed(1)} % of the training FLOPs; load ${load()}`);
			}
			await new Promise((r) => setTimeout(r, 250));
		}
		const s = secs();
		const workers = Number(await widget.getAttribute('data-grid-workers')) || 1;
		console.log(`  on ${workers} worker${workers > 1 ? 's' : ''} (hardwareConcurrency ${await page.evaluate(() => navigator.hardwareConcurrency)})`);
		if (done) {
			console.log(`page ${action}: done in ${s.toFixed(1)} s (goal < ${GOAL_S} s): ${s < GOAL_S ? 'PASS' : `MISS by ${(s - GOAL_S).toFixed(0)} s (×${(s / GOAL_S).toFixed(1)})`}`);
			if (check) console.log(`  ${(await widget.locator('[data-testid="verdict"]').first().textContent().catch(() => '?'))?.trim()}`);
		} else if (check) console.log(`page check: stopped waiting at ${s.toFixed(0)} s with ${runs} of ${nets} nets and ${(progress * 100).toFixed(1)} % of the FLOPs done — goal < ${GOAL_S} s: MISS`);
		else {
			const est = progress > 0 ? s / progress : Infinity;
			// a better estimate: the page trains the runs in plan order (cheapest group first, one net at a time
			// on wasm), so the first `runs` of that order are done; scale by their share of the shipped grid's
			// time (the same runs in Node)
			const order = splitGroups(planGrid(ROWS, Array.from({ length: seeds }, (_, i) => i + 1)).groups, 1).flatMap((g) => g.runs.map((r) => r.id));
			const shippedMs = new Map((JSON.parse(readFileSync('static/checkpoints/double-it/results.json', 'utf8')).runs as { id: string; ms: number }[]).map((r) => [r.id, r.ms]));
			const nodeAll = order.reduce((a, id) => a + (shippedMs.get(id) ?? NaN), 0);
			const nodeDone = order.slice(0, runs).reduce((a, id) => a + (shippedMs.get(id) ?? NaN), 0);
			const byTime = runs > 0 ? (s * nodeAll) / nodeDone : NaN;
			console.log(`page grid: stopped waiting at ${s.toFixed(0)} s with ${runs} of ${nets} nets and ${(progress * 100).toFixed(1)} % of the FLOPs done — goal < ${GOAL_S} s: MISS`);
			console.log(`  estimated whole grid: ≈ ${(byTime / 60).toFixed(0)} min scaled by the same runs' time in Node (results.json), ≈ ${(est / 60).toFixed(0)} min by FLOPs`);
		}
		console.log(`load average at the end ${load()}`);
	} finally {
		await browser.close();
		if (server?.pid) process.kill(-server.pid, 'SIGTERM');
	}
	// which cells dominate: the shipped runs' times (the same wasm path, one net at a time, in Node)
	const shipped = JSON.parse(readFileSync('static/checkpoints/double-it/results.json', 'utf8')) as { runs: { id: string; ms: number }[]; seeds: number[] };
	const ms = new Map(shipped.runs.map((r) => [r.id, r.ms]));
	const { sources } = planGrid(ROWS, shipped.seeds);
	// each run counted once, for the last cell that reads it (the baseline run: steps ×4, which makes it 1,600 steps long)
	const owner = new Map<string, string>();
	for (const src of sources) owner.set(src.runId, src.cell);
	const byCell = new Map<string, number>();
	for (const [runId, cell] of owner) byCell.set(cell, (byCell.get(cell) ?? 0) + (ms.get(runId) ?? 0));
	const total = [...byCell.values()].reduce((a, b) => a + b, 0);
	console.log(`shipped grid (Node wasm, one net at a time): ${(total / 60000).toFixed(1)} min of training; costliest cells (all seeds):`);
	for (const [cell, t] of [...byCell].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`  ${cell.padEnd(20)} ${(t / 1000).toFixed(0).padStart(5)} s  ${((100 * t) / total).toFixed(0)} %`);
}
