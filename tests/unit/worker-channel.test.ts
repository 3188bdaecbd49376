// The page's end of the worker channel: a worker that fails or stops rejects every call waiting for it
// (Comlink alone would wait forever), and watchLife tells a dead worker from a busy one.
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Comlink from 'comlink';
import { WorkerChannel, watchLife, type LifeSigns } from '../../src/lib/worker/channel';

type Api = { add(a: number, b: number): number; slow(): void };

/** A Worker that records what the page sent and answers only when the test says so. */
class FakeWorker extends EventTarget {
	sent: { id: string; path?: string[] }[] = [];
	terminated = false;
	postMessage(message: { id: string; path?: string[] }) {
		this.sent.push(message);
	}
	terminate() {
		this.terminated = true;
	}
	/** answer the `i`th message sent with `value`, as Comlink's expose would */
	answer(i: number, value: unknown) {
		this.dispatchEvent(new MessageEvent('message', { data: { id: this.sent[i].id, type: 'RAW', value } }));
	}
}

function setup() {
	const worker = new FakeWorker();
	const ch = new WorkerChannel(worker as unknown as Worker);
	const api = Comlink.wrap<Api>(ch);
	return { worker, ch, api };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('WorkerChannel', () => {
	it('passes calls and answers through while the worker lives', async () => {
		const { worker, ch, api } = setup();
		const sum = api.add(2, 3);
		expect(ch.waiting).toBe(1);
		worker.answer(0, 5);
		await expect(sum).resolves.toBe(5);
		expect(ch.waiting).toBe(0);
		expect(ch.answered).toBe(true);
	});

	it('rejects every waiting call, and every later one, with the reason once the worker failed', async () => {
		const { worker, ch, api } = setup();
		const calls = Promise.allSettled([api.slow(), api.add(1, 1)]);
		ch.fail(new Error('the worker stopped unexpectedly'));
		for (const r of await calls) expect(r).toMatchObject({ status: 'rejected', reason: { message: 'the worker stopped unexpectedly' } });
		expect(worker.terminated).toBe(true);
		expect(ch.waiting).toBe(0);
		// a call made afterwards is not sent, and does not hang either
		await expect(api.add(1, 2)).rejects.toThrow('the worker stopped unexpectedly');
		expect(worker.sent).toHaveLength(2);
		// the first reason stays
		ch.fail(new Error('another reason'));
		expect(ch.failure?.message).toBe('the worker stopped unexpectedly');
	});

	it('leaves calls answered before the failure alone', async () => {
		const { worker, ch, api } = setup();
		const a = api.add(1, 1);
		worker.answer(0, 2);
		ch.fail(new Error('gone'));
		await expect(a).resolves.toBe(2);
	});
});

/** A Web Lock manager with one lock, as the browser's: the page's request is granted once the worker let go. */
function fakeLocks() {
	let release: (() => void) | null = null;
	let granted: Promise<void> = Promise.resolve();
	const locks = {
		request: (_name: string, cb: () => unknown) => {
			if (!release) {
				granted = new Promise<void>((r) => (release = r));
				void cb();
				return Promise.resolve();
			}
			return granted.then(() => cb());
		}
	} as unknown as LockManager;
	return { locks, workerGone: () => release?.() };
}

describe('watchLife', () => {
	afterEach(() => {
		vi.useRealTimers();
	});

	it('with Web Locks: the worker is declared gone when its lock is released, however long it was busy', async () => {
		const { ch, api } = setup();
		const { locks, workerGone } = fakeLocks();
		const signs: LifeSigns = {
			holdLifeLock: (name) => locks.request(name, () => new Promise(() => {})).then(() => true),
			ping: vi.fn()
		};
		const fail = vi.fn((reason: string) => ch.fail(new Error(reason)));
		const job = Promise.allSettled([api.slow()]);
		void watchLife(signs, ch, fail, { locks, stallMs: 10, pingMs: 1 });
		await new Promise((r) => setTimeout(r, 50)); // far past the ping's stall: a busy worker is not dead
		expect(fail).not.toHaveBeenCalled();
		expect(signs.ping).not.toHaveBeenCalled();
		workerGone();
		await flush();
		expect(fail).toHaveBeenCalledWith('the worker stopped unexpectedly');
		expect(await job).toMatchObject([{ status: 'rejected', reason: { message: 'the worker stopped unexpectedly' } }]);
	});

	it('without Web Locks: a busy worker that still answers a ping within STALL_MS lives', async () => {
		vi.useFakeTimers();
		const { worker, ch, api } = setup();
		const fail = vi.fn();
		let pings = 0;
		// each ping is answered (through the channel, as the real one is) 50 s later: a long blocking op
		const signs: LifeSigns = {
			holdLifeLock: async () => false,
			ping: () => {
				pings++;
				const answer = api.add(0, 0);
				const i = worker.sent.length - 1;
				setTimeout(() => worker.answer(i, 0), 50_000);
				return answer;
			}
		};
		void api.slow(); // a training run: answered only when it ends
		void watchLife(signs, ch, fail, { stallMs: 120_000, pingMs: 2_000 });
		await vi.advanceTimersByTimeAsync(600_000);
		expect(pings).toBeGreaterThan(5);
		expect(fail).not.toHaveBeenCalled();
	});

	it('without Web Locks: calls waiting with no answer at all for STALL_MS mean the worker is dead', async () => {
		vi.useFakeTimers();
		const { ch, api } = setup();
		const fail = vi.fn((reason: string) => ch.fail(new Error(reason)));
		const signs: LifeSigns = { holdLifeLock: async () => false, ping: () => api.add(0, 0) };
		const job = api.slow();
		job.catch(() => {});
		void watchLife(signs, ch, fail, { stallMs: 120_000, pingMs: 2_000 });
		await vi.advanceTimersByTimeAsync(110_000);
		expect(fail).not.toHaveBeenCalled();
		await vi.advanceTimersByTimeAsync(20_000);
		expect(fail).toHaveBeenCalledWith('the worker stopped responding');
		await expect(job).rejects.toThrow('the worker stopped responding');
	});

	it('without Web Locks and with nothing waiting: an idle worker is never pinged', async () => {
		vi.useFakeTimers();
		const { ch } = setup();
		const fail = vi.fn();
		const signs: LifeSigns = { holdLifeLock: async () => false, ping: vi.fn(async () => 0) };
		void watchLife(signs, ch, fail, { stallMs: 120_000, pingMs: 2_000 });
		await vi.advanceTimersByTimeAsync(600_000);
		expect(signs.ping).not.toHaveBeenCalled();
		expect(fail).not.toHaveBeenCalled();
	});
});
