// The in-page bench (/bench?backend=…): the same measurements as scripts/bench-node.ts, on one browser
// backend, on the main thread. Results go to `window.__bench` (read by scripts/bench.ts) and to the page.
// Each part is guarded: a backend that does not start, or a part that throws, is reported, not fatal.
import * as tf from '@tensorflow/tfjs-core';
import { BACKENDS, isBackendName, probeWebGpu, selectBackend, type BackendName } from '../ml/backend';
import { loadMnist } from '../ml/data';
import type { StepResult, SwapResult } from './core';
import type { EsGenerationResult } from './credit';

export type PageBenchParams = {
	backend: BackendName;
	steps: number;
	repeats: number;
	warmup: number;
	swapRepeats: number;
	swapWarmup: number;
	/** which parts to run */
	parts: { step: boolean; swap: boolean; es: boolean };
	/** ES generation workload: width and minibatch (N = 64 pairs always) */
	esWidth: number;
	esBatch: number;
};

export type PageBenchResult = {
	status: 'running' | 'done' | 'unavailable' | 'error';
	backend: string;
	params?: PageBenchParams;
	/** why the backend is unavailable, or the top-level error */
	reason?: string;
	adapter?: string;
	step?: StepResult | { error: string } | { skipped: string };
	swap?: SwapResult | { error: string } | { skipped: string };
	es?: EsGenerationResult | { error: string } | { skipped: string };
	numTensorsStart?: number;
	numTensorsEnd?: number;
	log: string[];
	totalMs?: number;
};

declare global {
	interface Window {
		__bench?: PageBenchResult;
	}
}

function intParam(q: URLSearchParams, name: string, dflt: number, min = 0, max = 10_000): number {
	const v = Number(q.get(name));
	return q.has(name) && Number.isFinite(v) ? Math.min(max, Math.max(min, Math.round(v))) : dflt;
}

/**
 * The most a /bench link can ask for. The bench runs on the main thread (it measures the page), and
 * the page waits for a click; these caps bound what that click starts to minutes even on cpu
 * (~65 ms a step there): npm run bench asks for far less (scripts/bench.ts PAGE_PLAN).
 */
export const BENCH_CAPS = { steps: 500, repeats: 10, warmup: 100, swapRepeats: 10, swapWarmup: 3, esWidth: 64, esBatch: 256 } as const;

/** Defaults per backend: WebGPU on SwiftShader runs ~300 ms/step here, so few steps. */
export function paramsFromQuery(q: URLSearchParams): PageBenchParams | null {
	const b = q.get('backend');
	if (!isBackendName(b)) return null;
	const slow = b === 'webgpu' || b === 'cpu';
	const parts = (q.get('parts') ?? 'step,swap,es').split(',');
	const c = BENCH_CAPS;
	return {
		backend: b,
		steps: intParam(q, 'steps', b === 'webgpu' ? 10 : b === 'wasm' ? 50 : 25, 1, c.steps),
		repeats: intParam(q, 'repeats', slow ? 3 : 5, 1, c.repeats),
		warmup: intParam(q, 'warmup', slow ? 3 : 10, 1, c.warmup),
		swapRepeats: intParam(q, 'swapRepeats', slow ? 1 : 5, 1, c.swapRepeats),
		// one swap matrix takes ~50 s on SwiftShader WebGPU: by default time a single cold run there
		swapWarmup: intParam(q, 'swapWarmup', b === 'webgpu' ? 0 : 1, 0, c.swapWarmup),
		parts: { step: parts.includes('step'), swap: parts.includes('swap'), es: parts.includes('es') },
		// SwiftShader WebGPU: a tiny ES workload (h = 4, 32 digits), still N = 64 pairs
		esWidth: intParam(q, 'esWidth', b === 'webgpu' ? 4 : 32, 2, c.esWidth),
		esBatch: intParam(q, 'esBatch', b === 'webgpu' ? 32 : 128, 8, c.esBatch)
	};
}

const message = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

