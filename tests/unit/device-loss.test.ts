// The worker's move to another backend when the GPU goes (src/lib/worker/context.ts), with the backends
// faked: which backend starts, when the GPU is lost, and whether a readback still works are the test's.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BackendChoice, BackendName } from '../../src/lib/ml/backend-names';
import type { RunHooks, StatusEvent } from '../../src/lib/worker/context';

type Fake = {
	/** the next backends selectBackend hands out (an Error is thrown) */
	next: (BackendName | Error)[];
	/** resolves the current backend's onDeviceLost */
	lose: ((message: string) => void) | null;
	watches: number;
	excluded: BackendName[][];
	gpuWorks: boolean;
	/** while set, selectBackend waits for it (a move in progress) */
	hold: Promise<void> | null;
};
const fake: Fake = { next: [], lose: null, watches: 0, excluded: [], gpuWorks: true, hold: null };

const choiceOf = (name: BackendName): BackendChoice => ({ name, reason: name, attempts: [], slow: false });

vi.mock('../../src/lib/ml/backend', () => ({
	selectBackend: async (_forced: unknown, _opts: unknown, exclude: BackendName[] = []) => {
		fake.excluded.push([...exclude]);
		await fake.hold;
		const n = fake.next.shift();
		if (!n) throw new Error('nothing left to try');
		if (n instanceof Error) throw n;
		return choiceOf(n);
	},
	onDeviceLost: () => {
		fake.watches++;
		return new Promise<string>((resolve) => (fake.lose = resolve));
	},
	gpuStillWorks: async () => fake.gpuWorks
}));
vi.mock('../../src/lib/ml/data', () => ({ loadMnist: async () => ({}) }));

/** a fresh context module (its state is module-level) */
async function freshCtx(first: BackendName, ...then: (BackendName | Error)[]) {
	vi.resetModules();
	fake.next = [first, ...then];
	fake.lose = null;
	fake.watches = 0;
	fake.excluded = [];
	fake.gpuWorks = true;
	fake.hold = null;
	const { ctx, settleOnDeviceLoss } = await import('../../src/lib/worker/context');
	const events: StatusEvent[] = [];
	await ctx.init({ forcedBackend: first, dataUrl: '', wasmPath: '' }, (e) => void events.push(e));
	return { ctx, events, settleOnDeviceLoss };
}

/** Wait (on promises, not time) until `cond` holds: a few hundred turns of the event loop at most. */
async function until(cond: () => boolean, what: string) {
	for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 0));
	if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

const hooks = (id: number, stopped = () => false): RunHooks => ({
	id,
	shouldStop: stopped,
	waitWhilePaused: async () => {},
	interrupt: () => stopped(),
	held: () => false,
	chunk: () => 25
});

