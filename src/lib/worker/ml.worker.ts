// The one Web Worker that runs tfjs for a page. Training and evaluation happen here so the page stays
// responsive; Comlink turns the exported object into async calls (callbacks are Comlink proxies).
// Shared state (backend, data, per-run pause/cancel, lost-device recovery) is in ./context; each essay's work
// is a job module in ./jobs, reached as `worker.<job>.<method>(…)`.
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs-core';
import { loseDeviceForTesting } from '../ml/backend';
import { ctx, settleOnDeviceLoss, type InitOptions, type StatusEvent } from './context';
import { type AssetVersion, versionAssetFetches } from './versioned-fetch';
import { modularityJob } from './jobs/modularity';
import { taskVectorsJob } from './jobs/task-vectors';
import { stitchingJob } from './jobs/stitching';
import { creditJob } from './jobs/credit';
import { doubleItJob } from './jobs/double-it';
import { holdLifeLock } from './life-lock';
import { breakGridHelperForTesting } from './jobs/double-it-helpers';
import { doubleItRobustJob } from './jobs/double-it-robust';
import { doubleItDescentJob } from './jobs/double-it-descent';

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

	// proxy-marked so Comlink types (and calls) it as a nested remote object; every call settles when the
	// GPU goes under it (a plain call is computed again on the next backend, a run restarts or stops)
	modularity: Comlink.proxy(settleOnDeviceLoss(modularityJob, 'modularity')),
	taskVectors: Comlink.proxy(settleOnDeviceLoss(taskVectorsJob, 'taskVectors')),
	stitching: Comlink.proxy(settleOnDeviceLoss(stitchingJob, 'stitching')),
	credit: Comlink.proxy(settleOnDeviceLoss(creditJob, 'credit')),
	doubleIt: Comlink.proxy(settleOnDeviceLoss(doubleItJob, 'doubleIt')),
	doubleItRobust: Comlink.proxy(settleOnDeviceLoss(doubleItRobustJob, 'doubleItRobust')),
	doubleItDescent: Comlink.proxy(settleOnDeviceLoss(doubleItDescentJob, 'doubleItDescent')),

	/** An answer from the worker's message loop: the page's sign of life where Web Locks are missing. */
	ping: (): true => true,
	/** Hold a Web Lock while this worker lives: the page's one reliable way to notice it is gone (./life-lock). */
	holdLifeLock,

	/** Live tensor count, for tests that check nothing leaks. */
	numTensors: (): number => tf.memory().numTensors,
	/** For tests: make the GPU go away as a driver reset would (WebGPU device destroyed, WebGL context lost). */
	loseDevice: (): boolean => loseDeviceForTesting(),
	/** For tests: the next move to another backend fails, as if none could start (the `backend-failed` path). */
	failNextBackendSwitch: (): void => ctx.failNextSwitchForTesting(),
	/** For tests: lose the GPU just as the next call of `job.method` begins (e.g. 'modularity.report'). */
	loseDeviceAtCall: (method: string): void => ctx.loseDeviceAtCallForTesting(method),
	/** For tests: the Double-it plan's first helper worker fails to load, or goes away in its first group. */
	breakGridHelper: (how: 'load' | 'vanish'): void => breakGridHelperForTesting(how)
};

export type MlWorkerApi = typeof api;
export type { StatusEvent } from './context';

Comlink.expose(api);
