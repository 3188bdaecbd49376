// State shared by every job in the ML worker: the chosen backend, the digit data and its tensors (one
// copy for all jobs), per-run pause/step/cancel (./runs), and the move to another backend when the GPU
// device is lost. Jobs (one module per essay, in ./jobs) keep their own nets as plain Float32Arrays and
// rebuild tensors when `onBackendChange` fires.
import { type BackendChoice, type BackendName, gpuStillWorks, loseDeviceForTesting, onDeviceLost, selectBackend } from '../ml/backend';
import { trialStepMs } from '../ml/backend-trial';
import { type Mnist, loadMnist } from '../ml/data';
import { TestSet } from '../ml/surgery';
import { TrainingData } from '../ml/trainer';
import { RunRegistry, type RunHooks } from './runs';
import type { AssetVersion } from './versioned-fetch';

/** `assets`: the build's version of the runtime files (./versioned-fetch) */
export type InitOptions = { forcedBackend: BackendName | null; dataUrl: string; wasmPath: string; assets?: AssetVersion };
export type StatusEvent =
	| { kind: 'backend'; choice: BackendChoice }
	| { kind: 'data'; loaded: number; total: number | null }
	| { kind: 'device-lost'; message: string; choice: BackendChoice }
	/** the GPU went and no other backend could start: live computation is over in this page */
	| { kind: 'backend-failed'; message: string; error: string }
	/** run `runId`, stopped by the lost device, starts again from its seed on `backend` */
	| { kind: 'run-restarted'; runId: number; backend: BackendName };
export type { RunHooks };

let options: InitOptions | null = null;
let choice: BackendChoice | null = null;
let data: Mnist | null = null;
let statusListener: ((e: StatusEvent) => void) | null = null;
let deviceLost: string | null = null;
/** every backend that failed in this worker: never chosen again */
const failedBackends: BackendName[] = [];
/** set for good when the GPU went and no backend could take over */
let noBackend: string | null = null;
/** settles when the current backend is lost; replaced at each switch */
let lost = signal();
/** settles when the switch going on now (if any) has ended, either way */
let switched: Promise<void> = Promise.resolve();
const backendChangeListeners = new Set<() => void>();
const runs = new RunRegistry();
let testSet: TestSet | null = null;
let trainSet: TrainingData | null = null;
/** runs whose job starts them again after a loss (retryOnDeviceLost): a loss does not end them */
const restartingRuns = new Set<number>();
/** the ids of the runs started by the job call being made now (its synchronous part), else null */
let runsOfThisCall: number[] | null = null;
/** set once the worker's jobs go through `settleOnDeviceLoss`: every run must then be started by one */
let jobsSettle = false;
/** test hook: the next move to another backend fails as if none could start */
let failNextSwitch = false;
/** test hook: the GPU is lost as the next call of this job method (`job.method`) begins */
let loseAtCall: string | null = null;

