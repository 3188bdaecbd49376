// Per-run control in the ML worker. Every widget's long job (training, a sweep, a race) is a run with
// an id chosen by the page; pause, resume, step and cancel address that id only, so two widgets on one
// page (two embeds on a blog) never pause, resume or cancel each other. Plain TypeScript, no tfjs:
// unit-tested in Node.

export type RunHooks = {
	readonly id: number;
	/** true once the run was cancelled (or `alsoStop` says so, e.g. the GPU device is gone) */
	shouldStop(): boolean;
	/** At a chunk boundary: waits while the run is paused. A Step lets exactly one more chunk through. */
	waitWhilePaused(): Promise<void>;
	/**
	 * Inside a chunk, between training steps: every ~YIELD_MS it yields to the event loop so the worker
	 * reads its messages (cancel, pause) during a long chunk, waits there while paused (not while a
	 * Step is running its chunk), and answers whether the chunk should stop now.
	 */
	interrupt(): boolean | Promise<boolean>;
	/** Would `interrupt` wait now: paused, not cancelled, and no Step running its chunk (asked without waiting). */
	held(): boolean;
	/** steps per chunk (progress report), settable while the run goes on */
	chunk(): number;
};

type Run = {
	id: number;
	paused: boolean;
	/** a Step is running its one chunk: mid-chunk pause points let it through */
	stepping: boolean;
	cancelled: boolean;
	waiters: (() => void)[];
	stepsPerUpdate: number;
	lastYield: number;
	/** when the page's pause / cancel arrived, and the training steps made after it (for RunRecord) */
	pausedAt: number | null;
	cancelledAt: number | null;
	stepsAfterPause: number;
	stepsAfterCancel: number;
	pauseLatency: number | null;
	/** blocked in a pause right now (not computing) */
	waiting: boolean;
};

/** How promptly a finished run obeyed its last pause and its cancel (tests and the bench read these). */
export type RunRecord = {
	id: number;
	cancelled: boolean;
	/** ms from the cancel arriving in the worker to the run's end, and the steps made meanwhile */
	cancelLatencyMs: number | null;
	stepsAfterCancel: number;
	/** ms from the last pause arriving to the run actually waiting, and the steps made meanwhile */
	pauseLatencyMs: number | null;
	stepsAfterPause: number;
};
const HISTORY = 32;

/** How long a chunk may run before the worker looks at its messages again (cancel/pause latency). */
export const YIELD_MS = 30;
export const DEFAULT_STEPS_PER_UPDATE = 25;

/**
 * Yield to the event loop so queued messages get in. In a browser (worker) a MessageChannel message is
 * a task queued behind any message the page already sent, without setTimeout's 4 ms clamp. Node (unit
 * tests, scripts) can starve timers behind port messages and immediates, so there a 0 ms timer is used.
 */
export function yieldToEventLoop(): Promise<void> {
	const browser = typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined' || typeof document !== 'undefined';
	if (!browser) return new Promise((resolve) => setTimeout(resolve, 0));
	return new Promise((resolve) => {
		const ch = new MessageChannel();
		ch.port1.onmessage = () => {
			ch.port1.close();
			resolve();
		};
		ch.port2.postMessage(null);
	});
}

const clampSteps = (n: number, fallback: number) => (Number.isFinite(n) ? Math.min(500, Math.max(1, Math.round(n))) : fallback);

type Pending = { paused?: boolean; cancelled?: boolean; stepsPerUpdate?: number };
/** controls remembered for runs not started yet (a widget off screen pauses its run as it starts it) */
const MAX_PENDING = 64;

export class RunRegistry {
	#runs = new Map<number, Run>();
	#pending = new Map<number, Pending>();
	#history: RunRecord[] = [];
	constructor(private readonly now: () => number = () => performance.now()) {}

