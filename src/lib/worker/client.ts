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
 * A module worker from the site's own origin as usual; from another origin (embed.js on a blog) the
 * browser refuses `new Worker(crossOriginUrl)`, so a same-origin blob module imports the real script
 * (served with CORS). Inside it, import.meta.url is still the site's, and every URL the worker
 * fetches is absolute (assetsBase), so nothing resolves against the host page.
 * The document's origin is `self.origin`, not `location.origin`: in an iframe sandboxed without
 * allow-same-origin, location still shows the site but the origin is opaque ("null"), so the site's
 * script counts as cross-origin there and takes the blob route too.
 */
function startWorker(url: URL): Worker {
	const options: WorkerOptions = { type: 'module', name: 'nrs-ml' };
	if (url.origin === self.origin) return new Worker(url, options);
	const shim = URL.createObjectURL(new Blob([`import ${JSON.stringify(url.href)};`], { type: 'text/javascript' }));
	const worker = new Worker(shim, options);
	setTimeout(() => URL.revokeObjectURL(shim), 10_000);
	return worker;
}
