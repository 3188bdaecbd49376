// The page side of the ML worker: one worker per page, shared by every widget on it, started on first
// use (so tfjs is never on the critical path of first paint). Status events fan out to all widgets.
import * as Comlink from 'comlink';
import { version } from '$app/environment';
import type { BackendChoice, BackendName } from '../ml/backend';
import type { MlWorkerApi, StatusEvent } from './ml.worker';
import { WorkerChannel, watchLife } from './channel';
// The built worker's URL (not `new Worker(new URL(…))`): embed.js runs on other sites and must
// start the worker differently when it comes from another origin (see startWorker).
import workerUrl from './ml.worker.ts?worker&url';

export type MlWorker = Comlink.Remote<MlWorkerApi>;
export type { StatusEvent };

/**
 * The page's worker. `ready` resolves once it runs and has its backend and data (for a paused embed, only
 * after the reader released it), and rejects with a reason a reader can be shown when it could not
 * start. `onFailure` hears of a worker that fails or stops at any time, before or after `ready`.
 */
export type Session = {
	ready: Promise<{ api: MlWorker; backend: BackendChoice }>;
	onFailure(fn: (error: Error) => void): () => void;
};
let session: Session | null = null;
/** the current session created its Worker (it is not held back by a paused embed any more) */
let workerCreated = false;
const listeners = new Set<(e: StatusEvent) => void>();
let lastStatus: StatusEvent[] = [];
let startGate: Promise<void> = Promise.resolve();
let releaseGate: (() => void) | null = null;

/**
 * Embeds that "start paused": no worker is created (nothing is downloaded, no backend, data or checkpoint
 * loaded) until releaseWorkerStart() (the reader pressed Run live); widgets meanwhile show their shipped
 * results. Returns false when the worker already exists (another widget on the page started it). One
 * worker per page, so any widget that starts releases the hold for all of them.
 */
export function holdWorkerStart(): boolean {
	if (workerCreated) return false;
	if (!releaseGate) startGate = new Promise<void>((r) => (releaseGate = r));
	return true;
}

export function releaseWorkerStart(): void {
	releaseGate?.();
	releaseGate = null;
}

let lastRunId = 0;
/** A fresh id for a run in the page's worker: unique across every widget on the page, which share it. */
export function nextRunId(): number {
	return ++lastRunId;
}

export function onWorkerStatus(fn: (e: StatusEvent) => void): () => void {
	listeners.add(fn);
	for (const e of lastStatus) fn(e);
	return () => listeners.delete(fn);
}

function emit(e: StatusEvent) {
	lastStatus = [...lastStatus.filter((x) => x.kind !== e.kind), e];
	for (const fn of listeners) fn(e);
}

/**
 * The page's one worker session, created on first use; the Worker itself is created only once the start
 * gate is open (a paused embed downloads no worker until the reader presses Run live). `assetsBase` is
 * the site's absolute base URL (origin + base path), because the worker resolves URLs against its own
 * script location, not the page. A session whose worker failed is dropped, so a widget mounted later
 * (or a re-mounted element) tries once more; nothing retries by itself.
 */
export function getMlWorker(assetsBase: string, forcedBackend: BackendName | null): Session {
	if (session) return session;
	const failed = new Set<(error: Error) => void>();
	let failure: Error | null = null;
	let channel: WorkerChannel | null = null;
	const fail = (reason: string) => {
		if (failure) return;
		failure = new Error(reason);
		if (session === created) {
			session = null;
			workerCreated = false;
			lastStatus = [];
		}
		// widgets hear the reason before their pending calls reject with it
		for (const fn of failed) fn(failure);
		channel?.fail(failure);
	};
	const ready = startGate.then(async () => {
		workerCreated = true;
		let worker: Worker;
		try {
			worker = startWorker(new URL(workerUrl, import.meta.url));
		} catch (e) {
			// e.g. in a sandboxed frame `new Worker` throws at once (a blocking CSP fires `error` instead)
			fail(`the browser refused to start the worker: ${e instanceof Error ? e.message : String(e)}`);
			throw failure;
		}
		channel = new WorkerChannel(worker);
		const ch = channel;
		// Before the worker ever answered, an error means its script (or a chunk it imports) did not load
		// or did not run: a 404, a network error, a CSP block. Later ones are uncaught errors inside a
		// running worker, which are not fatal by themselves (watchLife notices a worker that stops).
		worker.addEventListener('error', (ev) => {
			if (ch.answered) return;
			const detail = ev instanceof ErrorEvent && ev.message ? ` (${ev.message})` : '';
			fail(`the worker script failed to load${detail}`);
		});
		// some call's answer was lost, so that call would wait forever
		worker.addEventListener('messageerror', () => fail('a message from the worker could not be read'));
		const api = Comlink.wrap<MlWorkerApi>(ch);
		// Browser tests reach the worker (tensor counts, simulated GPU loss, a killed worker) only when the URL asks for it.
		if (new URLSearchParams(location.search).has('testhooks')) {
			const hooks = globalThis as { __nrsWorker?: MlWorker; __nrsKillWorker?: () => void };
			hooks.__nrsWorker = api;
			hooks.__nrsKillWorker = () => worker.terminate();
		}
		void watchLife(api, ch, fail, { locks: navigator.locks });
		const backend = await api.init(
			{ forcedBackend, dataUrl: `${assetsBase}/data`, wasmPath: `${assetsBase}/tfjs/`, assets: { root: assetsBase, version } },
			Comlink.proxy(emit)
		);
		return { api, backend };
	});
	const created: Session = {
		ready,
		onFailure(fn) {
			if (failure) queueMicrotask(() => fn(failure!));
			else failed.add(fn);
			return () => failed.delete(fn);
		}
	};
	session = created;
	return created;
}

/**
 * A module worker from the site's own origin as usual. From another origin (embed.js on a blog) the
 * browser refuses `new Worker(crossOriginUrl)`, so a shim worker of the page's own imports the real
 * module (served with CORS). Inside it, import.meta.url is still the site's, and every URL the worker
 * fetches is absolute (assetsBase), so nothing resolves against the host page.
 * The document's origin is `self.origin`, not `location.origin`: in an iframe sandboxed without
 * allow-same-origin, location still shows the site but the origin is opaque ("null"), so the site's
 * script counts as cross-origin there and takes the shim route too.
 * The shim is a classic worker that loads the module with import(): a *module* worker from a blob
 * of an opaque origin does not start at all. In an opaque origin it is a data: URL, not a blob: a
 * blob:null worker is not a secure context (no crypto.subtle for the data's sha256, no WebGPU),
 * while a data: one is when its page is. Messages that arrive before the module has set up its
 * listener (Comlink's first calls) are held and delivered once it has; a module that fails to load
 * is rethrown so the page gets the worker's `error` event.
 */
function startWorker(url: URL): Worker {
	if (url.origin === self.origin) return new Worker(url, { type: 'module', name: 'nrs-ml' });
	const source = `const held = [], hold = (e) => held.push(e);
addEventListener('message', hold);
import(${JSON.stringify(url.href)}).then(() => {
	removeEventListener('message', hold);
	for (const e of held) dispatchEvent(new MessageEvent('message', { data: e.data, ports: [...e.ports] }));
}, (e) => setTimeout(() => { throw e; }));`;
	if (self.origin === 'null') return new Worker(`data:text/javascript,${encodeURIComponent(source)}`, { name: 'nrs-ml' });
	const shim = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
	const worker = new Worker(shim, { name: 'nrs-ml' });
	setTimeout(() => URL.revokeObjectURL(shim), 10_000);
	return worker;
}
