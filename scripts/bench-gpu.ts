// `npm run bench:gpu`: the project's benches (src/lib/bench) on tfjs-backend-webgpu in Node, through Dawn's
// Node bindings (npm `webgpu`) on whatever Vulkan adapter the machine has, next to wasm on the same CPU.
// Prints the table of issue 15, GPU dispatches per training step (counted by wrapping the compute pass's
// dispatchWorkgroups) for the fused and the generic step, and checks the webgpu results against cpu.
//
// On a software adapter (Mesa's lavapipe, SwiftShader) timings mean nothing, so a short plan runs by
// default: correctness and dispatch counts. Flags: --full (the full plan anyway), --quick (the short plan
// on a real GPU too), --parts=step,swap,es,lambda,doubleit (doubleit: the "Double it" grid's K nets batched
// against one after another, issue 14), --json (print the result object as JSON too), --json=FILE (write it
// there instead). On a machine without Node (the lent GPU machine): scripts/gpu-pack.sh, scripts/gpu-device.sh.
// The leak check runs 10,000 steps in the full plan (200 in the short one) of the generic and the fused
// step, plain and residual, and checks tensors, GPU buffers in use and compiled pipelines; on a software
// adapter it trains small nets (784-16-16-10 and a depth-2, width-16 residual net, batch 16), because
// 10,000 steps of the big nets there take hours. --leak: the 10,000-step leak check alone.
import * as tfl from '@tensorflow/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMnistFromDisk, useBackend } from './node-tf';
import { benchSwapMatrix, benchTrainingStep, type StepResult } from '../src/lib/bench/core';
import { benchLambdaGrid } from '../src/lib/bench/task-vectors';
import { benchEsGeneration } from '../src/lib/bench/credit';
import { BACKENDS, selectBackend } from '../src/lib/ml/backend';
import { Trainer, TrainingData, type TrainConfig } from '../src/lib/ml/trainer';
import { BatchedTrainer } from '../src/lib/ml/batched';
import { setFusedWebGpu } from '../src/lib/ml/webgpu-fused';
import type { Mnist } from '../src/lib/ml/data';

const ROOT = process.cwd();
const args = process.argv.slice(2);
const flag = (n: string) => args.includes(`--${n}`);
const argValue = (n: string) => args.find((a) => a.startsWith(`--${n}=`))?.split('=')[1];
const T0 = performance.now();
const say = (m: string) => process.stderr.write(`[${((performance.now() - T0) / 1000).toFixed(1)}s] ${m}\n`);
// tfjs prints banners with console.log; keep stdout for the table
console.log = (...a: unknown[]) => process.stderr.write(a.map(String).join(' ') + '\n');
const print = (s: string) => process.stdout.write(s + '\n');
const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));

const NO_ADAPTER_HELP = `bench:gpu needs a WebGPU adapter, which Dawn (npm \`webgpu\`) finds through Vulkan.
  - On a machine with a GPU: install its Vulkan driver (NVIDIA: the driver's Vulkan ICD; Mesa: mesa-vulkan-drivers).
  - Without a GPU: Mesa's lavapipe (software Vulkan) works for correctness and dispatch counts. Debian 12's
    Mesa 22.3 is too old for Dawn; take Mesa 25 from bookworm-backports:
      echo 'deb http://deb.debian.org/debian bookworm-backports main' > /etc/apt/sources.list.d/backports.list
      apt-get update && apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1`;

type Gpu = { requestAdapter(o?: object): Promise<Adapter | null> };
type Adapter = { info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean } };

let dispatches = 0;

