// The one Web Worker that runs tfjs for a page. Training and evaluation happen here so the page stays
// responsive; Comlink turns the exported object into async calls (callbacks are Comlink proxies).
// Shared state (backend, data, per-run pause/cancel, lost-device recovery) is in ./context; each essay's work
// is a job module in ./jobs, reached as `worker.<job>.<method>(…)`.
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs-core';
import { destroyDeviceForTesting } from '../ml/backend';
import { ctx, type InitOptions, type StatusEvent } from './context';
import { type AssetVersion, versionAssetFetches } from './versioned-fetch';
import { modularityJob } from './jobs/modularity';
import { taskVectorsJob } from './jobs/task-vectors';
import { stitchingJob } from './jobs/stitching';
import { creditJob } from './jobs/credit';

const api = {
	/** `assets`: fetch the site's runtime files under this build's version (./versioned-fetch). */
	init: (opts: InitOptions & { assets?: AssetVersion }, onStatus?: (e: StatusEvent) => void) => {
		if (opts.assets) versionAssetFetches(self, opts.assets);
		return ctx.init(opts, onStatus);
	},
	backend: () => ctx.backend,
	// per run: each widget's run has an id of its own (./runs)
	pause: ctx.pause,
	resume: ctx.resume,
	step: ctx.step,
	cancel: ctx.cancel,
	setStepsPerUpdate: ctx.setStepsPerUpdate,
	/** Ids of the runs still going (for tests: a cancelled or unmounted widget leaves none behind). */
	activeRuns: ctx.activeRuns,
	/** How promptly the last runs obeyed pause and cancel (for tests and the bench). */
	runHistory: ctx.runHistory,
	/** Each run going on: paused, and blocked in its pause now (tests wait for this, not for a time). */
	runStates: ctx.runStates,

	// proxy-marked so Comlink types (and calls) it as a nested remote object
	modularity: Comlink.proxy(modularityJob),
	taskVectors: Comlink.proxy(taskVectorsJob),
	stitching: Comlink.proxy(stitchingJob),
	credit: Comlink.proxy(creditJob),

	/** Live tensor count, for tests that check nothing leaks. */
	numTensors: (): number => tf.memory().numTensors,
	/** For tests: make the WebGPU device go away as a driver reset would. */
	loseDevice: (): boolean => destroyDeviceForTesting()
};

export type MlWorkerApi = typeof api;
export type { StatusEvent } from './context';

Comlink.expose(api);
