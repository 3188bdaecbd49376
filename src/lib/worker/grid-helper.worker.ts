// A helper worker of the "Double it" grid on wasm or cpu: the ML worker starts a few of these (nested
// workers) so the grid's groups train on several CPU cores at once (jobs/double-it-helpers.ts). Each
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
import { holdLifeLock } from './life-lock';
import { YIELD_MS } from './runs';
import { type AssetVersion, versionAssetFetches } from './versioned-fetch';

export type HelperInit = {
	backend: 'wasm' | 'cpu';
	wasmPath: string;
	assets?: AssetVersion;
	data: Mnist;
	/** test hook: the helper goes away silently (self.close) in the middle of its first group */
	vanishInFirstGroup?: boolean;
};
/** The run in the ML worker, as this helper sees it (a Comlink proxy). */
export type HelperRun = {
	/** at a chunk boundary: waits while the run is paused; answers whether it should stop */
	waitThenStop(): Promise<boolean>;
	/** between training steps: the run's interrupt (waits while paused); answers whether to stop */
	interrupt(): Promise<boolean>;
	onSteps(group: string, done: number): Promise<void>;
	onPoint(group: string, runIndex: number, p: EvalPoint): Promise<void>;
};

let train: TrainingData | null = null;
let test: TestSet | null = null;
let run: Comlink.Remote<HelperRun> | null = null;
let vanish = false;

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
		let stop = false;
		let lastAsk = performance.now();
		return trainGroup(
			g,
			train,
			test,
			{
				waitWhilePaused: async () => {
					stop = await r.waitThenStop();
					lastAsk = performance.now();
				},
				shouldStop: () => stop,
				// a round trip to the ML worker per step would cost more than the step
				interrupt: () => {
					if (stop || performance.now() - lastAsk < YIELD_MS) return stop;
					return r.interrupt().then((s) => {
						lastAsk = performance.now();
						return (stop = s);
					});
				},
				onPoint: (_g, i, p) => r.onPoint(g.key, i, p)
			},
			(done) => {
				if (vanish) self.close();
				return r.onSteps(g.key, done);
			}
		);
	},
	/** Hold a Web Lock while this helper lives: the ML worker notices it gone, however it went (./life-lock). */
	holdLifeLock,
	numTensors: (): number => tf.memory().numTensors
};

export type GridHelperApi = typeof api;

Comlink.expose(api);
