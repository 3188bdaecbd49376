// Bench for the "Double it" grid: one grid row trained batched (the K nets of one width together,
// src/lib/ml/batched.ts) against the same nets one after another (a lone Trainer each), in Node on
// the wasm (or TF_BACKEND) backend; and the grid's largest same-shape group (K nets that differ only
// in learning rate and seed). Prints ms per step and the ratio sequential / batched (> 1: batching wins).
// Usage: npx tsx scripts/bench-double-it.ts [--widths 8,16,32,64,128] [--seeds 3] [--steps 100] [--k 24]
import { useBackend, loadMnistFromDisk } from './node-tf';
import { Trainer, TrainingData } from '../src/lib/ml/trainer';
import { BatchedTrainer } from '../src/lib/ml/batched';
import { BASELINE } from '../src/lib/ml/experiments/double-it-defaults';

const arg = (name: string) => {
	const i = process.argv.indexOf(`--${name}`);
	return i >= 0 ? process.argv[i + 1] : undefined;
};
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
