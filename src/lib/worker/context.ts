// State shared by every job in the ML worker: the chosen backend, the digit data and its tensors (one
// copy for all jobs), per-run pause/step/cancel (./runs), and the move to another backend when the GPU
// device is lost. Jobs (one module per essay, in ./jobs) keep their own nets as plain Float32Arrays and
// rebuild tensors when `onBackendChange` fires.
import { type BackendChoice, type BackendName, onDeviceLost, selectBackend } from '../ml/backend';
import { type Mnist, loadMnist } from '../ml/data';
import { TestSet } from '../ml/surgery';
import { TrainingData } from '../ml/trainer';
import { RunRegistry, type RunHooks } from './runs';

export type InitOptions = { forcedBackend: BackendName | null; dataUrl: string; wasmPath: string };
export type StatusEvent =
	| { kind: 'backend'; choice: BackendChoice }
	| { kind: 'data'; loaded: number; total: number | null }
	| { kind: 'device-lost'; message: string; choice: BackendChoice };
export type { RunHooks };

let options: InitOptions | null = null;
let choice: BackendChoice | null = null;
let data: Mnist | null = null;
let statusListener: ((e: StatusEvent) => void) | null = null;
let deviceLost: string | null = null;
const backendChangeListeners = new Set<() => void>();
const runs = new RunRegistry();
let testSet: TestSet | null = null;
let trainSet: TrainingData | null = null;

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
	/** The test digits as tensors: one copy per worker, shared by every job (rebuilt after a lost device). */
	testSet(): TestSet {
		testSet ??= new TestSet(ctx.data);
		return testSet;
	},
	/** The training digits as tensors: one copy per worker, shared by every job. */
	trainSet(): TrainingData {
		trainSet ??= new TrainingData(ctx.data);
		return trainSet;
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

	/**
	 * Run a pausable, cancellable job as run `id` (chosen by the page). Its hooks stop it when the page
	 * cancels this run or when the GPU device is lost.
	 */
	run<T>(id: number, fn: (hooks: RunHooks) => Promise<T>, stepsPerUpdate?: number): Promise<T> {
		return runs.run(id, fn, { stepsPerUpdate, alsoStop: () => deviceLost !== null });
	},

	/**
	 * Run `attempt` until it finishes on one backend: if the device is lost under it, wait for the move
	 * to the next backend and start it again (from the same seed) there. `attempt` gets a `moved()` check
	 * for its stop condition and may return null when it stopped because of the move.
	 */
	async retryOnDeviceLost<T>(attempt: (moved: () => boolean) => Promise<T | null>): Promise<T> {
		for (;;) {
			const backendAtStart = choice?.name;
			const moved = () => deviceLost !== null || choice?.name !== backendAtStart;
			const result = await attempt(moved).catch((e) => {
				if (moved()) return null;
				throw e;
			});
			if (result !== null && !moved()) return result;
			while (deviceLost) await new Promise((r) => setTimeout(r, 50));
		}
	},

	pause: (id: number) => runs.pause(id),
	resume: (id: number) => runs.resume(id),
	/** While paused: let exactly one more chunk of run `id` through, then pause again. */
	step: (id: number) => runs.step(id),
	cancel: (id: number) => runs.cancel(id),
	setStepsPerUpdate: (id: number, n: number) => runs.setStepsPerUpdate(id, n),
	activeRuns: () => runs.active(),
	runHistory: () => runs.history(),
	runStates: () => runs.states()
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
	testSet = null;
	trainSet = null;
	for (const fn of backendChangeListeners) fn();
	deviceLost = null;
	statusListener?.({ kind: 'device-lost', message, choice });
}
