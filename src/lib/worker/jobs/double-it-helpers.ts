// Helper workers for the "Double it" essay on wasm and cpu, where each net trains alone on one core: the
// ML worker starts up to three nested workers (../grid-helper.worker.ts) and shares a plan's items with
// them (`shareWork` in the experiments): the grid's groups, or the robustness, drift and double-descent
// panels' nets.
// Each net's numbers depend only on its seed and the backend, so a plan comes out the same on any number
// of workers, only sooner.
import * as Comlink from 'comlink';
import type { EvalPoint } from '../../ml/experiments/double-it';
import { ctx } from '../context';
import type { GridHelperApi, HelperInit, HelperRun } from '../grid-helper.worker';

/**
 * The least training work (FLOPs) a plan needs before helpers are started. A helper joined the check
 * about 2 s after the click in headless Chromium on a loaded 2-core machine (a nested module worker,
 * tfjs, the wasm binary, the digits as tensors), while wasm trains these nets at ~8 GFLOP/s on one core
 * (the whole 3-seed grid, 3.3e12 FLOPs, in 409 s): two workers win once the plan is more than ~4 s of one
 * core's work; this asks for ~6 s. The check at one seed is 1.8e11, a lone cell's retrain is 2 groups
 * (never shared).
 */
export const HELPER_MIN_FLOPS = 5e10;
/** at most this many helpers (besides the ML worker itself) */
export const MAX_HELPERS = 3;

export type HelperPlan = { backend: string | undefined; cores: number; sameOrigin: boolean };

/**
 * How many helpers to start for a plan whose items (groups, nets) cost `costs` FLOPs: none unless on
 * wasm/cpu, with ≥ 3 items and enough work, on the site's own origin.
 */
export function helperCount(costs: readonly number[], { backend, cores, sameOrigin }: HelperPlan): number {
	if (backend !== 'wasm' && backend !== 'cpu') return 0;
	// embedded on another origin the ML worker runs through a shim (client.ts startWorker): no nested workers there
	if (!sameOrigin || costs.length < 3) return 0;
	if (costs.reduce((a, c) => a + c, 0) < HELPER_MIN_FLOPS) return 0;
	return Math.max(0, Math.min((cores || 1) - 1, MAX_HELPERS, costs.length - 1));
}

/**
 * One helper, as a lane of a plan: `call` runs one item on the helper's API (trainGroup, trainRobust, trainDescent),
 * `key` names that item in the helper's progress and curve points while it trains. Rejects if the helper
 * failed to start or died (a call to a dead worker would never settle).
 */
export type HelperLane = <R>(
	key: string,
	call: (api: Comlink.Remote<GridHelperApi>) => Promise<R>,
	onSteps: (done: number) => void | Promise<void>,
	onPoint?: (runIndex: number, p: EvalPoint) => void | Promise<void>
) => Promise<R>;

export type HelperPool = { lanes: HelperLane[]; close(): void };
/** What the helpers need of the run they share: its pause point, and whether it is held in a pause now. */
export type HelperHooks = { waitWhilePaused?: () => Promise<void>; held?: () => boolean };

/** test hook: the next plan's first helper fails to load ('load') or vanishes in its first group ('vanish') */
let fault: 'load' | 'vanish' | null = null;
export function breakGridHelperForTesting(how: 'load' | 'vanish'): void {
	fault = how;
}

/**
 * Start `n` helpers for one plan. Each is a lane of the plan; a helper that fails to start or dies
 * rejects its lane (a call to a dead worker would never settle), so its item is trained elsewhere.
 * `close` terminates them all (the run ended, was stopped or cancelled): nothing of theirs lingers.
 * `onWorkers` hears how many workers share the plan (the ML worker and the helpers alive) as it changes.
 */
