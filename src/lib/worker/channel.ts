// The page's end of the ML worker's message channel, and how the page notices that the worker is gone.
// Comlink keeps a promise per call and waits for the worker's answer forever; nothing in it (or in the
// browser) says that the worker failed to load or stopped. WorkerChannel is the Comlink endpoint: once
// `fail` is called, every call still waiting, and every later call, is answered here with the failure,
// as the worker would answer with a thrown error. watchLife decides when to call it. Plain DOM types, no
// Comlink import: unit-tested in Node.

type Listener = EventListenerOrEventListenerObject;
type Message = { id?: unknown } | null | undefined;

export class WorkerChannel {
	#worker: Worker;
	#listeners = new Set<Listener>();
	/** ids of the calls sent and not answered yet */
	#pending = new Set<string>();
	#failure: Error | null = null;
	/** the worker answered at least once: its script loaded and runs */
	answered = false;
	/** when the worker last answered a call (performance.now()) */
	answeredAt = -Infinity;

	constructor(worker: Worker) {
		this.#worker = worker;
		worker.addEventListener('message', (ev) => {
			const id = (ev.data as Message)?.id;
			if (typeof id === 'string') {
				this.#pending.delete(id);
				this.answered = true;
				this.answeredAt = performance.now();
			}
		});
	}

	get failure(): Error | null {
		return this.#failure;
	}
	/** calls waiting for an answer now */
	get waiting(): number {
		return this.#pending.size;
	}

	postMessage(message: unknown, transfer: Transferable[] = []): void {
		const id = (message as Message)?.id;
		if (this.#failure) {
			if (typeof id === 'string') queueMicrotask(() => this.#answer(id));
			return;
		}
		if (typeof id === 'string') this.#pending.add(id);
		this.#worker.postMessage(message, transfer);
	}

	addEventListener(type: string, listener: Listener, options?: AddEventListenerOptions | boolean): void {
		if (type === 'message') this.#listeners.add(listener);
		this.#worker.addEventListener(type, listener, options);
	}

	removeEventListener(type: string, listener: Listener, options?: EventListenerOptions | boolean): void {
		if (type === 'message') this.#listeners.delete(listener);
		this.#worker.removeEventListener(type, listener, options);
	}

	/** The worker is gone (or unusable): stop it, and answer every waiting call with `error`. Once. */
	fail(error: Error): void {
		if (this.#failure) return;
		this.#failure = error;
		this.#worker.terminate();
		const ids = [...this.#pending];
		this.#pending.clear();
		for (const id of ids) this.#answer(id);
	}

	/** What Comlink's `throw` transfer handler turns back into a rejected call. */
	#answer(id: string): void {
		const error = this.#failure!;
		const data = { id, type: 'HANDLER', name: 'throw', value: { isError: true, value: { name: error.name, message: error.message } } };
		const ev = new MessageEvent('message', { data });
		for (const l of [...this.#listeners]) {
			if (typeof l === 'function') l(ev);
			else l.handleEvent(ev);
		}
	}
}

/** The two calls watchLife makes to the worker (see ml.worker.ts). */
export type LifeSigns = {
	holdLifeLock(name: string): Promise<boolean>;
	ping(): Promise<unknown>;
};

/**
 * With no Web Locks: how long calls may wait with no answer at all before the worker counts as dead.
 * Measured on a loaded 2-core machine, start-up (data, checkpoints) blocked the worker's thread for up to
 * 13 s on the cpu backend, and one unpausable measurement at a link's largest settings takes about a
 * minute; twice that, so that a slow worker is never declared dead.
 */
export const STALL_MS = 120_000;
const PING_MS = 2_000;

/**
 * Notice a worker that stops: terminated, crashed, killed for lack of memory. Browsers fire no event on
 * the page for that, and a ping cannot tell a dead worker from a busy one: tfjs's start-up, parsing the
 * data and a single large op block the worker's thread for seconds (see STALL_MS), so a ping timeout short
 * enough to be useful would declare a working worker dead. So the worker holds a Web Lock for as long as
 * it lives and the page queues for the same lock: the browser grants it to the page as soon as the worker
 * is gone, busy or not. Where Web Locks are missing (an insecure context, e.g. embed.js on an http page,
 * or an opaque origin) only the ping is left: it runs while calls wait, and declares the worker dead
 * after STALL_MS without any answer, a backstop so that no widget waits forever.
 */
export async function watchLife(
	worker: LifeSigns,
	ch: WorkerChannel,
	fail: (reason: string) => void,
	opts: { locks?: LockManager; stallMs?: number; pingMs?: number } = {}
): Promise<void> {
	const { locks, stallMs = STALL_MS, pingMs = PING_MS } = opts;
	// unique per worker: locks are shared by every tab of the origin
	const name = `nrs-ml-alive-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
	let held = false;
	try {
		held = !!locks && (await worker.holdLifeLock(name));
	} catch {
		return; // the worker failed before it answered: already reported
	}
	if (held) {
		try {
			// granted only once the worker released it, i.e. is gone
			await locks!.request(name, () => fail('the worker stopped unexpectedly'));
			return;
		} catch {
			// this page may not use locks after all: fall back to the ping
		}
	}
	// quiet: calls are waiting and the worker has answered nothing since `quietSince`
	let quietSince = performance.now();
	let pinging = false;
	while (!ch.failure) {
		await new Promise((r) => setTimeout(r, pingMs));
		if (ch.waiting === 0 || ch.answeredAt > quietSince) quietSince = performance.now();
		else if (performance.now() - quietSince > stallMs) return fail('the worker stopped responding');
		if (ch.waiting > 0 && !pinging) {
			pinging = true;
			// answered between two chunks of a job (they yield every few ms), or once a blocking op ends
			worker.ping().then(
				() => (pinging = false),
				() => {}
			);
		}
	}
}
