// Helper workers for the "Double it" grid on wasm and cpu, where each net trains alone on one core: the
// ML worker starts up to three nested workers (../grid-helper.worker.ts) and shares the plan's groups
// with them (shareGroups in the experiment). Each net's numbers depend only on its seed and the backend,
// so the grid comes out the same on any number of workers, only sooner.
import * as Comlink from 'comlink';
import { type GridLane, type GridHooks, type GroupPlan, groupCost } from '../../ml/experiments/double-it';
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

/** How many helpers to start for `todo`: none unless on wasm/cpu, with ≥ 3 groups and enough work, on the site's own origin. */
export function helperCount(todo: readonly GroupPlan[], { backend, cores, sameOrigin }: HelperPlan): number {
	if (backend !== 'wasm' && backend !== 'cpu') return 0;
	// embedded on another origin the ML worker runs through a shim (client.ts startWorker): no nested workers there
	if (!sameOrigin || todo.length < 3) return 0;
	if (todo.reduce((a, g) => a + groupCost(g), 0) < HELPER_MIN_FLOPS) return 0;
	return Math.max(0, Math.min((cores || 1) - 1, MAX_HELPERS, todo.length - 1));
}

export type HelperPool = { lanes: GridLane[]; close(): void };

/** test hook: the next plan's first helper fails to load ('load') or vanishes in its first group ('vanish') */
let fault: 'load' | 'vanish' | null = null;
export function breakGridHelperForTesting(how: 'load' | 'vanish'): void {
	fault = how;
}

/**
 * Start `n` helpers for one plan. Each is a lane of the grid; a helper that fails to start or dies
 * rejects its lane (a call to a dead worker would never settle), so its group is trained elsewhere.
 * `close` terminates them all (the run ended, was stopped or cancelled): nothing of theirs lingers.
 * `onWorkers` hears how many workers share the plan (the ML worker and the helpers alive) as it changes.
 */
export function startHelpers(n: number, init: HelperInit, hooks: GridHooks, stop: () => boolean, onWorkers: (count: number) => void = () => {}): HelperPool {
	const workers: Worker[] = [];
	/** helpers started and still alive: with the ML worker, the workers sharing the plan now */
	let alive = 0;
	let closed = false;
	const lanes: GridLane[] = [];
	const closers: (() => void)[] = [];
	/** the group each helper trains now, by key: its progress goes to that group's lane */
	const onSteps = new Map<string, (done: number) => void | Promise<void>>();
	const groups = new Map<string, GroupPlan>();
	const run: HelperRun = {
		waitThenStop: async () => {
			await hooks.waitWhilePaused?.();
			return stop();
		},
		interrupt: async () => (await hooks.interrupt?.()) || stop(),
		onSteps: async (key, done) => void (await onSteps.get(key)?.(done)),
		onPoint: async (key, i, p) => {
			const g = groups.get(key);
			if (g) await hooks.onPoint?.(g, i, p);
		}
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
		lanes.push(async (g, steps) => {
			await ready;
			onSteps.set(g.key, steps);
			groups.set(g.key, g);
			try {
				return await Promise.race([api.trainGroup(g), death]);
			} finally {
				onSteps.delete(g.key);
				groups.delete(g.key);
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
