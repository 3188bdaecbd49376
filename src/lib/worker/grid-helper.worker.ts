// A helper worker of the "Double it" essay on wasm or cpu: the ML worker starts a few of these (nested
// workers) so a plan's nets (the grid's groups, the other panels' nets) train on several
// CPU cores at once (jobs/double-it-helpers.ts). Each
// helper holds tfjs on the same backend, with the same kernel fixes, and the digits the ML worker sends
// it, so a net trained here is bit-identical to one trained there. Pause and cancel come from the run in
// the ML worker, asked at most every YIELD_MS between training steps.
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS, selectBackend } from '../ml/backend';
import type { Mnist } from '../ml/data';
import { TestSet } from '../ml/test-set';
import { TrainingData } from '../ml/trainer';
import { type EvalPoint, type GroupPlan, type RunResult, trainGroup } from '../ml/experiments/double-it';
import { type RobustResult, type RobustRun, heldOutSet, trainRobustRun } from '../ml/experiments/double-it-robust';
import { type DescentResult, type DescentRun, NoisySets, trainDescentRun } from '../ml/experiments/double-it-descent';
import { holdLifeLock } from './life-lock';
import { YIELD_MS, yieldToEventLoop } from './runs';
import { type AssetVersion, versionAssetFetches } from './versioned-fetch';

export type HelperInit = {
	backend: 'wasm' | 'cpu';
	wasmPath: string;
	assets?: AssetVersion;
	data: Mnist;
	/** test hook: the helper goes away silently (self.close) in the middle of its first item */
	vanishInFirstGroup?: boolean;
};
/** The run in the ML worker, as this helper sees it (a Comlink proxy). */
export type HelperRun = {
	/** at a chunk boundary: waits while the run is paused; answers whether it should stop */
	waitThenStop(): Promise<boolean>;
	/** the run now, without waiting: stopped, or held in a pause */
	look(): Promise<{ stop: boolean; held: boolean }>;
	onSteps(group: string, done: number): Promise<void>;
	onPoint(group: string, runIndex: number, p: EvalPoint): Promise<void>;
};

let train: TrainingData | null = null;
let test: TestSet | null = null;
/** the held-out training digits (the drift panel's), built on the first net that needs them */
let heldOut: TestSet | null = null;
let data: Mnist | null = null;
/** the double-descent panel's noisy training sets, built as its nets need them (freed with the helper) */
let noisy: NoisySets | null = null;
let run: Comlink.Remote<HelperRun> | null = null;
let vanish = false;

/**
 * The run's pause, cancel and progress as a training loop here asks for them. The ML worker trains a
 * net of its own meanwhile and reads its messages only every YIELD_MS, so a question that waited for
 * its answer would idle this helper for much of its time (measured: its nets took 3× as long). So every
 * YIELD_MS the helper sends a look at the run and trains on; the answer lands at a later step. Only a
 * run held in a pause is waited for, in the run's own pause point.
 */
function followRun(r: Comlink.Remote<HelperRun>, key: string) {
	let stop = false;
	let held = false;
	let asking = false;
	let lastAsk = performance.now();
	const look = () => {
		lastAsk = performance.now();
		if (asking) return;
		asking = true;
		r.look().then(
			(s) => {
				asking = false;
				stop ||= s.stop;
				held = s.held;
			},
			() => (asking = false)
		);
	};
	const waitIfHeld = async () => {
		if (held && !stop) {
			stop = await r.waitThenStop();
			held = false;
			lastAsk = performance.now();
		}
		return stop;
	};
	return {
		waitWhilePaused: async () => {
			look();
			await yieldToEventLoop();
			await waitIfHeld();
		},
		shouldStop: () => stop,
		interrupt: (): boolean | Promise<boolean> => {
			if (stop || performance.now() - lastAsk < YIELD_MS) return stop;
			look();
			// lets the answer to an earlier look in
			return yieldToEventLoop().then(waitIfHeld);
		},
		onSteps: (done: number) => {
			if (vanish) self.close();
			// progress needs no answer (a late one is ignored by the plan)
			r.onSteps(key, done).catch(() => {});
		}
	};
}

const api = {
	/** Start the backend and take the digits; resolves with the ms it took. Throws if `backend` is not what started. */
	async init(opts: HelperInit): Promise<number> {
		const t0 = performance.now();
		if (opts.assets) versionAssetFetches(self, opts.assets);
		const choice = await selectBackend(
			opts.backend,
			{ wasmPath: opts.wasmPath },
			BACKENDS.filter((b) => b !== opts.backend)
		);
		if (choice.name !== opts.backend) throw new Error(`the helper started ${choice.name}, not ${opts.backend}`);
		vanish = opts.vanishInFirstGroup ?? false;
		data = opts.data;
		train = new TrainingData(opts.data);
		test = new TestSet(opts.data);
		return performance.now() - t0;
	},
	/** The run this helper trains for (its pause, cancel and progress). */
	follow(r: HelperRun) {
		run = r as unknown as Comlink.Remote<HelperRun>;
	},
	async trainGroup(g: GroupPlan): Promise<RunResult[] | null> {
		if (!train || !test || !run) throw new Error('the helper was not started');
		const r = run;
		const follow = followRun(r, g.key);
		return trainGroup(g, train, test, { ...follow, onPoint: (_g, i, p) => r.onPoint(g.key, i, p) }, follow.onSteps);
	},
	/** Train and score one net of the robustness or drift panel (jobs/double-it-robust.ts). */
	async trainRobust(one: RobustRun): Promise<RobustResult | null> {
		if (!train || !test || !data || !run) throw new Error('the helper was not started');
		heldOut ??= heldOutSet(data);
		const follow = followRun(run, one.id);
		await follow.waitWhilePaused();
		if (follow.shouldStop()) return null;
		return trainRobustRun(one, train, test, heldOut, follow, follow.onSteps);
	},
	/** Train and score one net of the double-descent panel (jobs/double-it-descent.ts). */
	async trainDescent(one: DescentRun): Promise<DescentResult | null> {
		if (!test || !data || !run) throw new Error('the helper was not started');
		noisy ??= new NoisySets(data);
		const follow = followRun(run, one.id);
		return trainDescentRun(one, noisy, test, follow, follow.onSteps);
	},
	/** Hold a Web Lock while this helper lives: the ML worker notices it gone, however it went (./life-lock). */
	holdLifeLock,
	numTensors: (): number => tf.memory().numTensors
};

export type GridHelperApi = typeof api;

Comlink.expose(api);
