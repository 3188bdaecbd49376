// /bench's parameters from its query: a link cannot ask for more than BENCH_CAPS (the bench runs on the
// page's main thread once the reader clicks Run).
import { describe, expect, it } from 'vitest';
import { BENCH_CAPS, paramsFromQuery } from '../../src/lib/bench/browser';

describe('bench params', () => {
	it('caps what a link asks for', () => {
		const q = new URLSearchParams('backend=cpu&steps=10000&repeats=50&warmup=10000&swapRepeats=50&swapWarmup=10&esWidth=256&esBatch=512');
		const p = paramsFromQuery(q)!;
		expect(p).toMatchObject({ steps: 500, repeats: 10, warmup: 100, swapRepeats: 10, swapWarmup: 3, esWidth: 64, esBatch: 256 });
		// worst case on cpu (~65 ms a step): (warm-up + repeats × steps) steps, a few minutes
		expect(((BENCH_CAPS.warmup + BENCH_CAPS.repeats * BENCH_CAPS.steps) * 0.065) / 60).toBeLessThan(6);
	});
	it('keeps what npm run bench asks for', () => {
		const p = paramsFromQuery(new URLSearchParams('backend=wasm&steps=50&repeats=5&warmup=10&swapRepeats=5'))!;
		expect(p).toMatchObject({ steps: 50, repeats: 5, warmup: 10, swapRepeats: 5 });
	});
});
