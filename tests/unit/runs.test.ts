// Per-run control in the worker: pause, step and cancel address one run; a run that trains in long
// chunks still reads a cancel promptly (it yields between steps); a cancelled run followed by a new
// one leaves exactly one running.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { RunRegistry, YIELD_MS, yieldToEventLoop, type RunHooks } from '../../src/lib/worker/runs';
import { Trainer, TrainingData } from '../../src/lib/ml/trainer';
import { useCpu, smallMnist } from './setup';

/** A fake training loop: `chunks` chunks of `steps` busy steps of `stepMs` each, through the run's hooks. */
async function fakeTraining(run: RunHooks, log: number[], opts: { chunks?: number; steps?: number; stepMs?: number } = {}) {
	const { chunks = 1000, steps = 10, stepMs = 2 } = opts;
	for (let c = 0; c < chunks; c++) {
		await run.waitWhilePaused();
		if (run.shouldStop()) return 'stopped';
		for (let s = 0; s < steps; s++) {
			const until = performance.now() + stepMs;
			while (performance.now() < until) {
				/* busy, like a synchronous wasm step */
			}
			if (await run.interrupt()) return 'stopped';
		}
		log.push(c);
	}
	return 'done';
}

/** Let the event loop turn until `cond` holds (no fixed sleeps: the other run's progress is the clock). */
async function until(cond: () => boolean) {
	while (!cond()) await new Promise((r) => setTimeout(r, 0));
}

describe('RunRegistry', () => {
	it('pauses, steps and cancels one run without touching another', async () => {
		const reg = new RunRegistry();
		const logA: number[] = [];
		const logB: number[] = [];
		const a = reg.run(1, (h) => fakeTraining(h, logA, { chunks: Infinity, stepMs: 0.2 }));
		const b = reg.run(2, (h) => fakeTraining(h, logB, { chunks: Infinity, stepMs: 0.2 }));
		await until(() => logA.length >= 2);
		reg.pause(1);
		await until(() => reg.states().some((r) => r.id === 1 && r.waiting)); // A stops at its next yield
		expect(reg.states()).toEqual([
			{ id: 1, paused: true, waiting: true },
			{ id: 2, paused: false, waiting: false }
		]);
		const frozen = logA.length;
		const bBefore = logB.length;
		await until(() => logB.length >= bBefore + 5); // B goes on for 5 chunks…
		expect(logA.length).toBe(frozen); // …while A stays paused

		reg.step(1); // exactly one more chunk
		await until(() => logA.length > frozen);
		const bAfterStep = logB.length;
		await until(() => logB.length >= bAfterStep + 5);
		expect(logA.length).toBe(frozen + 1);

		reg.cancel(2);
		expect(await b).toBe('stopped');
		expect(reg.active()).toEqual([1]);
		reg.resume(1);
		await until(() => logA.length > frozen + 3);
		reg.cancel(1);
		expect(await a).toBe('stopped');
		expect(reg.active()).toEqual([]);
	});

	it('says without waiting whether its pause points would hold it: paused, not while a Step runs, not once cancelled', async () => {
		const reg = new RunRegistry();
		let hooks: RunHooks | null = null;
		const log: number[] = [];
		const done = reg.run(1, (h) => ((hooks = h), fakeTraining(h, log, { chunks: Infinity, stepMs: 0.2 })));
		await until(() => log.length >= 1);
		expect(hooks!.held()).toBe(false);
		reg.pause(1);
		expect(hooks!.held()).toBe(true);
		await until(() => reg.states()[0].waiting);
		const frozen = log.length;
		reg.step(1);
		expect(hooks!.held()).toBe(false); // the Step's chunk goes through
		await until(() => log.length > frozen);
		await until(() => reg.states()[0].waiting);
		expect(hooks!.held()).toBe(true);
		reg.cancel(1);
		expect(hooks!.held()).toBe(false);
		expect(await done).toBe('stopped');
	});

	it('reads a cancel in the middle of a long chunk', async () => {
		const reg = new RunRegistry();
		const log: number[] = [];
		let steps = 0;
		// one chunk is 1,000 busy steps of 1 ms: without yields a cancel would wait a second or more
		const run = reg.run(7, async (h) => {
			for (;;) {
				await h.waitWhilePaused();
				if (h.shouldStop()) return 'stopped';
				for (let s = 0; s < 1000; s++) {
					const until = performance.now() + 1;
					while (performance.now() < until) {
						/* busy, like a synchronous wasm step */
					}
					steps++;
					if (await h.interrupt()) return 'stopped';
				}
				log.push(steps);
			}
		});
		// a message from outside (a timer here, the page's cancel in the worker) gets in at the next yield
		setTimeout(() => reg.cancel(7), 0);
		expect(await run).toBe('stopped');
		expect(log).toEqual([]); // stopped inside the first chunk
		expect(steps).toBeLessThan(1000);
		const [rec] = reg.history();
		expect(rec).toMatchObject({ id: 7, cancelled: true });
		expect(rec.stepsAfterCancel).toBeLessThanOrEqual(1); // it stops at the first step after the cancel
	});

	it('cancel then a new run: only the new run goes on', async () => {
		const reg = new RunRegistry();
		const first = reg.run(1, (h) => fakeTraining(h, []));
		reg.cancel(1);
		const log: number[] = [];
		const second = reg.run(2, (h) => fakeTraining(h, log, { chunks: 3, stepMs: 0.1 }));
		expect(await first).toBe('stopped');
		expect(await second).toBe('done');
		expect(log).toEqual([0, 1, 2]);
	});

	it('applies a pause or cancel sent before its run started', async () => {
		const reg = new RunRegistry();
		reg.pause(5);
		reg.cancel(6);
		const log: number[] = [];
		const paused = reg.run(5, (h) => fakeTraining(h, log, { chunks: 3, stepMs: 0 }));
		expect(await reg.run(6, (h) => fakeTraining(h, [], { chunks: 3 }))).toBe('stopped');
		await yieldToEventLoop();
		expect(log).toEqual([]); // started paused
		reg.resume(5);
		expect(await paused).toBe('done');
		expect(log).toEqual([0, 1, 2]);
	});

	it('ignores step for runs it does not know, and clamps steps per update', async () => {
		const reg = new RunRegistry();
		reg.step(99);
		let chunk = 0;
		await reg.run(3, async (h) => {
			reg.setStepsPerUpdate(3, 1e9);
			chunk = h.chunk();
		});
		expect(chunk).toBe(500);
		expect(reg.active()).toEqual([]);
		await yieldToEventLoop();
	});
});

describe('Trainer.train with an interrupt', () => {
	it('stops inside a group when interrupted, keeping the steps it made, and leaks no tensors', async () => {
		await useCpu();
		const data = new TrainingData(smallMnist(256, 64));
		const before = tf.memory().numTensors;
		const t = new Trainer({ width: 16, depth: 1, residual: true, seed: 1, learningRate: 1e-3, batchSize: 16, layerDrop: 0 }, data);
		let calls = 0;
		const metrics = await t.train(50, { readEvery: 50, interrupt: () => ++calls >= 5 });
		expect(t.step).toBe(5);
		expect(metrics).toHaveLength(1);
		expect(metrics[0].step).toBe(5);
		expect(Number.isFinite(metrics[0].loss)).toBe(true);
		t.dispose();
		expect(tf.memory().numTensors).toBe(before);
		data.dispose();
	});
});
