// State shared by every job in the ML worker: the chosen backend, the digit data, pause/cancel, and
// the move to another backend when the GPU device is lost. Jobs (one module per essay, in ./jobs)
// keep their own nets as plain Float32Arrays and rebuild tensors when `onBackendChange` fires.
import { type BackendChoice, type BackendName, onDeviceLost, selectBackend } from '../ml/backend';
import { type Mnist, loadMnist } from '../ml/data';

export type InitOptions = { forcedBackend: BackendName | null; dataUrl: string; wasmPath: string };
export type StatusEvent =
	| { kind: 'backend'; choice: BackendChoice }
	| { kind: 'data'; loaded: number; total: number | null }
	| { kind: 'device-lost'; message: string; choice: BackendChoice };

let options: InitOptions | null = null;
let choice: BackendChoice | null = null;
let data: Mnist | null = null;
let statusListener: ((e: StatusEvent) => void) | null = null;
let deviceLost: string | null = null;
const backendChangeListeners = new Set<() => void>();

let paused = false;
let resumeWaiters: (() => void)[] = [];
let cancelRequested = false;
/** training steps between progress reports; the reader can change it while training runs */
let stepsPerUpdate = 25;

export const ctx = {
	async init(opts: InitOptions, onStatus?: (e: StatusEvent) => void): Promise<BackendChoice> {
		options = opts;
		statusListener = onStatus ?? null;
		choice = await selectBackend(opts.forcedBackend, { wasmPath: opts.wasmPath });
		onStatus?.({ kind: 'backend', choice });
		watchDevice();
		data = await loadMnist(opts.dataUrl, fetch, (loaded, total) => onStatus?.({ kind: 'data', loaded, total }));
		return choice;
	},
	get backend(): BackendChoice | null {
		return choice;
	},
	get data(): Mnist {
		if (!data) throw new Error('data not loaded');
		return data;
	},
	/** set while the worker is moving to another backend */
	get deviceLost(): string | null {
		return deviceLost;
	},
	/** A job registers here to drop (not dispose: the device is gone) and rebuild its tensors. */
	onBackendChange(fn: () => void): () => void {
		backendChangeListeners.add(fn);
		return () => backendChangeListeners.delete(fn);
	},

	// ---- pause / step / cancel, for whatever job is training ----
	get cancelRequested() {
		return cancelRequested;
	},
	beginRun() {
		cancelRequested = false;
	},
	waitWhilePaused(): Promise<void> {
		return paused ? new Promise<void>((r) => resumeWaiters.push(r)) : Promise.resolve();
	},
	get stepsPerUpdate() {
		return stepsPerUpdate;
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
		resumeWaiters.shift()?.();
	},
	cancel() {
		cancelRequested = true;
		ctx.resume();
	}
};

function watchDevice() {
	onDeviceLost().then((message) => switchBackend(message));
}

/** Move to the next backend after the current one failed; jobs rebuild their tensors there. */
async function switchBackend(message: string) {
	if (!options || !choice) return;
	deviceLost = message;
	const failed = choice.name;
	const next = await selectBackend(null, { wasmPath: options.wasmPath }, [failed]);
	choice = { ...next, reason: `${next.name}: switched after ${failed} failed (${message})` };
	for (const fn of backendChangeListeners) fn();
	deviceLost = null;
	statusListener?.({ kind: 'device-lost', message, choice });
}