export const ctx = {
	async init(opts: InitOptions, onStatus?: (e: StatusEvent) => void): Promise<BackendChoice> {
		options = opts;
		statusListener = onStatus ?? null;
		// a real GPU and wasm both start: a short trial of the training step decides (issue 15)
		choice = await selectBackend(opts.forcedBackend, { wasmPath: opts.wasmPath, trial: trialStepMs });
		onStatus?.({ kind: 'backend', choice });
		watchDevice();
		data = await loadMnist(opts.dataUrl, fetch, (loaded, total) => onStatus?.({ kind: 'data', loaded, total }));
		return choice;
	},
	get backend(): BackendChoice | null {
		return choice;
	},
	/** What the worker was started with (the grid's helper workers load the same files). */
	get options(): InitOptions | null {
		return options;
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
		if (runsOfThisCall) runsOfThisCall.push(id);
		// a run begun after a job method's first await would be taken for a plain call, and computed again after a loss
		else if (jobsSettle) return Promise.reject(new Error(`run ${id} was not started in its job method's first synchronous part`));
		return runs.run(id, (hooks) => settleRun(id, fn(hooks)), { stepsPerUpdate, alsoStop: () => deviceLost !== null || noBackend !== null });
	},

	/**
	 * Run `attempt` (run `run`'s work) until it finishes on one backend: if the GPU is lost under it, wait
	 * for the move to the next backend, say so (a `run-restarted` event), and start it again from the same
	 * seed there. `attempt` gets a `moved()` check for its stop condition and may return null when it
	 * stopped because of the move. An attempt still waiting on the lost GPU (a WebGL readback never
	 * settles) is abandoned. Throws if no backend could take over.
	 */
	async retryOnDeviceLost<T>(run: RunHooks, attempt: (moved: () => boolean) => Promise<T | null>): Promise<T> {
		restartingRuns.add(run.id);
		for (;;) {
			if (noBackend) throw new Error(noBackend);
			const backendAtStart = choice?.name;
			const lostHere = lost.promise;
			const moved = () => deviceLost !== null || noBackend !== null || choice?.name !== backendAtStart;
			const going = attempt(moved);
			// an abandoned attempt may still fail later, on the dead device: nobody is waiting for it
			going.catch(() => {});
			const result = await Promise.race([
				going.catch(async (e) => {
					if (moved() || !(await gpuStillWorks())) return null;
					throw e;
				}),
				lostHere.then(() => null)
			]);
			if (result !== null && !moved()) return result;
			await lostHere;
			await switched;
			if (noBackend) throw new Error(noBackend);
			// awaited: the page hears of the restart before any progress of the new attempt
			if (!run.shouldStop() && choice) await statusListener?.({ kind: 'run-restarted', runId: run.id, backend: choice.name });
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
	runStates: () => runs.states(),
	/** For tests: the next move to another backend fails, as if no backend could start. */
	failNextSwitchForTesting: () => void (failNextSwitch = true),
	/** For tests: lose the GPU just as the next call of `job.method` (e.g. 'modularity.report') begins. */
	loseDeviceAtCallForTesting: (method: string) => void (loseAtCall = method)
};

const LOST: unique symbol = Symbol('lost');
/** what a call came to: its value, or the GPU went under it */
type Outcome<T> = { value: T } | typeof LOST;

/**
 * `job` (an essay's job object) with every method made to settle when the GPU goes under it: on a lost
 * WebGL context tfjs's readback never settles, and on a lost WebGPU device it fails. A plain call (an
 * evaluation, an analysis, a load: all of the current state, none a run) is computed again on the next
 * backend once the worker has moved there, so its caller gets a true answer. A method that starts a run
 * (it calls `ctx.run` before its first await) is left to the run, which `ctx.run` settles.
 */
export function settleOnDeviceLoss<J extends object>(job: J, jobName = 'job'): Settling<J> {
	jobsSettle = true;
	const settled: Record<string, unknown> = {};
	for (const [name, member] of Object.entries(job)) {
		settled[name] = typeof member === 'function' ? (...args: unknown[]) => jobCall(`${jobName}.${name}`, () => member.apply(job, args)) : member;
	}
	return settled as Settling<J>;
}
/** a job's methods, each answering asynchronously (as they do through Comlink anyway) */
export type Settling<J> = { [K in keyof J]: J[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : J[K] };

/** One call of a job method: again on the next backend for as long as the GPU goes under it. */
async function jobCall<T>(method: string, call: () => T | Promise<T>): Promise<T> {
	for (;;) {
		if (noBackend) throw new Error(noBackend);
		// a call made during a move starts on the next backend
		if (deviceLost !== null) await switched;
		if (loseAtCall === method) {
			loseAtCall = null;
			loseDeviceForTesting();
		}
		const lostHere = lost.promise;
		const backendAtStart = choice?.name;
		const started: number[] = [];
		let going: Promise<T>;
		runsOfThisCall = started;
		try {
			going = Promise.resolve(call());
		} catch (e) {
			going = Promise.reject(e);
		} finally {
			runsOfThisCall = null;
		}
		if (started.length) return going;
		// an abandoned call may still fail later, on the dead device: nobody is waiting for it
		going.catch(() => {});
		const moved = () => deviceLost !== null || noBackend !== null || choice?.name !== backendAtStart;
		const outcome = await Promise.race<Outcome<T>>([
			going.then(
				(value) => ({ value }),
				async (e): Promise<Outcome<T>> => {
					// a readback can fail on the lost GPU before its loss is announced
					if (moved() || !(await gpuStillWorks())) return LOST;
					throw e;
				}
			),
			lostHere.then(() => LOST)
		]);
		if (outcome !== LOST) return outcome.value;
		await lostHere;
		await switched;
	}
}

/**
 * A run's result, or its end when the GPU went under it: a run its job restarts (retryOnDeviceLost) goes
 * on; any other stops (the page has cancelled it and recomputes what it showed), and one still waiting on
 * the lost GPU is abandoned with that reason, so no run is left going for ever.
 */
async function settleRun<T>(id: number, going: Promise<T>): Promise<T> {
	try {
		for (;;) {
			const lostHere = lost.promise;
			const outcome = await Promise.race<Outcome<T>>([going.then((value) => ({ value })), lostHere.then(() => LOST)]);
			if (outcome !== LOST) return outcome.value;
			await switched;
			if (restartingRuns.has(id) && !noBackend) continue;
			going.catch(() => {});
			throw new Error(noBackend ?? `the GPU was lost under this run; it stopped, and the worker moved to ${choice?.name}`);
		}
	} finally {
		restartingRuns.delete(id);
	}
}

/** Follow the current backend's GPU (armed again after every switch: the next backend may have one too). */
function watchDevice() {
	const backendNow = choice?.name;
	onDeviceLost().then((message) => {
		if (choice?.name === backendNow) void switchBackend(message);
	});
}

/**
 * Move to the next backend after the current one's GPU went; jobs rebuild their tensors there. If no
 * backend starts, say so once (`backend-failed`) and stop: `deviceLost` never stays set.
 */
async function switchBackend(message: string) {
	if (!options || !choice || deviceLost !== null || noBackend) return;
	deviceLost = message;
	const failed = choice.name;
	failedBackends.push(failed);
	let done = () => {};
	switched = new Promise((resolve) => (done = resolve));
	const wasLost = lost;
	lost = signal();
	wasLost.resolve();
	try {
		if (failNextSwitch) {
			failNextSwitch = false;
			throw new Error('the test hook made it fail');
		}
		const next = await selectBackend(null, { wasmPath: options.wasmPath }, failedBackends);
		choice = { ...next, reason: `${next.name}: switched after ${failed} failed (${message})` };
		testSet = null;
		trainSet = null;
		for (const fn of backendChangeListeners) {
			try {
				fn();
			} catch {
				// a job that cannot drop its tensors cleanly must not stop the others from moving
			}
		}
		deviceLost = null;
		statusListener?.({ kind: 'device-lost', message, choice });
		watchDevice();
	} catch (e) {
		noBackend = `the GPU was lost (${message}) and no other backend could start (${e instanceof Error ? e.message : String(e)})`;
		deviceLost = null;
		statusListener?.({ kind: 'backend-failed', message, error: noBackend });
	} finally {
		done();
	}
}

function signal(): { promise: Promise<void>; resolve: () => void } {
	let resolve = () => {};
	const promise = new Promise<void>((r) => (resolve = r));
	return { promise, resolve };
}
