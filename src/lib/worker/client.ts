// The page side of the ML worker: one worker per page, shared by every widget on it, started on first
// use (so tfjs is never on the critical path of first paint). Status events fan out to all widgets.
import * as Comlink from 'comlink';
import { version } from '$app/environment';
import type { BackendChoice, BackendName } from '../ml/backend';
import type { MlWorkerApi, StatusEvent } from './ml.worker';
// The built worker's URL (not `new Worker(new URL(…))`): embed.js runs on other sites and must
// start the worker differently when it comes from another origin (see startWorker).
import workerUrl from './ml.worker.ts?worker&url';

export type MlWorker = Comlink.Remote<MlWorkerApi>;
export type { StatusEvent };

type Session = { api: MlWorker; ready: Promise<BackendChoice> };
let session: Session | null = null;
const listeners = new Set<(e: StatusEvent) => void>();
let lastStatus: StatusEvent[] = [];
let startGate: Promise<void> = Promise.resolve();
let releaseGate: (() => void) | null = null;

/**
 * Embeds that "start paused": the worker loads no backend, data or checkpoint until releaseWorkerStart()
 * (the reader pressed Run live); widgets meanwhile show their shipped results. Returns false when the
 * worker is already running (another widget on the page started it). One worker per page, so any
 * widget that starts releases the hold for all of them.
 */
export function holdWorkerStart(): boolean {
	if (session) return false;
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
 * Start (once) and return the worker. `assetsBase` is the site's absolute base URL (origin + base path),
 * because the worker resolves URLs against its own script location, not the page.
 */
export function getMlWorker(assetsBase: string, forcedBackend: BackendName | null): Session {
	if (session) return session;
	const worker = startWorker(new URL(workerUrl, import.meta.url));
	const api = Comlink.wrap<MlWorkerApi>(worker);
	const ready = startGate.then(() =>
		api.init({ forcedBackend, dataUrl: `${assetsBase}/data`, wasmPath: `${assetsBase}/tfjs/`, assets: { root: assetsBase, version } }, Comlink.proxy(emit))
	);
	session = { api, ready };
	// Browser tests reach the worker (tensor counts, simulated GPU loss) only when the URL asks for it.
	if (new URLSearchParams(location.search).has('testhooks')) (globalThis as { __nrsWorker?: MlWorker }).__nrsWorker = api;
	return session;
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