/** Dawn into globalThis (navigator.gpu and the GPU* classes tfjs needs), with a dispatch counter. */
async function setupDawn(): Promise<{ adapter: Adapter; label: string; software: boolean } | string> {
	let mod: { create(o: string[]): Gpu; globals: Record<string, unknown> };
	try {
		mod = (await import('webgpu')) as unknown as typeof mod;
	} catch (e) {
		return `Dawn's Node bindings did not load (${msg(e)}); \`npm ci\` installs the devDependency \`webgpu\` (linux-x64 needs glibc ≥ 2.34).`;
	}
	Object.assign(globalThis, mod.globals);
	const gpu = mod.create([]);
	Object.defineProperty(globalThis, 'navigator', { value: { gpu }, writable: true, configurable: true });
	const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
	if (!adapter) return 'Dawn found no WebGPU adapter (no usable Vulkan driver).';
	const proto = (mod.globals.GPUComputePassEncoder as { prototype: { dispatchWorkgroups: (...a: number[]) => void } }).prototype;
	const dispatch = proto.dispatchWorkgroups;
	proto.dispatchWorkgroups = function (this: unknown, ...a: number[]) {
		dispatches++;
		return dispatch.apply(this, a);
	};
	const i = adapter.info ?? {};
	const software = !!i.isFallbackAdapter || /llvmpipe|lavapipe|swiftshader/i.test(`${i.architecture} ${i.device} ${i.description}`);
	const label = [i.vendor, i.architecture, i.device || i.description].filter(Boolean).join(' / ') || 'unknown adapter';
	return { adapter, label, software };
}

const CFG: TrainConfig = { depth: 1, width: 128, residual: false, seed: 1, learningRate: 1e-3, batchSize: 64, layerDrop: 0 };
/** The modularity essay's residual net (its widget's defaults: depth 8, width 128, batch 128) and its two-matrix control. */
const RESIDUAL: TrainConfig = { depth: 8, width: 128, residual: true, seed: 1, learningRate: 1e-3, batchSize: 128, layerDrop: 0 };
const CONTROL: TrainConfig = { ...RESIDUAL, residual: false, twoMatrix: true };
const NETS = [
	{ name: 'plain 784-128-128-10, batch 64', cfg: CFG },
	{ name: 'residual depth 8, width 128, batch 128 (modularity)', cfg: RESIDUAL },
	{ name: 'two-matrix control of the same', cfg: CONTROL }
];
/** The leak check's nets on a software adapter (10,000 steps of the big nets there would take hours). */
const SMALL_PLAIN: TrainConfig = { ...CFG, width: 16, batchSize: 16 };
const SMALL_RESIDUAL: TrainConfig = { ...RESIDUAL, depth: 2, width: 16, batchSize: 16 };

/** Parameters after `steps` steps of the Trainer on the current backend, the losses it reported, and dispatches per step. */
async function trainRun(mnist: Mnist, cfg: TrainConfig, steps: number, readEvery: number) {
	const data = new TrainingData(mnist);
	const t = new Trainer(cfg, data);
	try {
		await t.train(2, { readEvery: 2 }); // first-use costs (shader compiles, uploads) out of the count
		const before = dispatches;
		const t0 = performance.now();
		const m = await t.train(steps, { readEvery });
		const msPerStep = (performance.now() - t0) / steps;
		const perStep = (dispatches - before) / steps;
		return { params: await t.snapshot(), losses: m.map((x) => x.loss), perStep, msPerStep, fused: t.fused };
	} finally {
		t.dispose();
		data.dispose();
	}
}

function maxDiff(a: Float32Array, b: Float32Array) {
	let d = 0;
	let r = 0;
	for (let i = 0; i < a.length; i++) {
		d = Math.max(d, Math.abs(a[i] - b[i]));
		r = Math.max(r, Math.abs(a[i]));
	}
	return { maxAbsDiff: d, maxAbs: r };
}

/** Dispatches per step of the layers API's trainOnBatch (what tfjs itself runs), for scale. */
async function layersDispatches(mnist: Mnist): Promise<number> {
	const model = tfl.sequential({
		layers: [
			tfl.layers.dense({ inputShape: [784], units: 128, activation: 'relu' }),
			tfl.layers.dense({ units: 128, activation: 'relu' }),
			tfl.layers.dense({ units: 10, activation: 'softmax' })
		]
	});
	model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
	const data = new TrainingData(mnist);
	const x = tf.slice(data.x, [0, 0], [64, 784]);
	const y = tf.slice(data.yOneHot, [0, 0], [64, 10]);
	try {
		await model.trainOnBatch(x, y);
		const before = dispatches;
		const n = 5;
		for (let i = 0; i < n; i++) await model.trainOnBatch(x, y);
		return (dispatches - before) / n;
	} finally {
		tf.dispose([x, y]);
		model.dispose();
		data.dispose();
	}
}

