// One widget's live computation, written once for every widget: the worker's start-up and backend, the
// status line, one busy/paused model, play/pause/step/cancel addressed to this widget's own run in the
// shared worker, pausing while off screen, and one policy for a lost GPU device. A widget describes
// *what* to compute (its `start` and `refresh`, and the runs it starts); the session does the rest.
//
//   const params = new ParamState(schema);
//   const session = new LiveSession(params, { start: (w) => …, refresh: (w) => … });
//   <WidgetShell {session} …>  (mounts it)
//   await session.run('train', async (w, run) => w.job.train(run.id, …), { pausable: true });
import * as Comlink from 'comlink';
import type { BackendChoice } from '$lib/ml/backend';
import type { ParamState } from '$lib/params/state.svelte';
import type { Schema } from '$lib/params/schema';
import { siteRoot } from '$lib/embed/site';
import { PauseGate } from '$lib/ui/pause-gate.svelte';
import { readBackendParam } from '$lib/worker/backend-param';
import { getMlWorker, nextRunId, onWorkerStatus, type MlWorker } from '$lib/worker/client';

export type { MlWorker };

export type SessionHooks = {
	/** Once the worker is ready: load the shipped nets and recompute, or train what the link asks for. */
	start(worker: MlWorker): Promise<void>;
	/**
	 * Recompute what is on screen (after a lost GPU device moved the worker to another backend). Runs
	 * started with `survivesDeviceLoss` are restarted by the worker itself and are left alone.
	 */
	refresh?(worker: MlWorker): Promise<void>;
};

export type RunOptions = {
	/** a training loop the reader can pause and step (it gets a run id the worker knows) */
	pausable?: boolean;
	progressLabel?: string;
	/**
	 * The worker restarts this run from its seed on the next backend if the GPU is lost (training from a
	 * seed). `what` names it in the note ("the training"); `reset` clears what the lost attempt drew.
	 */
	survivesDeviceLoss?: boolean | { what?: string; reset?: () => void };
	/** prefix of the message shown when the run fails */
	failure?: string;
};

/** What a run's function gets besides the worker. */
export type RunHandle = {
	/** the id the worker knows this run by: pass it to pausable job calls */
	readonly id: number;
	/** true once a newer run, a cancel or an unmount superseded this one: drop its results */
	stale(): boolean;
	/** Say what the run is doing now (e.g. from analysing to training), and whether that part is pausable. */
	phase(label: string, opts?: { pausable?: boolean; progressLabel?: string }): void;
	/** Report how far the run is (0…1, or null when unknown) and, optionally, what it is doing. */
	progress(fraction: number | null, label?: string): void;
	/** proxy a progress callback for the worker; calls that arrive after the run went stale are dropped */
	callback<A extends unknown[]>(fn: (...args: A) => void | Promise<void>): (...args: A) => void | Promise<void>;
};

type ActiveRun = { id: number; token: number; pausable: boolean; restarts: { what: string; reset?: () => void } | null };

export class LiveSession {
	phase = $state<'starting' | 'ready' | 'failed'>('starting');
	backend = $state<BackendChoice | null>(null);
	/** a note about a ?backend= value that was not understood */
	backendNote = $state<string | null>(null);
	loadFraction = $state<number | null>(null);
	status = $state('Showing shipped results; starting live computation…');
	#problem = $state<string | null>(null);
	/** why live computation is unavailable (the worker failed): outranks any later problem a widget reports */
	#failure = $state<string | null>(null);
	get problem(): string | null {
		return this.#failure ?? this.#problem;
	}
	set problem(text: string | null) {
		this.#problem = text;
	}
	lostNote = $state<string | null>(null);
	/** 'idle', or the label of the run going on */
	busy = $state('idle');
	/** the pausable run is paused (by the reader, or because the widget is off screen / the tab hidden) */
	paused = $state(false);
	/** fraction done of the current run, or null when unknown */
	progress = $state<number | null>(null);
	progressLabel = $state('');

	readonly gate: PauseGate;
	worker: MlWorker | null = null;
	/** the run going on (plain, not a rune: `#enter` mutates it); `#pausable` mirrors its flag for the view */
	#active: ActiveRun | null = null;
	#pausable = $state(false);
	#token = 0;
	#mounted = false;
	/** what the worker said when the GPU went (for the note when a run restarts) */
	#lostMessage = '';
	#stopFailure: (() => void) | null = null;

