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
};
const fake: Fake = { next: [], lose: null, watches: 0, excluded: [], gpuWorks: true };

const choiceOf = (name: BackendName): BackendChoice => ({ name, reason: name, attempts: [], slow: false });

vi.mock('../../src/lib/ml/backend', () => ({
	selectBackend: async (_forced: unknown, _opts: unknown, exclude: BackendName[] = []) => {
		fake.excluded.push([...exclude]);
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
	const { ctx } = await import('../../src/lib/worker/context');
	const events: StatusEvent[] = [];
	await ctx.init({ forcedBackend: first, dataUrl: '', wasmPath: '' }, (e) => void events.push(e));
	return { ctx, events };
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
