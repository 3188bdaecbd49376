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
