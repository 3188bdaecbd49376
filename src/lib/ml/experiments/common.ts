// What every experiment shares: multi-seed statistics, the verdict's shape, training curves and the
// hooks a caller (the worker, a script) passes to a training loop, and the test set's type. Each
// experiment imports these from here, never from another experiment's file. Free of tfjs (`TestSet`
// is a type only), so the page may import it too.
export type { TestSet } from '../test-set';

/**
 * Build several disposable things (trainers, runners) at once: if one constructor throws (out of memory
 * at a large size, say), those already built are disposed before the error goes on.
 */
export function buildAll<T extends { dispose(): void }>(makers: readonly (() => T)[]): T[] {
	const built: T[] = [];
	try {
		for (const make of makers) built.push(make());
		return built;
	} catch (e) {
		for (const b of built) b.dispose();
		throw e;
	}
}

/** One headline number over seeds. */
export type Stat = { mean: number; sd: number; min: number; max: number; n: number };

/** Per key: mean, sample sd, min and max over the records (non-finite values left out). */
export function aggregate(records: Record<string, number>[]): Record<string, Stat> {
	const keys = Object.keys(records[0] ?? {});
	const out: Record<string, Stat> = {};
	for (const k of keys) {
		const xs = records.map((r) => r[k]).filter((v) => Number.isFinite(v));
		const n = xs.length;
		const mean = xs.reduce((a, b) => a + b, 0) / n;
		const sd = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
		out[k] = { mean, sd, min: Math.min(...xs), max: Math.max(...xs), n };
	}
	return out;
}

/** Does this run show the essay's claim, in one sentence for the reader. */
export type Verdict = { shown: boolean; text: string };

/** One point of a training curve (accuracy only where it was measured). */
export type CurvePoint = { step: number; loss: number; accuracy: number | null };

export type TrainHooks<Progress> = {
	/**
	 * Called after every chunk. If it returns a promise, training waits for it: from a worker that is the
	 * round trip to the page, which keeps a fast run from flooding the page with messages it has not
	 * drawn yet (and keeps pause in step with what the reader sees).
	 */
	onProgress?: (p: Progress) => void | Promise<void>;
	/** checked between chunks; return true to stop early (the partial nets are still returned) */
	shouldStop?: () => boolean;
	/** awaited between chunks: lets the caller pause (tab hidden, widget off screen) */
	waitWhilePaused?: () => Promise<void>;
	/** between steps inside a chunk: may yield so a cancel or pause is read during a long chunk; true stops */
	interrupt?: () => boolean | Promise<boolean>;
	/** steps per chunk (may change while training); a chunk of each net is trained in turn so both curves advance together */
	chunk?: number | (() => number);
	/** measure test accuracy every this many chunks (0 = only at the end) */
	accuracyEvery?: number;
};

/**
 * A lane trains one item of a plan (a group of nets, one net) wherever it runs: in this thread, or in a
 * helper worker on another core. It reports the training steps done so far through `onSteps`, resolves
 * with the item's result, or null if the run was stopped, and rejects if the lane itself failed (a
 * helper that died); that item is then trained again elsewhere.
 */
export type Lane<Item, Result> = (item: Item, onSteps: (done: number) => void | Promise<void>) => Promise<Result | null>;

export type ShareHooks<Item, Result> = {
	/** an item finished (awaited, in the order items finish); not called once the run was stopped */
	onDone?: (item: Item, result: Result) => void | Promise<void>;
	/** fraction of the plan's cost done over all lanes, counting the items in training by their steps */
	onProgress?: (fraction: number, item: Item) => void | Promise<void>;
	shouldStop?: () => boolean;
};

/**
 * Hand `todo`'s items, in order, to whichever lane is free. `size` gives an item's cost (for progress)
 * and its number of training steps (to turn a lane's steps into a share of that cost). A helper lane
 * that fails is dropped and its item goes back to the front of the queue; the local lane's errors are
 * the run's. Once a lane answers null (stopped), no item is handed out any more and, when every lane has
 * settled, the result says stopped. With the local lane alone this is the plain loop: each item in
 * turn, reported before the next starts. Each item's result depends only on the item (a net on its
 * seed), so any number of lanes gives the same results, only sooner.
 */
export async function shareWork<Item, Result>(
	todo: readonly Item[],
	size: (item: Item) => { cost: number; steps: number },
	local: Lane<Item, Result>,
	helpers: readonly Lane<Item, Result>[],
	hooks: ShareHooks<Item, Result> = {}
): Promise<{ stopped: boolean }> {
	const total = todo.reduce((a, it) => a + size(it).cost, 0) || 1;
	const queue = [...todo];
	let done = 0;
	/** cost done so far in the items being trained now */
	const going = new Map<Item, number>();
	let stopped = false;
	/** set once the local lane failed: the run is over, whatever the helpers still do */
	let ended = false;
	let waiters: (() => void)[] = [];
	const changed = () => new Promise<void>((resolve) => waiters.push(resolve));
	const notify = () => {
		const w = waiters;
		waiters = [];
		w.forEach((f) => f());
	};
	const lane = async (train: Lane<Item, Result>, isLocal: boolean) => {
		for (;;) {
			if (stopped || ended) return;
			const item = queue.shift();
			if (item === undefined) {
				// a helper's item may still come back to the queue
				if (going.size === 0) return;
				await changed();
				continue;
			}
			if (hooks.shouldStop?.()) {
				queue.unshift(item);
				stopped = true;
				notify();
				return;
			}
			const { cost, steps: longest } = size(item);
			let live = true;
			going.set(item, 0);
			let result: Result | null;
			try {
				result = await train(item, (steps) => {
					if (!live || ended) return;
					going.set(item, (cost * Math.min(steps, longest)) / Math.max(1, longest));
					let inFlight = 0;
					for (const f of going.values()) inFlight += f;
					return hooks.onProgress?.((done + inFlight) / total, item);
				});
			} catch (e) {
				live = false;
				going.delete(item);
				if (isLocal) throw e;
				queue.unshift(item);
				notify();
				return;
			}
			live = false;
			going.delete(item);
			if (ended) return;
			if (result === null) {
				stopped = true;
				notify();
				return;
			}
			done += cost;
			if (!stopped) await hooks.onDone?.(item, result);
			notify();
		}
	};
	// the first error of the local lane (or of reporting a result) ends the run at once; a helper still
	// training then finishes or is terminated by its owner, and whatever it answers is ignored
	let fail: (e: unknown) => void = () => {};
	const failed = new Promise<never>((_, reject) => (fail = reject));
	const guard = (p: Promise<void>) =>
		p.catch((e) => {
			ended = true;
			notify();
			fail(e);
		});
	await Promise.race([Promise.all([guard(lane(local, true)), ...helpers.map((h) => guard(lane(h, false)))]), failed]);
	return { stopped };
}