	constructor(
		readonly params: ParamState<Schema>,
		private readonly hooks: SessionHooks
	) {
		this.gate = new PauseGate({
			worker: () => {
				const run = this.#active;
				const w = this.worker;
				return run && w ? { pause: () => w.pause(run.id), resume: () => w.resume(run.id) } : null;
			},
			active: () => !!this.#active?.pausable,
			onchange: (p) => (this.paused = p)
		});
	}

	/** cpu, or WebGPU on a software adapter: the one rule for skipping optional recomputation */
	get slow(): boolean {
		return this.backend?.slow ?? false;
	}
	get ready(): boolean {
		return this.phase === 'ready';
	}
	get running(): boolean {
		return this.busy !== 'idle';
	}
	/** a pausable run is going on (show play/pause/step) */
	get pausable(): boolean {
		return this.#pausable;
	}
	/** the status line: a lost-device note first, then what the widget is doing */
	get statusLine(): string {
		return `${this.lostNote ? `${this.lostNote} ` : ''}${this.status}`;
	}
	/** notes about corrected parameters (the widget's schema and ?backend=) */
	get notes(): string[] {
		return [...(this.backendNote ? [this.backendNote] : []), ...this.params.notes];
	}
	dismissNotes(): void {
		this.backendNote = null;
		this.params.notes = [];
	}

	/** Load the params, follow the worker and the widget's visibility, start. Returns the cleanup. */
	mount(root: HTMLElement | undefined): () => void {
		this.#mounted = true;
		this.params.load();
		const stopStatus = onWorkerStatus((e) => {
			if (e.kind === 'data') this.loadFraction = e.total ? e.loaded / e.total : null;
			if (e.kind === 'backend') this.backend = e.choice;
			if (e.kind === 'device-lost') void this.#deviceLost(e.message, e.choice);
			if (e.kind === 'run-restarted') this.#runRestarted(e.runId, e.backend);
			if (e.kind === 'backend-failed') this.#backendFailed(e.error);
		});
		const stopWatching = this.gate.watch(root);
		void this.#start();
		return () => {
			this.#mounted = false;
			this.#stopFailure?.();
			stopStatus();
			stopWatching();
			this.params.destroy();
			this.cancel();
		};
	}

	async #start() {
		const { forced, note } = readBackendParam(location.search);
		this.backendNote = note;
		let started: { api: MlWorker; backend: BackendChoice };
		try {
			const session = getMlWorker(siteRoot(), forced);
			this.#stopFailure = session.onFailure((e) => this.#unavailable(e));
			started = await session.ready;
		} catch (e) {
			this.#unavailable(e);
			return;
		}
		if (!this.#mounted || this.#failure) return;
		this.worker = started.api;
		this.backend = started.backend;
		this.phase = 'ready';
		await this.hooks.start(this.worker).catch((e) => {
			if (!this.#failure) this.problem = `Could not recompute the results live (${message(e)}); the figures show them as shipped.`;
		});
	}

	/**
	 * The worker could not start, or stopped: say why, drop the run going on (its calls fail with the same
	 * reason) and stay on the shipped figures. A widget mounted later may start a new worker.
	 */
	#unavailable(e: unknown) {
		if (this.#failure) return;
		this.#token++;
		this.#finish();
		this.worker = null;
		this.#fail(`Live computation is unavailable (${message(e)}). The figures show the shipped results.`, 'Showing shipped results only.');
	}

	/** Nothing live works from here on: one failed state, whose reason outranks any later problem. */
	#fail(reason: string, status: string) {
		this.#failure = reason;
		this.lostNote = null;
		this.phase = 'failed';
		this.status = status;
	}

