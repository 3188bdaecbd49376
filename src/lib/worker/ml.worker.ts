// The one Web Worker that runs tfjs for a page. Training and evaluation happen here so the page stays
// responsive; Comlink turns the exported object into async calls, callbacks are Comlink proxies.
// The worker keeps every net's parameters as plain Float32Arrays too, so if the GPU device is lost it
// can move to the next backend and rebuild its tensors there.
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs-core';
import { type BackendChoice, type BackendName, destroyDeviceForTesting, onDeviceLost, selectBackend } from '../ml/backend';
import { type Mnist, IMAGE_SIZE, loadMnist } from '../ml/data';
import { decodeCheckpoint, type CheckpointHeader } from '../ml/checkpoint';
import { LoadedNet, TestSet, type SurgeryReport } from '../ml/surgery';
import { TrainingData } from '../ml/trainer';
import { ARCHS, type Arch, type ModularitySettings, type TrainProgress, trainPair, type CurvePoint } from '../ml/experiments/modularity';
import type { NetConfig } from '../ml/model';

export type InitOptions = { forcedBackend: BackendName | null; dataUrl: string; wasmPath: string };
export type StatusEvent =
	| { kind: 'backend'; choice: BackendChoice }
	| { kind: 'data'; loaded: number; total: number }
	| { kind: 'device-lost'; message: string; choice: BackendChoice };

type NetRecord = { config: NetConfig; params: Float32Array; header?: CheckpointHeader };

let options: InitOptions | null = null;
let choice: BackendChoice | null = null;
let data: Mnist | null = null;
let test: TestSet | null = null;
let train: TrainingData | null = null;
const records = new Map<Arch, NetRecord>();
const loaded = new Map<Arch, LoadedNet>();
let statusListener: ((e: StatusEvent) => void) | null = null;
let deviceLost: string | null = null;

let paused = false;
let resumeWaiters: (() => void)[] = [];
let cancelRequested = false;
/** training steps between progress reports; the reader can change it while training runs */
let stepsPerUpdate = 25;

function disposeTensors() {
	for (const n of loaded.values()) n.dispose();
	loaded.clear();
	test?.dispose();
	train?.dispose();
	test = null;
	train = null;
}

function watchDevice() {
	onDeviceLost().then(async (message) => {
		deviceLost = message;
		await switchBackend(message);
	});
}

/** Move every net to the next backend after a failure of the current one. */
async function switchBackend(message: string) {
	if (!options || !choice) return;
	const failed = choice.name;
	// The lost device's tensors cannot be read or freed normally; drop our references and rebuild.
	loaded.clear();
	test = null;
	train = null;
	choice = await selectBackend(null, { wasmPath: options.wasmPath }, [failed]);
	choice = { ...choice, reason: `${choice.name}: switched after ${failed} failed (${message})` };
	deviceLost = null;
	ensureTensors();
	statusListener?.({ kind: 'device-lost', message, choice });
}

function ensureTensors() {
	if (!data) throw new Error('data not loaded');
	test ??= new TestSet(data);
	for (const [arch, rec] of records) if (!loaded.has(arch)) loaded.set(arch, new LoadedNet(rec.config, rec.params, test));
}

function net(arch: Arch): LoadedNet {
	ensureTensors();
	const n = loaded.get(arch);
	if (!n) throw new Error(`no ${arch} net loaded`);
	return n;
}

