// Choosing the tfjs backend by what the machine has, and saying why.
//   A real GPU adapter → webgpu. A software adapter (SwiftShader, `isFallbackAdapter`) runs WebGPU on the
//   CPU about 30× slower than wasm, so → wasm, then webgl, then cpu. `forced` (from ?backend=) is tried
//   first; if it fails the chain continues and the reason says so.
// Backend packages are imported lazily so the page's first paint never waits for tfjs.
import * as tf from '@tensorflow/tfjs-core';
import { installWasmKernelFixes } from './wasm-kernels';

// The names and the choice's shape (no tfjs: the page validates ?backend= and shows the badge): ./backend-names.ts
import { BACKENDS, type BackendAttempt, type BackendChoice, type BackendName } from './backend-names';
export { BACKENDS, isBackendName, type BackendAttempt, type BackendChoice, type BackendName } from './backend-names';

type GpuAdapterLike = { info?: { isFallbackAdapter?: boolean; architecture?: string; vendor?: string }; isFallbackAdapter?: boolean };
type NavigatorGpuLike = { gpu?: { requestAdapter(opts?: object): Promise<GpuAdapterLike | null> } };

/** What kind of WebGPU adapter this context has, without initialising tfjs. */
export async function probeWebGpu(): Promise<{ available: boolean; software: boolean; note: string }> {
	const nav = (globalThis as { navigator?: NavigatorGpuLike }).navigator;
	if (!nav?.gpu) return { available: false, software: false, note: 'this browser has no WebGPU' };
	let adapter: GpuAdapterLike | null = null;
	try {
		adapter = await nav.gpu.requestAdapter();
	} catch (e) {
		return { available: false, software: false, note: `requesting a WebGPU adapter failed (${(e as Error).message})` };
	}
	if (!adapter) return { available: false, software: false, note: 'no WebGPU adapter is available' };
	const software = adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
	const arch = adapter.info?.architecture || adapter.info?.vendor || 'unknown';
	return {
		available: true,
		software,
		note: software ? `the WebGPU adapter is a software fallback (${arch}), far slower than wasm on a CPU` : `WebGPU adapter: ${arch}`
	};
}

export type BackendOptions = {
	/** URL prefix where tfjs-backend-wasm's .wasm files are served (ends with '/'), browser only */
	wasmPath?: string;
	/**
	 * Milliseconds per step of a short trial of the workload on the current backend. When given and both a
	 * real WebGPU adapter and wasm start, each runs the trial and the faster is chosen: on a GPU tfjs's
	 * training step can be no faster than one CPU core (issue 15), so the adapter alone does not decide.
	 */
	trial?: () => Promise<number>;
};

const msText = (ms: number) => (ms < 10 ? ms.toFixed(1) : ms.toFixed(0));

/** The faster of webgpu and wasm by their trial times, and the badge's reason. Ties go to webgpu. */
export function chooseByTrial(webgpuMs: number, wasmMs: number, adapterNote: string): { name: 'webgpu' | 'wasm'; reason: string } {
	const name = Number.isFinite(webgpuMs) && !(wasmMs < webgpuMs) ? 'webgpu' : 'wasm';
	const [a, b] = name === 'webgpu' ? [`webgpu ${msText(webgpuMs)} ms/step`, `wasm ${msText(wasmMs)} ms`] : [`wasm ${msText(wasmMs)} ms/step`, `webgpu ${msText(webgpuMs)} ms`];
	return { name, reason: `${name}: measured ${a} vs ${b} (${adapterNote})` };
}

/** Both candidates run the trial; the faster stays current. Null (webgpu stays current) if wasm cannot start or the trial fails. */
async function trialWebGpuAgainstWasm(opts: BackendOptions, adapterNote: string, attempts: BackendAttempt[]) {
	try {
		const webgpuMs = await opts.trial!();
		const failure = await tryBackend('wasm', opts);
		if (failure !== null) {
			attempts.push({ name: 'wasm', ok: false, note: failure });
			await tf.setBackend('webgpu');
			return null;
		}
		const wasmMs = await opts.trial!();
		const pick = chooseByTrial(webgpuMs, wasmMs, adapterNote);
		attempts.push({ name: 'wasm', ok: true, note: `trial: ${msText(wasmMs)} ms/step` });
		if (pick.name === 'webgpu') await tf.setBackend('webgpu');
		return pick;
	} catch {
		await tf.setBackend('webgpu');
		return null;
	}
}

async function register(name: BackendName, opts: BackendOptions): Promise<void> {
	switch (name) {
		case 'webgpu':
			await import('@tensorflow/tfjs-backend-webgpu');
			return;
		case 'wasm': {
			const wasm = await import('@tensorflow/tfjs-backend-wasm');
			if (opts.wasmPath) wasm.setWasmPaths(opts.wasmPath);
			installWasmKernelFixes();
			return;
		}
		case 'webgl':
			await import('@tensorflow/tfjs-backend-webgl');
			return;
		case 'cpu':
			await import('@tensorflow/tfjs-backend-cpu');
			return;
	}
}

/** Try one backend: register it, set it, and run one tiny op to prove it computes. */
async function tryBackend(name: BackendName, opts: BackendOptions): Promise<string | null> {
	try {
		await register(name, opts);
		const ok = await tf.setBackend(name);
		if (!ok) return `tfjs could not initialise ${name}`;
		await tf.ready();
		const probe = tf.tidy(() => tf.sum(tf.mul(tf.tensor1d([1, 2, 3]), 2)));
		const v = (await probe.data())[0];
		probe.dispose();
		if (v !== 12) return `${name} computed a wrong result`;
		return null;
	} catch (e) {
		return `${name} failed to start (${(e as Error).message})`;
	}
}