export function startHelpers(n: number, init: HelperInit, hooks: HelperHooks, stop: () => boolean, onWorkers: (count: number) => void = () => {}): HelperPool {
	const workers: Worker[] = [];
	/** helpers started and still alive: with the ML worker, the workers sharing the plan now */
	let alive = 0;
	let closed = false;
	const lanes: HelperLane[] = [];
	const closers: (() => void)[] = [];
	/** the item each helper trains now, by key: its progress and curve points go to that item's lane */
	const onSteps = new Map<string, (done: number) => void | Promise<void>>();
	const onPoints = new Map<string, (runIndex: number, p: EvalPoint) => void | Promise<void>>();
	const run: HelperRun = {
		waitThenStop: async () => {
			await hooks.waitWhilePaused?.();
			return stop();
		},
		look: async () => ({ stop: stop(), held: hooks.held?.() ?? false }),
		onSteps: async (key, done) => void (await onSteps.get(key)?.(done)),
		onPoint: async (key, i, p) => void (await onPoints.get(key)?.(i, p))
	};
	const broken = fault;
	fault = null;
	for (let i = 0; i < n; i++) {
		let worker: Worker;
		try {
			const name = `nrs-grid-helper-${i + 1}`;
			// (a URL Vite does not bundle: a script that is not there)
			if (i === 0 && broken === 'load') worker = new Worker(String(new URL('nrs-no-such-helper.js', self.location.href)), { type: 'module', name });
			else worker = new Worker(new URL('../grid-helper.worker.ts', import.meta.url), { type: 'module', name });
		} catch {
			continue;
		}
		workers.push(worker);
		let died: (e: Error) => void = () => {};
		const death = new Promise<never>((_, reject) => (died = reject));
		death.catch(() => {});
		worker.addEventListener('error', (ev) => {
			ev.preventDefault();
			died(new Error(`a grid helper failed${ev.message ? ` (${ev.message})` : ''}`));
			worker.terminate();
		});
		worker.addEventListener('messageerror', () => died(new Error('a grid helper sent a message that could not be read')));
		const api = Comlink.wrap<GridHelperApi>(worker);
		const ready = Promise.race([
			(async () => {
				// a copy of the digits each: the ML worker keeps its own
				await api.init({ ...init, vanishInFirstGroup: i === 0 && broken === 'vanish' });
				await api.follow(Comlink.proxy(run));
				// a helper that went without an error event (closed, crashed) is noticed by its lock
				const locks = self.navigator?.locks;
				const lock = `nrs-grid-helper-alive-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
				if (locks && (await api.holdLifeLock(lock))) void locks.request(lock, () => died(new Error('a grid helper stopped'))).catch(() => {});
			})(),
			death
		]);
		ready.then(
			() => {
				alive++;
				if (!closed) onWorkers(1 + alive);
				death.catch(() => {
					alive--;
					if (!closed) onWorkers(1 + alive);
				});
			},
			() => worker.terminate()
		);
		closers.push(() => died(new Error('the grid helpers were closed')));
		lanes.push(async (key, call, steps, point) => {
			await ready;
			onSteps.set(key, steps);
			if (point) onPoints.set(key, point);
			try {
				return await Promise.race([call(api), death]);
			} finally {
				onSteps.delete(key);
				onPoints.delete(key);
			}
		});
	}
	return {
		lanes,
		close() {
			closed = true;
			for (const f of closers) f();
			for (const w of workers) w.terminate();
		}
	};
}

/**
 * In the ML worker, the helpers of one plan: `lanes(todo)` starts as many as `helperCount` allows on
 * this machine and backend for the items `todo` (maybe none) and gives each as a lane made by `toLane`;
 * `close()` ends them when the plan is over, however it ended.
 */
export function planHelpers<Item, Lane>(
	cost: (item: Item) => number,
	hooks: HelperHooks,
	stop: () => boolean,
	onWorkers: (count: number) => void,
	toLane: (helper: HelperLane) => Lane
): { lanes: (todo: readonly Item[]) => Lane[]; close(): void } {
	let pool: HelperPool | null = null;
	return {
		lanes: (todo) => {
			const backend = ctx.backend?.name;
			const opts = ctx.options;
			const n = helperCount(todo.map(cost), { backend, cores: self.navigator?.hardwareConcurrency ?? 1, sameOrigin: new URL(import.meta.url).origin === self.origin });
			if (n === 0 || !opts || (backend !== 'wasm' && backend !== 'cpu')) return [];
			pool = startHelpers(n, { backend, wasmPath: opts.wasmPath, assets: opts.assets, data: ctx.data }, hooks, stop, onWorkers);
			return pool.lanes.map(toLane);
		},
		close: () => pool?.close()
	};
}