	/**
	 * Run `fn` as this widget's current run: a run already going is cancelled first, `busy` carries
	 * `label` until it ends, and an error becomes the widget's problem line. Resolves undefined when the
	 * run was superseded (a newer run, Cancel, unmount) or failed.
	 */
	async run<T>(label: string, fn: (worker: MlWorker, run: RunHandle) => Promise<T>, opts: RunOptions = {}): Promise<T | undefined> {
		const worker = this.worker;
		if (!worker || this.phase !== 'ready' || !this.#mounted) return undefined;
		if (this.#active) this.cancel();
		const token = ++this.#token;
		const survives = opts.survivesDeviceLoss;
		const restarts = survives ? { what: 'the run', ...(survives === true ? {} : survives) } : null;
		const run: ActiveRun = { id: nextRunId(), token, pausable: !!opts.pausable, restarts };
		const stale = () => token !== this.#token;
		this.#active = run;
		this.busy = label;
		this.problem = null;
		this.#enter(run, opts.pausable ?? false, opts.progressLabel);
		const handle: RunHandle = {
			id: run.id,
			stale,
			phase: (l, o = {}) => {
				if (stale()) return;
				this.busy = l;
				this.#enter(run, o.pausable ?? false, o.progressLabel);
			},
			progress: (fraction, label) => {
				if (stale()) return;
				this.progress = fraction;
				if (label !== undefined) this.progressLabel = label;
			},
			callback: (f) => Comlink.proxy((...args) => (stale() ? undefined : f(...args)))
		};
		try {
			const result = await fn(worker, handle);
			return stale() ? undefined : result;
		} catch (e) {
			if (!stale()) this.problem = `${opts.failure ?? 'Live computation stopped'}: ${message(e)}`;
			return undefined;
		} finally {
			if (!stale()) this.#finish();
		}
	}

	/** Start a pausable part: not paused by the reader, but paused at once if the widget is off screen. */
	#enter(run: ActiveRun, pausable: boolean, progressLabel?: string) {
		run.pausable = pausable;
		this.#pausable = pausable;
		this.progress = pausable ? 0 : null;
		this.progressLabel = progressLabel ?? '';
		this.paused = false;
		this.gate.userPaused = false;
		// tells the worker about this run id before (or just after) its job starts: both orders work
		if (pausable) this.gate.apply();
	}

	#finish() {
		this.#active = null;
		this.#pausable = false;
		this.busy = 'idle';
		this.paused = false;
		this.progress = null;
	}

	pause(): void {
		this.gate.setUserPaused(true);
	}
	resume(): void {
		this.gate.setUserPaused(false);
	}
	/** While a pausable run goes on: pause it after exactly one more chunk. */
	step(): void {
		const run = this.#active;
		if (!run?.pausable || !this.worker) return;
		this.gate.userPaused = true;
		this.paused = true;
		void this.worker.step(run.id);
	}
	/** Stop the current run now: the page forgets it at once, and the worker stops it at its next yield. */
	cancel(): void {
		const run = this.#active;
		if (!run) return;
		this.#token++;
		void this.worker?.cancel(run.id);
		this.#finish();
	}
	/** A setting the worker reads while a run goes on (steps per progress report). */
	setStepsPerUpdate(n: number): void {
		const run = this.#active;
		if (run && this.worker) void this.worker.setStepsPerUpdate(run.id, n);
	}

	/**
	 * The one device-lost policy. A run the worker restarts from its seed is left alone (the worker's
	 * `run-restarted` says when it did); anything else is cancelled and the widget's `refresh` recomputes
	 * what is on screen on the new backend. A problem line from the dead GPU is dropped: it is stale now.
	 */
	async #deviceLost(msg: string, choice: BackendChoice) {
		this.backend = choice;
		this.problem = null;
		this.#lostMessage = msg;
		const run = this.#active;
		if (run?.restarts) {
			this.lostNote = `The GPU device was lost (${msg}); switched to ${choice.name}.`;
			return;
		}
		this.cancel();
		const refresh = this.hooks.refresh;
		this.lostNote = `The GPU device was lost (${msg}); switched to ${choice.name}${refresh ? ', where the figures are recomputed' : ''}.`;
		if (this.worker && refresh && this.#mounted) {
			await refresh(this.worker).catch((e) => (this.problem = `Could not recompute after the switch: ${message(e)}`));
		}
	}
	/** The worker started this widget's run again from its seed on `backend`: say so, and clear its old drawing. */
	#runRestarted(runId: number, backend: string) {
		const run = this.#active;
		if (run?.id !== runId || !run.restarts) return;
		this.problem = null;
		this.progress = this.#pausable ? 0 : null;
		this.lostNote = `The GPU device was lost (${this.#lostMessage}); ${run.restarts.what} restarted from the seed on ${backend}.`;
		run.restarts.reset?.();
	}

	/** The GPU went and no backend could take over: nothing live works from here on. */
	#backendFailed(error: string) {
		if (this.#failure) return;
		this.cancel();
		this.#fail(`Live computation stopped: ${error}. The figures keep the last results.`, 'Live computation is unavailable.');
	}
}

function message(e: unknown): string {
	return e instanceof Error ? e.message : String(e);
}