export async function selectBackend(forced: BackendName | null, opts: BackendOptions = {}, exclude: BackendName[] = []): Promise<BackendChoice> {
	const attempts: BackendAttempt[] = [];
	const gpu = await probeWebGpu();
	const chain: BackendName[] = [];
	if (forced && !exclude.includes(forced)) chain.push(forced);
	for (const b of BACKENDS) {
		if (b === forced || exclude.includes(b)) continue;
		if (b === 'webgpu' && (!gpu.available || gpu.software)) {
			attempts.push({ name: 'webgpu', ok: false, note: `skipped: ${gpu.note}` });
			continue;
		}
		chain.push(b);
	}
	for (const name of chain) {
		const failure = await tryBackend(name, opts);
		if (failure === null) {
			attempts.push({ name, ok: true, note: 'running' });
			if (name === 'webgpu' && !forced && opts.trial && !exclude.includes('wasm')) {
				const pick = await trialWebGpuAgainstWasm(opts, gpu.note, attempts);
				if (pick) return { name: pick.name, reason: pick.reason, attempts, slow: false };
			}
			let reason: string;
			if (name === forced) reason = `${name}, as requested in the link`;
			else if (forced) reason = `${name}: the requested ${forced} did not work (${attempts.find((a) => a.name === forced)?.note ?? 'unavailable'})`;
			else if (name === 'webgpu') reason = `webgpu: ${gpu.note}`;
			else {
				const skipped = attempts.filter((a) => !a.ok).map((a) => `${a.name}: ${a.note.replace(/^skipped: /, '')}`);
				reason = `${name}` + (skipped.length ? ` (${skipped.join('; ')})` : '');
			}
			const slow = name === 'cpu' || (name === 'webgpu' && gpu.software);
			return { name, reason, attempts, slow };
		}
		attempts.push({ name, ok: false, note: failure });
	}
	throw new Error(`No tfjs backend could start: ${attempts.map((a) => `${a.name}: ${a.note}`).join('; ')}`);
}

type GpuBufferLike = { mapAsync(mode: number): Promise<void>; unmap(): void; destroy(): void };
type GpuDeviceLike = {
	lost?: Promise<{ message?: string; reason?: string }>;
	destroy?: () => void;
	createBuffer?: (desc: { size: number; usage: number }) => GpuBufferLike;
};
/** GPUBufferUsage.MAP_READ and GPUMapMode.READ (both 1; the globals are absent in Node) */
const MAP_READ = 1;
type GlLike = {
	isContextLost(): boolean;
	getExtension(name: 'WEBGL_lose_context'): { loseContext(): void } | null;
	canvas?: { addEventListener?(type: 'webglcontextlost', fn: () => void, opts?: { once: boolean }): void };
};

/** The current backend's WebGPU device, or its WebGL context (tfjs-backend-webgl: `backend.gpgpu.gl`). */
function gpu(): { device?: GpuDeviceLike; gl?: GlLike } {
	const name = tf.getBackend();
	const backend = tf.backend() as unknown as { device?: GpuDeviceLike; gpgpu?: { gl?: GlLike } };
	if (name === 'webgpu') return { device: backend.device };
	if (name === 'webgl') return { gl: backend.gpgpu?.gl };
	return {};
}

/**
 * Resolves when the current backend's GPU goes away: the WebGPU device is lost, or the WebGL context is
 * (a driver reset, the browser reclaiming contexts). Never resolves on wasm or cpu.
 */
export function onDeviceLost(): Promise<string> {
	const { device, gl } = gpu();
	if (device?.lost) return device.lost.then((info) => info?.message || info?.reason || 'the GPU device was lost');
	if (gl) {
		if (gl.isContextLost()) return Promise.resolve('the WebGL context was lost');
		// in the worker this is tfjs's OffscreenCanvas; tfjs listens too (and calls preventDefault)
		return new Promise((resolve) => gl.canvas?.addEventListener?.('webglcontextlost', () => resolve('the WebGL context was lost'), { once: true }));
	}
	return new Promise(() => {});
}

/**
 * After an error on a GPU backend: is the GPU still there? A job's readback can fail on a lost device
 * before `onDeviceLost` has fired; this tells such an error from an ordinary one. WebGL answers at once;
 * WebGPU by reading back one tiny result (it fails, or `lost` settles first, on a lost device).
 */
export async function gpuStillWorks(): Promise<boolean> {
	const { device, gl } = gpu();
	if (gl) return !gl.isContextLost();
	if (!device?.lost) return true;
	const gone = device.lost.then(() => false);
	// a mapping of a fresh buffer, straight on the device (tfjs would compute a tiny op on its CPU copy)
	const probe = (async () => {
		if (!device.createBuffer) return true;
		const buffer = device.createBuffer({ size: 4, usage: MAP_READ });
		try {
			await buffer.mapAsync(MAP_READ);
			buffer.unmap();
			return true;
		} catch {
			return false;
		} finally {
			buffer.destroy();
		}
	})();
	return Promise.race([gone, probe]);
}

/** For tests: lose the GPU as a driver reset would (WebGPU: destroy the device; WebGL: lose the context). */
export function loseDeviceForTesting(): boolean {
	const { device, gl } = gpu();
	if (device?.destroy) {
		device.destroy();
		return true;
	}
	const lose = gl?.getExtension('WEBGL_lose_context');
	if (!lose) return false;
	lose.loseContext();
	return true;
}