const api = {
	async init(opts: InitOptions, onStatus?: (e: StatusEvent) => void): Promise<BackendChoice> {
		options = opts;
		statusListener = onStatus ?? null;
		choice = await selectBackend(opts.forcedBackend, { wasmPath: opts.wasmPath });
		onStatus?.({ kind: 'backend', choice });
		watchDevice();
		data = await loadMnist(opts.dataUrl, fetch, (loaded, total) => onStatus?.({ kind: 'data', loaded, total }));
		ensureTensors();
		return choice;
	},

	backend(): BackendChoice | null {
		return choice;
	},

	/** Load a checkpoint file (fetched by URL) as the net for `arch`. */
	async loadCheckpoint(arch: Arch, url: string): Promise<CheckpointHeader> {
		const r = await fetch(url);
		if (!r.ok) throw new Error(`could not load the checkpoint (HTTP ${r.status})`);
		const { header, params } = decodeCheckpoint(new Uint8Array(await r.arrayBuffer()));
		loaded.get(arch)?.dispose();
		loaded.delete(arch);
		records.set(arch, { config: header.config, params, header });
		ensureTensors();
		return header;
	},

	async evaluate(arch: Arch, order: number[], sampleCount: number): Promise<{ accuracy: number; predictions: number[] }> {
		const n = net(arch);
		const safe = order.filter((i) => Number.isInteger(i) && i >= 0 && i < n.depth);
		const [accuracy] = await n.accuracies([safe]);
		const predictions = await n.predictions(safe, sampleCount);
		return { accuracy, predictions };
	},

	async report(arch: Arch): Promise<SurgeryReport> {
		return net(arch).report();
	},

	samples(count: number): { pixels: Uint8Array; labels: number[] } {
		if (!data) throw new Error('data not loaded');
		const n = Math.min(count, data.nTest);
		return { pixels: data.testX.slice(0, n * IMAGE_SIZE), labels: Array.from(data.testY.subarray(0, n)) };
	},

	/** Train both nets live; afterwards they replace the loaded ones. */
	async train(
		settings: ModularitySettings,
		onProgress: (p: TrainProgress) => void
	): Promise<{ cancelled: boolean; nets: Record<Arch, { testAccuracy: number; curve: CurvePoint[] }> }> {
		if (!data) throw new Error('data not loaded');
		cancelRequested = false;
		for (;;) {
			ensureTensors();
			train ??= new TrainingData(data);
			const backendAtStart = choice?.name;
			const result = await trainPair(settings, train, test!, {
				onProgress,
				shouldStop: () => cancelRequested || deviceLost !== null || choice?.name !== backendAtStart,
				waitWhilePaused: () => (paused ? new Promise<void>((r) => resumeWaiters.push(r)) : Promise.resolve()),
				chunk: () => stepsPerUpdate,
				accuracyEvery: choice?.name === 'webgpu' ? 10 : 2
			}).catch((e) => {
				if (choice?.name !== backendAtStart || deviceLost) return null;
				throw e;
			});
			if (result === null || choice?.name !== backendAtStart) {
				// The backend changed under us (lost device): start again, from the same seed, on the new one.
				while (deviceLost) await new Promise((r) => setTimeout(r, 50));
				continue;
			}
			if (cancelRequested) {
				return { cancelled: true, nets: { residual: { testAccuracy: NaN, curve: [] }, plain: { testAccuracy: NaN, curve: [] } } };
			}
			for (const arch of ARCHS) {
				loaded.get(arch)?.dispose();
				loaded.delete(arch);
				records.set(arch, { config: result[arch].config, params: result[arch].params });
			}
			ensureTensors();
			return {
				cancelled: false,
				nets: {
					residual: { testAccuracy: result.residual.testAccuracy, curve: result.residual.curve },
					plain: { testAccuracy: result.plain.testAccuracy, curve: result.plain.curve }
				}
			};
		}
	},

	setStepsPerUpdate(n: number) {
		if (Number.isFinite(n)) stepsPerUpdate = Math.min(500, Math.max(1, Math.round(n)));
	},

	pause() {
		paused = true;
	},
	resume() {
		paused = false;
		const w = resumeWaiters;
		resumeWaiters = [];
		w.forEach((r) => r());
	},
	/** While paused: let exactly one more chunk of training run, then pause again. */
	step() {
		paused = true;
		const w = resumeWaiters.shift();
		w?.();
	},
	cancel() {
		cancelRequested = true;
		api.resume();
	},

	/** Free every tensor this worker holds (before the page drops it). */
	dispose() {
		disposeTensors();
		records.clear();
	},

	/** Live tensor count, for tests that check nothing leaks. */
	numTensors(): number {
		return tf.memory().numTensors;
	},

	/** For tests: make the WebGPU device go away as a driver reset would. */
	loseDevice(): boolean {
		return destroyDeviceForTesting();
	}
};

export type MlWorkerApi = typeof api;

Comlink.expose(api);