	/** Ids of the runs going on now (for tests and the page's "is anything still working" check). */
	active(): number[] {
		return [...this.#runs.keys()];
	}

	/**
	 * Run `fn` as run `id`. `alsoStop` adds a worker-wide reason to stop (a lost device). The run's
	 * record is dropped when `fn` settles, so late controls for it are ignored.
	 */
	async run<T>(id: number, fn: (hooks: RunHooks) => Promise<T>, opts: { stepsPerUpdate?: number; alsoStop?: () => boolean } = {}): Promise<T> {
		if (this.#runs.has(id)) throw new Error(`run ${id} is already going`);
		const early = this.#pending.get(id) ?? {};
		this.#pending.delete(id);
		const r: Run = {
			id,
			paused: early.paused ?? false,
			stepping: false,
			cancelled: early.cancelled ?? false,
			waiters: [],
			stepsPerUpdate: clampSteps(early.stepsPerUpdate ?? opts.stepsPerUpdate ?? DEFAULT_STEPS_PER_UPDATE, DEFAULT_STEPS_PER_UPDATE),
			lastYield: this.now(),
			pausedAt: early.paused ? this.now() : null,
			cancelledAt: early.cancelled ? this.now() : null,
			stepsAfterPause: 0,
			stepsAfterCancel: 0,
			pauseLatency: null,
			waiting: false
		};
		/** the run is about to wait while paused: note how long the pause took to take effect */
		const halted = () => {
			if (r.pausedAt !== null && r.pauseLatency === null) r.pauseLatency = this.now() - r.pausedAt;
		};
		this.#runs.set(id, r);
		const alsoStop = opts.alsoStop ?? (() => false);
		const shouldStop = () => r.cancelled || alsoStop();
		const hooks: RunHooks = {
			id,
			shouldStop,
			waitWhilePaused: async () => {
				r.stepping = false;
				if (!r.paused || r.cancelled) return;
				halted();
				await this.#block(r);
				r.lastYield = this.now();
			},
			interrupt: () => {
				if (r.pausedAt !== null && r.pauseLatency === null) r.stepsAfterPause++;
				if (r.cancelledAt !== null) r.stepsAfterCancel++;
				if (this.now() - r.lastYield < YIELD_MS) return shouldStop();
				return (async () => {
					await yieldToEventLoop();
					if (r.paused && !r.stepping && !r.cancelled) halted();
					await this.#block(r);
					r.lastYield = this.now();
					return shouldStop();
				})();
			},
			held: () => r.paused && !r.stepping && !r.cancelled,
			chunk: () => r.stepsPerUpdate
		};
		try {
			return await fn(hooks);
		} finally {
			this.#runs.delete(id);
			this.#wake(r);
			this.#history.push({
				id,
				cancelled: r.cancelled,
				cancelLatencyMs: r.cancelledAt === null ? null : this.now() - r.cancelledAt,
				stepsAfterCancel: r.stepsAfterCancel,
				pauseLatencyMs: r.pauseLatency,
				stepsAfterPause: r.stepsAfterPause
			});
			if (this.#history.length > HISTORY) this.#history.shift();
		}
	}

	/** The last finished runs, oldest first. */
	history(): RunRecord[] {
		return this.#history.map((h) => ({ ...h }));
	}

	pause(id: number): void {
		const r = this.#runs.get(id);
		if (!r) return this.#early(id, { paused: true });
		if (!r.paused) {
			r.pausedAt = this.now();
			r.pauseLatency = null;
			r.stepsAfterPause = 0;
		}
		r.paused = true;
	}

	resume(id: number): void {
		const r = this.#runs.get(id);
		if (!r) return this.#early(id, { paused: false });
		r.paused = false;
		this.#wake(r);
	}

	/** While paused: let exactly one more chunk run, then pause again. */
	step(id: number): void {
		const r = this.#runs.get(id);
		if (!r) return;
		r.paused = true;
		r.stepping = true;
		this.#wake(r);
	}

	cancel(id: number): void {
		const r = this.#runs.get(id);
		if (!r) return this.#early(id, { cancelled: true });
		r.cancelledAt ??= this.now();
		r.cancelled = true;
		this.#wake(r);
	}

	setStepsPerUpdate(id: number, n: number): void {
		const r = this.#runs.get(id);
		if (r) r.stepsPerUpdate = clampSteps(n, r.stepsPerUpdate);
		else if (Number.isFinite(n)) this.#early(id, { stepsPerUpdate: n });
	}

	/**
	 * A control for a run that has not started (or has ended: then it is never used). Kept, bounded, so
	 * a run started by a widget that is already off screen or cancelled starts paused or stopped.
	 */
	#early(id: number, c: Pending) {
		this.#pending.set(id, { ...this.#pending.get(id), ...c });
		if (this.#pending.size > MAX_PENDING) this.#pending.delete(this.#pending.keys().next().value as number);
	}

	/** Wait while the run is paused (and not stepping or cancelled). */
	async #block(r: Run) {
		while (r.paused && !r.stepping && !r.cancelled) {
			r.waiting = true;
			await new Promise<void>((res) => r.waiters.push(res));
		}
		r.waiting = false;
	}

	/** The runs going on: paused or not, and whether each is blocked in its pause now (tests use this). */
	states(): { id: number; paused: boolean; waiting: boolean }[] {
		return [...this.#runs.values()].map((r) => ({ id: r.id, paused: r.paused, waiting: r.waiting }));
	}

	#wake(r: Run) {
		const w = r.waiters;
		r.waiters = [];
		w.forEach((f) => f());
	}
}
