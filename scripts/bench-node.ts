// Node half of `npm run bench`: training-step speed (ours vs the layers API) on wasm and cpu, and the
// depth-8 residual swap matrix on wasm. Imported by scripts/bench.ts; runnable alone:
//   npx tsx scripts/bench-node.ts            (prints JSON)
//
// The layers API and its gradients come from the umbrella `@tensorflow/tfjs` package: its Node bundle
// registers every gradient and the layers API on the single shared @tensorflow/tfjs-core instance. Our
// own code (src/lib/ml) needs no gradients (hand-written backprop).
import * as tfl from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadMnistFromDisk, useBackend } from './node-tf';
import { benchSwapMatrix, benchTrainingStep, type StepResult, type SwapResult } from '../src/lib/bench/core';
import { benchLambdaGrid, type LambdaGridResult } from '../src/lib/bench/task-vectors';
import { benchEsGeneration, type EsGenerationResult } from '../src/lib/bench/credit';

export type NodeBenchOptions = {
	root?: string;
	/** per backend: steps per repeat, repeats, warm-up steps */
	plan?: Record<string, { steps: number; repeats: number; warmup: number }>;
	swapRepeats?: number;
	log?: (msg: string) => void;
};

export type NodeBenchResult = {
	step: Record<string, StepResult | { unavailable: string }>;
	swap: SwapResult | { unavailable: string };
	/** task-vector essay: 11×11 λ-grid, batched vs a naive per-model loop (wasm) */
	lambdaGrid?: LambdaGridResult | { unavailable: string };
	/** credit-assignment essay: an ES generation (N = 64) batched vs a per-candidate loop (wasm) */
	esGeneration?: EsGenerationResult | { unavailable: string };
	numTensorsStart: number;
	numTensorsEnd: number;
};

export const DEFAULT_NODE_PLAN = {
	wasm: { steps: 50, repeats: 5, warmup: 20 },
	cpu: { steps: 25, repeats: 5, warmup: 5 }
};

/** N = 64 pairs (128 candidates) of the default 784-32-10 net on one minibatch of 128 */
export const ES_BENCH = { width: 32, pairs: 64, batch: 128, repeats: 5, sgdSteps: 200 };

export async function runNodeBench(opts: NodeBenchOptions = {}): Promise<NodeBenchResult> {
	const root = opts.root ?? process.cwd();
	const log = opts.log ?? (() => {});
	const plan = opts.plan ?? DEFAULT_NODE_PLAN;
	if (typeof tfl.sequential !== 'function') throw new Error('@tensorflow/tfjs did not provide the layers API');
	const mnist = loadMnistFromDisk(root);
	// scripts/node-tf.ts sets IS_TEST (to silence the "install tfjs-node" banner, which the cpu backend
	// prints when it is created). IS_TEST also makes the engine count data ids around every kernel (a
	// leak check: slower, and it throws a false positive inside tfjs-layers' fused dense on wasm), so
	// create both backends while it is on, then turn it off for the measurements.
	await useBackend('cpu');
	tf.tidy(() => tf.add(tf.scalar(1), 1)).dispose(); // the cpu backend prints its banner on first use
	await useBackend('wasm');
	const wasTest = tf.env().getBool('IS_TEST');
	tf.env().set('IS_TEST', false);
	const numTensorsStart = tf.memory().numTensors;
	const step: NodeBenchResult['step'] = {};
	for (const [backend, p] of Object.entries(plan)) {
		const got = await useBackend(backend);
		if (got !== backend) {
			step[backend] = { unavailable: `tf.setBackend('${backend}') failed (got ${got})` };
			log(`node ${backend}: unavailable`);
			continue;
		}
		log(`node ${backend}: training step, ${p.repeats} × ${p.steps} steps`);
		step[backend] = await benchTrainingStep(tfl, mnist, {
			...p,
			onProgress: (m) => log(`  node ${backend}: ${m}`)
		});
	}
	let swap: NodeBenchResult['swap'];
	const ckpt = join(root, 'static', 'checkpoints', 'modularity', 'residual.nrsc');
	if ((await useBackend('wasm')) !== 'wasm') swap = { unavailable: 'wasm backend did not start' };
	else {
		let bytes: Uint8Array | null = null;
		try {
			bytes = new Uint8Array(readFileSync(ckpt));
		} catch (e) {
			swap = { unavailable: `no checkpoint at ${ckpt} (${(e as Error).message}); run npm run make-checkpoints` };
		}
		if (bytes) {
			log('node wasm: swap matrix');
			swap = await benchSwapMatrix(bytes, mnist, {
				testDigits: 2000,
				repeats: opts.swapRepeats ?? 5,
				onProgress: (m) => log(`  node wasm: ${m}`)
			});
		}
	}
	let lambdaGrid: NodeBenchResult['lambdaGrid'];
	try {
		if ((await useBackend('wasm')) !== 'wasm') throw new Error('wasm backend did not start');
		log('node wasm: λ-grid (task vectors)');
		const dir = join(root, 'static', 'checkpoints', 'task-vectors');
		lambdaGrid = await benchLambdaGrid(async (n) => new Uint8Array(readFileSync(join(dir, `${n}.nrsc`))), mnist, {
			repeats: 3,
			onProgress: (m) => log(`  node wasm: ${m}`)
		});
	} catch (e) {
		lambdaGrid = { unavailable: `${(e as Error).message} (run npx tsx scripts/make-task-vectors.ts)` };
	}
	let esGeneration: NodeBenchResult['esGeneration'];
	try {
		if ((await useBackend('wasm')) !== 'wasm') throw new Error('wasm backend did not start');
		log('node wasm: ES generation (credit assignment)');
		esGeneration = await benchEsGeneration(mnist, { ...ES_BENCH, onProgress: (m) => log(`  node wasm: ${m}`) });
	} catch (e) {
		esGeneration = { unavailable: (e as Error).message };
	}
	const numTensorsEnd = tf.memory().numTensors;
	tf.env().set('IS_TEST', wasTest);
	return { step, swap: swap!, lambdaGrid, esGeneration, numTensorsStart, numTensorsEnd };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
	runNodeBench({ log: (m) => console.error(m) })
		.then((r) => console.log(JSON.stringify(r, null, 2)))
		.catch((e) => {
			console.error(e);
			process.exit(1);
		});
}