type Row = { label: string; webgpu?: number; wasm?: number; unit: 'ms' | 'steps/s'; note?: string };

async function benches(backend: 'webgpu' | 'wasm', mnist: Mnist, parts: Set<string>, quick: boolean, rows: Map<string, Row>, out: Record<string, unknown>) {
	const log = (m: string) => say(`  ${backend}: ${m}`);
	const put = (label: string, unit: Row['unit'], v: number | undefined, note?: string) => {
		const r = rows.get(label) ?? { label, unit };
		r[backend] = v;
		// each backend's note is kept (webgpu's, then wasm's)
		if (note) r.note = [r.note, note].filter(Boolean).join('; ');
		rows.set(label, r);
	};
	const guard = async <T>(name: string, fn: () => Promise<T>): Promise<T | null> => {
		try {
			const t = performance.now();
			const r = await fn();
			log(`${name}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
			out[`${backend}.${name}`] = r;
			return r;
		} catch (e) {
			log(`${name} FAILED: ${msg(e)}`);
			out[`${backend}.${name}`] = { error: msg(e) };
			return null;
		}
	};
	if (parts.has('step')) {
		const plan = quick ? { steps: 10, repeats: 3, warmup: 5 } : { steps: 50, repeats: 5, warmup: 30 };
		const s = await guard<StepResult>('step', () => benchTrainingStep(tfl, mnist, { ...plan, onProgress: log }));
		put('training step 784-128-128-10, batch 64 (ours, loss read every 25 steps)', 'ms', s?.median.ours25);
		put('same, tfjs layers trainOnBatch', 'ms', s?.median.layers);
	}
	if (parts.has('es')) {
		const es = { width: 32, pairs: 64, batch: 128, repeats: quick ? 1 : 5, sgdSteps: quick ? 20 : 200 };
		const r = await guard('es', () => benchEsGeneration(mnist, { ...es, onProgress: log }));
		put('credit essay backprop (h = 32, batch 128)', 'steps/s', r?.sgdStepsPerSec);
		put('ES generation, N = 64 batched', 'ms', r?.batchedMs);
		// the goal: batched ≥ 3× faster than a per-candidate loop on a GPU (on a CPU the loop wins; es.ts picks per backend)
		if (r) {
			const row = rows.get('ES generation, N = 64 batched')!;
			const line = `${backend}: loop ${r.loopMs.toFixed(1)} ms, batched ${r.ratio.toFixed(1)}× faster${backend === 'webgpu' ? ` (goal ≥ 3×: ${r.ratio >= 3 ? 'PASS' : 'MISS'})` : ''}; the site takes ${r.siteMode}`;
			row.note = [row.note, line].filter(Boolean).join('; ');
		}
	}
	if (parts.has('swap')) {
		const bytes = new Uint8Array(readFileSync(join(ROOT, 'static', 'checkpoints', 'modularity', 'residual.nrsc')));
		const cold = await guard('swapCold', () => benchSwapMatrix(bytes, mnist, { testDigits: 2000, repeats: 1, warmup: 0 }));
		const warm = await guard('swap', () => benchSwapMatrix(bytes, mnist, { testDigits: 2000, repeats: quick ? 1 : 5, warmup: 1, onProgress: log }));
		put(`depth-8 swap matrix, 2,000 digits (warm; cold in the note)`, 'ms', warm?.medianTotalMs);
		const r = rows.get(`depth-8 swap matrix, 2,000 digits (warm; cold in the note)`)!;
		r.note = [r.note, cold ? `${backend} cold ${cold.medianTotalMs.toFixed(0)} ms, intact accuracy ${warm?.intactAccuracy}` : ''].filter(Boolean).join('; ');
	}
	if (parts.has('doubleit')) {
		// issue 14: K nets of the "Double it" baseline's shape in one batched step (fused on webgpu; also timed
		// as batched tfjs ops there) against K lone Trainers
		const r = await guard('doubleit', () => batchingBench(mnist, quick ? 4 : 24, quick ? 3 : 20));
		put(
			`double it: ${quick ? 4 : 24} baseline-shape nets (64 wide, 4 residual blocks, batch 64), one batched step`,
			'ms',
			r?.batchedMs,
			r
				? `${backend}: the same nets one after another ${r.sequentialMs.toFixed(1)} ms (sequential/batched ${r.ratio.toFixed(2)})${
						backend === 'webgpu'
							? `; dispatches per step: fused batched ${r.batchedDispatches.toFixed(0)} for all ${quick ? 4 : 24}, each lone net ${r.loneDispatches.toFixed(0)}; batched tfjs ops ${r.opsDispatches.toFixed(0)} dispatches, ${r.opsMs.toFixed(1)} ms`
							: ''
					}`
				: undefined
		);
	}
	if (parts.has('lambda')) {
		const dir = join(ROOT, 'static', 'checkpoints', 'task-vectors');
		const r = await guard('lambda', () =>
			benchLambdaGrid(async (n) => new Uint8Array(readFileSync(join(dir, `${n}.nrsc`))), mnist, { repeats: quick ? 1 : 3, onProgress: log })
		);
		put('λ-grid, 121 models', 'ms', r?.batchedMs, r ? `${backend}: batched equals the naive loop: ${r.equal}` : undefined);
	}
}

/** ms per step of K baseline-shape nets trained at once (BatchedTrainer) and one after another (Trainer), and dispatches per step. */
async function batchingBench(mnist: Mnist, k: number, steps: number) {
	const data = new TrainingData(mnist);
	const shape = { width: 64, depth: 4, residual: true, batchSize: 64 };
	const specs = Array.from({ length: k }, (_, i) => ({ seed: (i % 3) + 1, learningRate: 1e-3 * 2 ** ((i % 8) - 3), nTrain: data.n }));
	/** ms and dispatches per step of all K nets in one BatchedTrainer (fused on webgpu unless turned off) */
	const batched = async (fused: boolean) => {
		setFusedWebGpu(fused);
		const b = new BatchedTrainer(shape, specs, data);
		try {
			await b.train(2); // first-use costs out of the timing
			const [d0, t0] = [dispatches, performance.now()];
			await b.train(steps);
			return { ms: (performance.now() - t0) / steps, dispatches: (dispatches - d0) / steps, fused: b.fused };
		} finally {
			b.dispose();
			setFusedWebGpu(true);
		}
	};
	try {
		const fusedRun = await batched(true);
		// the batched tfjs ops (every backend but webgpu takes them anyway)
		const opsRun = tf.getBackend() === 'webgpu' ? await batched(false) : fusedRun;
		let sequentialMs = 0;
		let loneDispatches = 0;
		for (const s of specs) {
			const t = new Trainer({ ...shape, seed: s.seed, learningRate: s.learningRate, layerDrop: 0 }, data);
			await t.train(2, { readEvery: 2 });
			const [d0, t0] = [dispatches, performance.now()];
			await t.train(steps, { readEvery: steps });
			sequentialMs += (performance.now() - t0) / steps;
			loneDispatches += (dispatches - d0) / steps / k;
			t.dispose();
		}
		return {
			batchedMs: fusedRun.ms,
			sequentialMs,
			ratio: sequentialMs / fusedRun.ms,
			batchedDispatches: fusedRun.dispatches,
			opsMs: opsRun.ms,
			opsDispatches: opsRun.dispatches,
			loneDispatches
		};
	} finally {
		data.dispose();
	}
}

async function main() {
	const dawn = await setupDawn();
	if (typeof dawn === 'string') {
		print(`No WebGPU adapter: ${dawn}\n\n${NO_ADAPTER_HELP}`);
		process.exit(2);
	}
	const quick = flag('quick') || (dawn.software && !flag('full'));
	const parts = new Set((argValue('parts') ?? (dawn.software ? 'step' : 'step,es,swap,lambda,doubleit')).split(','));
	say(`adapter: ${dawn.label}${dawn.software ? ' (software: correctness and dispatch counts; timings are not a GPU’s)' : ''}`);
	const mnist = loadMnistFromDisk(ROOT);
	await useBackend('cpu');
	tf.tidy(() => tf.add(tf.scalar(1), 1)).dispose(); // the cpu backend's banner, before measuring
	const result: Record<string, unknown> = { adapter: dawn.label, software: dawn.software, quick };

	const leakOnly = flag('leak');
	let backend: { bufferManager?: { numUsedBuffers: number }; pipelineCache: object } | null = null;
	const webgpu = async () => {
		if (backend) return backend;
		const choice = await selectBackend('webgpu', {}, BACKENDS.filter((b) => b !== 'webgpu'));
		if (tf.getBackend() !== 'webgpu') throw new Error(`webgpu did not start: ${choice.reason}`);
		tf.env().set('IS_TEST', false); // no per-kernel data-id counting while measuring (as bench-node)
		backend = tf.backend() as unknown as NonNullable<typeof backend>;
		return backend;
	};
	const checks: string[] = [];
	let allOk = true;
	const dispatchRows: string[] = [];

	// 1. equality with cpu: the same seeded training run on cpu and on webgpu (fused and generic step), per net
	if (!leakOnly) {
		const STEPS = 20;
		const refs = new Map<TrainConfig, Awaited<ReturnType<typeof trainRun>>>();
		for (const net of NETS) {
			say(`cpu: reference run, ${net.name}, ${STEPS} steps`);
			refs.set(net.cfg, await trainRun(mnist, net.cfg, STEPS, 10));
		}
		await webgpu();
		for (const net of NETS) {
			const ref = refs.get(net.cfg)!;
			dispatchRows.push(`  ${net.name}:`);
			for (const fused of [false, true]) {
				setFusedWebGpu(fused);
				say(`webgpu: ${net.name}: ${fused ? 'fused' : 'generic'} step vs cpu, then its dispatches and ms per step`);
				const got = await trainRun(mnist, net.cfg, STEPS, 10);
				const d = maxDiff(ref.params, got.params);
				const lossDiff = Math.max(...ref.losses.map((l, i) => Math.abs(l - got.losses[i])));
				const ok = d.maxAbsDiff <= 1e-3 * Math.max(1, d.maxAbs) && lossDiff <= 1e-3 && got.fused === fused;
				allOk &&= ok;
				const name = got.fused ? 'fused step' : 'generic step';
				checks.push(`${net.name}, ${name}: ${STEPS} Adam steps from seed 1 vs cpu: max |Δparam| ${d.maxAbsDiff.toExponential(1)}, max |Δloss| ${lossDiff.toExponential(1)} → ${ok ? 'equal' : 'DIFFERENT'}`);
				// the big residual nets are slow on a software adapter: fewer timed steps there
				const timed = quick ? (net.cfg === CFG ? 50 : 10) : 500;
				const r25 = await trainRun(mnist, net.cfg, timed, Math.min(25, timed));
				dispatchRows.push(
					`    ${name.padEnd(14)} ${r25.perStep.toFixed(1)} per step (loss read every ${Math.min(25, timed)} steps), ${got.perStep.toFixed(1)} reading every 10; ${r25.msPerStep.toFixed(r25.msPerStep < 100 ? 2 : 0)} ms/step (${timed} steps)`
				);
				result[`dispatches.${net.name}.${name}`] = r25.perStep;
				result[`msPerStep.${net.name}.${name}`] = r25.msPerStep;
			}
		}
		setFusedWebGpu(true);
		const lay = await layersDispatches(mnist);
		dispatchRows.push(`  ${'layers API, 784-128-128-10'.padEnd(14)}: ${lay.toFixed(1)} per trainOnBatch`);
		result['dispatches.layers'] = lay;
	}

	// 2. leaks: tensors and GPU buffers stay constant over a long run of each step kind
	const leakSteps = quick && !leakOnly ? 200 : 10_000;
	const be = await webgpu();
	const pipelines = () => Object.keys(be.pipelineCache).length;
	const [leakPlain, leakResidual] = dawn.software ? [SMALL_PLAIN, SMALL_RESIDUAL] : [CFG, RESIDUAL];
	checks.push(
		dawn.software
			? `leak check nets: small, on a software adapter (784-16-16-10 and residual depth 2, width 16; batch 16), ${leakSteps} steps each`
			: `leak check nets: 784-128-128-10 batch 64 and the residual depth-8 width-128 net batch 128, ${leakSteps} steps each`
	);
	for (const [label, cfg, fused] of [
		['generic step, plain', leakPlain, false],
		['generic step, residual', leakResidual, false],
		['fused step, plain', leakPlain, true],
		['fused step, residual', leakResidual, true]
	] as const) {
		setFusedWebGpu(fused);
		say(`webgpu: leak check, ${label}, ${leakSteps} steps`);
		const data = new TrainingData(mnist);
		const t = new Trainer(cfg, data);
		const t0 = performance.now();
		await t.train(25);
		const [n0, b0, p0] = [tf.memory().numTensors, be.bufferManager?.numUsedBuffers, pipelines()];
		await t.train(leakSteps, { readEvery: 25 });
		const [n1, b1, p1] = [tf.memory().numTensors, be.bufferManager?.numUsedBuffers, pipelines()];
		const secs = (performance.now() - t0) / 1000;
		const tookFused = t.fused;
		t.dispose();
		data.dispose();
		const ok = n0 === n1 && b0 === b1 && p0 === p1 && tookFused === fused;
		allOk &&= ok;
		checks.push(
			`leaks over ${leakSteps} steps, ${label}: tensors ${n0} → ${n1}, GPU buffers in use ${b0} → ${b1}, pipelines ${p0} → ${p1} → ${ok ? 'none' : 'LEAK'} (${secs.toFixed(0)} s, ${((secs * 1000) / (leakSteps + 25)).toFixed(1)} ms/step)`
		);
	}
	setFusedWebGpu(true);

	// 3. the table: webgpu, then wasm on this CPU
	const rows = new Map<string, Row>();
	if (!leakOnly) {
		await benches('webgpu', mnist, parts, quick, rows, result);
		const wasmOk = (await useBackend('wasm')) === 'wasm';
		if (wasmOk) await benches('wasm', mnist, parts, quick, rows, result);
	}

	print(`\nbench:gpu — adapter: ${dawn.label}${dawn.software ? ' (SOFTWARE: timings are a CPU emulating a GPU, not a GPU)' : ''}`);
	print(leakOnly ? 'plan: the leak check alone (--leak)\n' : `plan: ${quick ? 'short' : 'full'}; parts: ${[...parts].join(',')}\n`);
	if (!leakOnly) print('GPU dispatches per training step:');
	for (const r of dispatchRows) print(r);
	print('\nchecks:');
	for (const c of checks) print(`  ${c}`);
	const fmt = (v: number | undefined, unit: Row['unit']) => (v == null ? '–' : unit === 'ms' ? `${v < 10 ? v.toFixed(2) : v.toFixed(0)} ms` : `${v.toFixed(0)} steps/s`);
	if (!leakOnly) print('\n| measure | webgpu | wasm, same machine | webgpu speed-up |\n|---|---|---|---|');
	for (const r of rows.values()) {
		const up = r.webgpu != null && r.wasm != null ? (r.unit === 'ms' ? r.wasm / r.webgpu : r.webgpu / r.wasm) : NaN;
		print(`| ${r.label} | ${fmt(r.webgpu, r.unit)} | ${fmt(r.wasm, r.unit)} | ${Number.isFinite(up) ? `${up.toFixed(2)}×` : '–'} |`);
	}
	for (const r of rows.values()) if (r.note) print(`  ${r.label}: ${r.note}`);
	if (flag('json')) print(JSON.stringify(result, null, 1));
	const jsonFile = argValue('json');
	if (jsonFile) writeFileSync(jsonFile, JSON.stringify(result, null, 1));
	say(`done in ${((performance.now() - T0) / 1000).toFixed(0)} s`);
	// Dawn keeps the event loop alive; exit explicitly
	process.exit(allOk ? 0 : 1);
}

main().catch((e) => {
	print(`bench:gpu failed: ${(e as Error)?.stack ?? msg(e)}`);
	process.exit(1);
});
