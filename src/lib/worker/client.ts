// The page side of the ML worker: one worker per page, shared by every widget on it, started on first
// use (so tfjs is never on the critical path of first paint). Status events fan out to all widgets.
import * as Comlink from 'comlink';
import type { BackendChoice, BackendName } from '../ml/backend';
import type { MlWorkerApi, StatusEvent } from './ml.worker';

export type MlWorker = Comlink.Remote<MlWorkerApi>;
export type { StatusEvent };

type Session = { api: MlWorker; ready: Promise<BackendChoice> };
let session: Session | null = null;
const listeners = new Set<(e: StatusEvent) => void>();
let lastStatus: StatusEvent[] = [];

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
	const worker = new Worker(new URL('./ml.worker.ts', import.meta.url), { type: 'module', name: 'nrs-ml' });
	const api = Comlink.wrap<MlWorkerApi>(worker);
	const ready = api.init(
		{ forcedBackend, dataUrl: `${assetsBase}/data`, wasmPath: `${assetsBase}/tfjs/` },
		Comlink.proxy(emit)
	);
	session = { api, ready };
	// Browser tests reach the worker (tensor counts, simulated GPU loss) only when the URL asks for it.
	if (new URLSearchParams(location.search).has('testhooks')) (globalThis as { __nrsWorker?: MlWorker }).__nrsWorker = api;
	return session;
}