describe('losing the GPU', () => {
	beforeEach(() => vi.spyOn(console, 'warn').mockImplementation(() => {}));
	afterEach(() => vi.restoreAllMocks());

	it('moves to the next backend, says so, and watches the new one', async () => {
		const { ctx, events } = await freshCtx('webgpu', 'webgl', 'wasm');
		expect(fake.watches).toBe(1);
		fake.lose!('destroyed');
		await until(() => events.some((e) => e.kind === 'device-lost'), 'the move');
		expect(ctx.backend?.name).toBe('webgl');
		expect(ctx.deviceLost).toBeNull();
		// the new backend has a GPU of its own: its loss is followed too, and the failed ones are never chosen again
		expect(fake.watches).toBe(2);
		fake.lose!('context lost');
		await until(() => ctx.backend?.name === 'wasm', 'the second move');
		expect(fake.excluded.at(-1)).toEqual(['webgpu', 'webgl']);
	});

	it('a switch that fails does not leave deviceLost set, and says why', async () => {
		const { ctx, events } = await freshCtx('webgpu', new Error('wasm would not start'));
		let hooksSeen: RunHooks | null = null;
		let movedSeen: (() => boolean) | null = null;
		const result = ctx.run(7, (run) => {
			hooksSeen = run;
			// stuck on the dead GPU: only the move (or its failure) ends the wait
			return ctx.retryOnDeviceLost(run, (moved) => ((movedSeen = moved), new Promise<null>(() => {})));
		});
		fake.lose!('destroyed');
		await expect(result).rejects.toThrow(/no other backend could start \(wasm would not start\)/);
		// nothing waits on a move that never comes: the attempt's and the run's stop checks say stop
		expect(movedSeen!()).toBe(true);
		expect(hooksSeen!.shouldStop()).toBe(true);
		expect(ctx.deviceLost).toBeNull();
		const failed = events.find((e) => e.kind === 'backend-failed');
		expect(failed).toMatchObject({ kind: 'backend-failed', message: 'destroyed' });
		// a run started afterwards stops at once instead of waiting for a move that never comes
		await expect(ctx.run(8, (run) => ctx.retryOnDeviceLost(run, async () => 1))).rejects.toThrow(/no other backend/);
	});

	it('restarts a run on the next backend, after telling the page, and abandons an attempt stuck on the dead GPU', async () => {
		const { ctx, events } = await freshCtx('webgl', 'wasm');
		const attempts: string[] = [];
		const result = ctx.run(3, (run) =>
			ctx.retryOnDeviceLost(run, (moved) => {
				attempts.push(ctx.backend!.name);
				// on WebGL a readback after the loss never settles: the first attempt hangs for good
				if (attempts.length === 1) return new Promise<null>(() => void moved);
				return Promise.resolve(`done on ${ctx.backend!.name}`);
			})
		);
		await until(() => attempts.length === 1, 'the first attempt');
		fake.lose!('the WebGL context was lost');
		await expect(result).resolves.toBe('done on wasm');
		expect(attempts).toEqual(['webgl', 'wasm']);
		const kinds = events.map((e) => e.kind);
		expect(kinds.indexOf('device-lost')).toBeLessThan(kinds.indexOf('run-restarted'));
		expect(events.find((e) => e.kind === 'run-restarted')).toEqual({ kind: 'run-restarted', runId: 3, backend: 'wasm' });
	});

	it('an error from a readback on a GPU that is already gone restarts the run, even before the loss event', async () => {
		const { ctx } = await freshCtx('webgpu', 'wasm');
		let tries = 0;
		const result = ctx.run(4, (run) =>
			ctx.retryOnDeviceLost(run, async () => {
				tries++;
				if (tries === 1) {
					fake.gpuWorks = false;
					// the loss event comes a moment after the failed readback
					setTimeout(() => fake.lose!('destroyed'), 0);
					throw new Error('mapAsync: device is lost');
				}
				return 'finished';
			})
		);
		await expect(result).resolves.toBe('finished');
		expect(tries).toBe(2);
	});

	it('an ordinary error on a working GPU is not mistaken for a loss', async () => {
		const { ctx } = await freshCtx('webgpu', 'wasm');
		await expect(ctx.run(5, (run) => ctx.retryOnDeviceLost(run, async () => Promise.reject(new Error('bad shape'))))).rejects.toThrow('bad shape');
	});

	it('a run the page cancelled is not announced as restarted', async () => {
		const { ctx, events } = await freshCtx('webgpu', 'wasm');
		let cancelled = false;
		const result = ctx.run(6, (run) =>
			ctx.retryOnDeviceLost(hooks(run.id, () => cancelled || run.shouldStop()), async () => {
				if (cancelled) return 'stopped';
				return new Promise<null>(() => {});
			})
		);
		// the reader cancels just as the GPU goes
		cancelled = true;
		fake.lose!('destroyed');
		await expect(result).resolves.toBe('stopped');
		expect(events.some((e) => e.kind === 'run-restarted')).toBe(false);
	});
});

/** A promise's state now, without waiting for it. */
async function settledYet(p: Promise<unknown>): Promise<boolean> {
	let done = false;
	p.then(
		() => (done = true),
		() => (done = true)
	);
	for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
	return done;
}