export async function runPageBench(
	p: PageBenchParams,
	assetsBase: string,
	onUpdate: (r: PageBenchResult) => void
): Promise<PageBenchResult> {
	const t0 = performance.now();
	const r: PageBenchResult = { status: 'running', backend: p.backend, params: p, log: [] };
	const publish = () => {
		window.__bench = { ...r, log: [...r.log] };
		onUpdate(window.__bench);
	};
	const log = (m: string) => {
		r.log.push(`${((performance.now() - t0) / 1000).toFixed(1)}s ${m}`);
		publish();
	};
	publish();
	try {
		if (p.backend === 'webgpu') r.adapter = (await probeWebGpu()).note;
		// Exactly the requested backend: exclude every other one from the fallback chain.
		try {
			const others = BACKENDS.filter((b) => b !== p.backend);
			await selectBackend(p.backend, { wasmPath: `${assetsBase}/tfjs/` }, others);
		} catch (e) {
			r.status = 'unavailable';
			r.reason = message(e).replace(/^Error: /, '');
			log(`unavailable: ${r.reason}`);
			return r;
		}
		log(`backend ${tf.getBackend()} ready${r.adapter ? ` (${r.adapter})` : ''}`);
		// tfjs-layers needs the gradients that the umbrella package would register; ours needs none.
		await import('@tensorflow/tfjs-core/dist/register_all_gradients');
		const [tfl, core, mnist] = await Promise.all([
			import('@tensorflow/tfjs-layers'),
			import('./core'),
			loadMnist(`${assetsBase}/data`)
		]);
		log(`data loaded (${mnist.nTrain} train, ${mnist.nTest} test)`);
		r.numTensorsStart = tf.memory().numTensors;
		if (p.parts.step) {
			try {
				log(`training step: ${p.repeats} × ${p.steps} steps, warm-up ${p.warmup}`);
				r.step = await core.benchTrainingStep(tfl, mnist, {
					steps: p.steps,
					repeats: p.repeats,
					warmup: p.warmup,
					onProgress: log
				});
			} catch (e) {
				r.step = { error: message(e) };
				log(`training step failed: ${message(e)}`);
			}
		} else r.step = { skipped: 'not requested' };
		if (p.parts.swap) {
			try {
				const res = await fetch(`${assetsBase}/checkpoints/modularity/residual.nrsc`);
				if (!res.ok) throw new Error(`checkpoint HTTP ${res.status}`);
				const bytes = new Uint8Array(await res.arrayBuffer());
				log(`swap matrix: ${p.swapRepeats} timed runs after ${p.swapWarmup} warm-up`);
				r.swap = await core.benchSwapMatrix(bytes, mnist, { testDigits: 2000, repeats: p.swapRepeats, warmup: p.swapWarmup, onProgress: log });
			} catch (e) {
				r.swap = { error: message(e) };
				log(`swap matrix failed: ${message(e)}`);
			}
		} else r.swap = { skipped: 'not requested' };
		if (p.parts.es) {
			try {
				const { benchEsGeneration } = await import('./credit');
				log(`ES generation: N = 64 pairs, h = ${p.esWidth}, batch ${p.esBatch}`);
				r.es = await benchEsGeneration(mnist, {
					width: p.esWidth,
					pairs: 64,
					batch: p.esBatch,
					repeats: p.backend === 'webgpu' || p.backend === 'cpu' ? 2 : 5,
					sgdSteps: p.backend === 'webgpu' ? 10 : 100,
					onProgress: log
				});
			} catch (e) {
				r.es = { error: message(e) };
				log(`ES generation failed: ${message(e)}`);
			}
		} else r.es = { skipped: 'not requested' };
		r.numTensorsEnd = tf.memory().numTensors;
		r.status = 'done';
	} catch (e) {
		r.status = 'error';
		r.reason = message(e);
		log(`error: ${r.reason}`);
	} finally {
		r.totalMs = performance.now() - t0;
		if (r.status === 'running') r.status = 'error';
		publish();
	}
	return r;
}