describe('job calls outside a run, when the GPU goes', () => {
	beforeEach(() => vi.spyOn(console, 'warn').mockImplementation(() => {}));
	afterEach(() => vi.restoreAllMocks());

	it('an evaluation stuck on a lost WebGL context is computed again on the next backend', async () => {
		const { ctx, settleOnDeviceLoss } = await freshCtx('webgl', 'wasm');
		const calls: string[] = [];
		const job = settleOnDeviceLoss({
			// on WebGL a readback after the loss never settles
			async evaluate(order: number[]) {
				calls.push(ctx.backend!.name);
				if (ctx.backend!.name === 'webgl') return new Promise<number>(() => {});
				return order.length / 10;
			}
		});
		const result = job.evaluate([2, 1, 0]);
		await until(() => calls.length === 1, 'the first call');
		fake.lose!('the WebGL context was lost');
		await expect(result).resolves.toBe(0.3);
		expect(calls).toEqual(['webgl', 'wasm']);
	});

	it('a readback that fails on a lost WebGPU device is computed again, and an ordinary error is not', async () => {
		const { ctx, settleOnDeviceLoss } = await freshCtx('webgpu', 'wasm');
		const job = settleOnDeviceLoss({
			async report() {
				if (ctx.backend!.name === 'wasm') return 'report on wasm';
				fake.gpuWorks = false;
				setTimeout(() => fake.lose!('destroyed'), 0);
				throw new Error('mapAsync: device is lost');
			},
			async bad() {
				throw new Error('bad shape');
			}
		});
		await expect(job.bad()).rejects.toThrow('bad shape');
		await expect(job.report()).resolves.toBe('report on wasm');
	});

	it('a call made during the move waits for it and runs on the next backend', async () => {
		const { ctx, settleOnDeviceLoss } = await freshCtx('webgpu', 'wasm');
		const job = settleOnDeviceLoss({ backendNow: () => ctx.backend!.name });
		let release = () => {};
		fake.hold = new Promise((r) => (release = r));
		fake.lose!('destroyed');
		// the move has begun (deviceLost is set) but not ended
		await until(() => ctx.deviceLost !== null, 'the move to begin');
		const answer = job.backendNow();
		expect(await settledYet(answer)).toBe(false);
		release();
		await expect(answer).resolves.toBe('wasm');
	});

	it('a call stuck on the GPU rejects with the reason when no backend can take over', async () => {
		const { settleOnDeviceLoss } = await freshCtx('webgl', new Error('wasm would not start'));
		const job = settleOnDeviceLoss({ evaluate: () => new Promise<number>(() => {}) });
		const result = job.evaluate();
		fake.lose!('the WebGL context was lost');
		await expect(result).rejects.toThrow(/no other backend could start \(wasm would not start\)/);
		await expect(job.evaluate()).rejects.toThrow(/no other backend could start/);
	});

	it('a method that starts a run is not called again: the run restarts itself, and a run that does not is ended', async () => {
		const { ctx, events, settleOnDeviceLoss } = await freshCtx('webgl', 'wasm');
		let trainCalls = 0;
		let attempts = 0;
		let sweepCalls = 0;
		const job = settleOnDeviceLoss({
			train(runId: number) {
				trainCalls++;
				return ctx.run(runId, (run) =>
					ctx.retryOnDeviceLost(run, async () => (++attempts === 1 ? new Promise<null>(() => {}) : `trained on ${ctx.backend!.name}`))
				);
			},
			// a run without a restart of its own, stuck on the lost context
			sweep(runId: number) {
				sweepCalls++;
				return ctx.run(runId, () => new Promise<string>(() => {}));
			}
		});
		const trained = job.train(1);
		const swept = job.sweep(2);
		await until(() => attempts === 1, 'the first attempt');
		expect(await settledYet(swept)).toBe(false);
		fake.lose!('the WebGL context was lost');
		await expect(trained).resolves.toBe('trained on wasm');
		await expect(swept).rejects.toThrow(/the GPU was lost under this run; it stopped, and the worker moved to wasm/);
		expect([trainCalls, attempts, sweepCalls]).toEqual([1, 2, 1]);
		expect(ctx.activeRuns()).toEqual([]);
		expect(events.filter((e) => e.kind === 'run-restarted')).toEqual([{ kind: 'run-restarted', runId: 1, backend: 'wasm' }]);
	});

	it('a run begun after a job method awaited is refused (it would be taken for a plain call)', async () => {
		const { ctx, settleOnDeviceLoss } = await freshCtx('wasm');
		const job = settleOnDeviceLoss({
			async late(runId: number) {
				await Promise.resolve();
				return ctx.run(runId, async () => 'ran');
			}
		});
		await expect(job.late(9)).rejects.toThrow(/not started in its job method's first synchronous part/);
	});
});
