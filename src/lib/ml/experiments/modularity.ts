// The modularity experiment: train a residual MLP and its control (same width and depth, no skips)
// with the same seed, data order and budget, then run the same surgeries on both.
import type { TrainMetrics } from '../trainer';
import { Trainer, type TrainConfig, type TrainingData, testAccuracy } from '../trainer';
import type { NetConfig } from '../model';
import { type SurgeryReport, type TestSet, LoadedNet } from '../surgery';

export type ModularitySettings = {
	depth: number;
	width: number;
	seed: number;
	steps: number;
	learningRate: number;
	/** stochastic depth during training: each block is skipped with this probability (0 = off) */
	layerDrop: number;
	batchSize: number;
};

export const ARCHS = ['residual', 'plain'] as const;
export type Arch = (typeof ARCHS)[number];

export function netConfig(s: ModularitySettings, arch: Arch): NetConfig {
	return { depth: s.depth, width: s.width, residual: arch === 'residual' };
}

export function trainConfig(s: ModularitySettings, arch: Arch): TrainConfig {
	return { ...netConfig(s, arch), seed: s.seed, learningRate: s.learningRate, batchSize: s.batchSize, layerDrop: s.layerDrop };
}

export type CurvePoint = { step: number; loss: number; accuracy: number | null };
export type TrainedNet = { arch: Arch; config: NetConfig; params: Float32Array; curve: CurvePoint[]; testAccuracy: number };
export type TrainProgress = { arch: Arch; point: CurvePoint; totalSteps: number };

export type TrainHooks = {
	/**
	 * Called after every chunk. If it returns a promise, training waits for it: from a worker that is the
	 * round trip to the page, which keeps a fast run from flooding the page with messages it has not
	 * drawn yet (and keeps pause in step with what the reader sees).
	 */
	onProgress?: (p: TrainProgress) => void | Promise<void>;
	/** checked between chunks; return true to stop early (the partial nets are still returned) */
	shouldStop?: () => boolean;
	/** awaited between chunks: lets the caller pause (tab hidden, widget off screen) */
	waitWhilePaused?: () => Promise<void>;
	/** between steps inside a chunk: may yield so a cancel or pause is read during a long chunk; true stops */
	interrupt?: () => boolean | Promise<boolean>;
	/** steps per chunk (may change while training); a chunk of each net is trained in turn so both curves advance together */
	chunk?: number | (() => number);
	/** measure test accuracy every this many chunks (0 = only at the end) */
	accuracyEvery?: number;
};

/** Train both nets in interleaved chunks. */
export async function trainPair(
	s: ModularitySettings,
	train: TrainingData,
	test: TestSet,
	hooks: TrainHooks = {}
): Promise<Record<Arch, TrainedNet>> {
	const chunkSize = () => Math.max(1, Math.round(typeof hooks.chunk === 'function' ? hooks.chunk() : (hooks.chunk ?? 50)));
	const accuracyEvery = hooks.accuracyEvery ?? 2;
	const trainers = Object.fromEntries(ARCHS.map((a) => [a, new Trainer(trainConfig(s, a), train)])) as Record<Arch, Trainer>;
	const curves: Record<Arch, CurvePoint[]> = { residual: [], plain: [] };
	try {
		let chunks = 0;
		while (trainers.residual.step < s.steps) {
			await hooks.waitWhilePaused?.();
			if (hooks.shouldStop?.()) break;
			chunks++;
			const n = Math.min(chunkSize(), s.steps - trainers.residual.step);
			for (const arch of ARCHS) {
				const t = trainers[arch];
				const [m] = (await t.train(n, { readEvery: n, interrupt: hooks.interrupt })) as TrainMetrics[];
				const measure = t.step >= s.steps || (accuracyEvery > 0 && chunks % accuracyEvery === 0);
				const accuracy = measure ? await testAccuracy(t.cfg, t.params, test.x, test.labels) : null;
				const point = { step: m.step, loss: m.loss, accuracy };
				curves[arch].push(point);
				await hooks.onProgress?.({ arch, point, totalSteps: s.steps });
			}
		}
		const out = {} as Record<Arch, TrainedNet>;
		for (const arch of ARCHS) {
			const t = trainers[arch];
			const last = curves[arch].at(-1);
			out[arch] = {
				arch,
				config: netConfig(s, arch),
				params: await t.snapshot(),
				curve: curves[arch],
				testAccuracy: last?.accuracy ?? (await testAccuracy(t.cfg, t.params, test.x, test.labels))
			};
		}
		return out;
	} finally {
		for (const arch of ARCHS) trainers[arch].dispose();
	}
}

export async function analyse(net: { config: NetConfig; params: Float32Array }, test: TestSet): Promise<SurgeryReport> {
	const loaded = new LoadedNet(net.config, net.params, test);
	try {
		return await loaded.report();
	} finally {
		loaded.dispose();
	}
}

/** Headline numbers of one report, by name (used for the multi-seed summary quoted in the essay). */
export function headline(r: SurgeryReport): Record<string, number> {
	const L = r.deleteOne.length;
	const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
	const adjacent: number[] = [];
	const far: number[] = [];
	for (let i = 0; i < L; i++)
		for (let j = i + 1; j < L; j++) {
			if (j === i + 1) adjacent.push(r.swap[i][j]);
			if (j - i >= Math.ceil(L / 2)) far.push(r.swap[i][j]);
		}
	const out: Record<string, number> = {
		intact: r.intact,
		swapAdjacent: mean(adjacent),
		swapAdjacentWorst: Math.min(...adjacent),
		swapFar: mean(far),
		deleteOne: mean(r.deleteOne),
		deleteFirst: r.deleteOne[0],
		deleteLast: r.deleteOne[L - 1],
		deleteMiddle: mean(r.deleteOne.slice(1, L - 1)),
		repeatOne: mean(r.repeatOne),
		reverse: r.reverse,
		editRatio: mean(r.editRatio)
	};
	r.horizon.forEach((v, k) => (out[`horizon${k}`] = v));
	return out;
}

export type Stat = { mean: number; sd: number; min: number; max: number; n: number };

export function aggregate(records: Record<string, number>[]): Record<string, Stat> {
	const keys = Object.keys(records[0] ?? {});
	const out: Record<string, Stat> = {};
	for (const k of keys) {
		const xs = records.map((r) => r[k]).filter((v) => Number.isFinite(v));
		const n = xs.length;
		const mean = xs.reduce((a, b) => a + b, 0) / n;
		const sd = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
		out[k] = { mean, sd, min: Math.min(...xs), max: Math.max(...xs), n };
	}
	return out;
}

export type Verdict = { shown: boolean; text: string };

/**
 * Does this run show the claim? Falsified (for this run) if adjacent swaps cost the residual net more
 * than `maxDrop` on average, or if the residual net is not clearly more robust than the plain control.
 */
export function verdict(residual: SurgeryReport, plain: SurgeryReport, maxDrop = 0.05, minGap = 0.1): Verdict {
	const r = headline(residual);
	const p = headline(plain);
	const pct = (v: number) => `${(v * 100).toFixed(1)} %`;
	const rDrop = r.intact - r.swapAdjacent;
	const gap = r.swapAdjacent - p.swapAdjacent;
	if (r.intact < 0.5)
		return { shown: false, text: `The residual net only reached ${pct(r.intact)} test accuracy, so this run cannot test the claim. Train longer or with a different learning rate.` };
	if (rDrop > maxDrop)
		return {
			shown: false,
			text: `Not shown by this run: swapping neighbouring blocks costs the residual net ${pct(rDrop)} on average (from ${pct(r.intact)} to ${pct(r.swapAdjacent)}), more than the ${pct(maxDrop)} the claim allows.`
		};
	if (gap < minGap)
		return {
			shown: false,
			text: `Not shown by this run: the plain control survives neighbour swaps almost as well (${pct(p.swapAdjacent)} vs ${pct(r.swapAdjacent)} for the residual net), so skip connections are not what makes the difference here.`
		};
	return {
		shown: true,
		text: `Shown by this run: swapping neighbouring blocks keeps the residual net at ${pct(r.swapAdjacent)} on average (intact ${pct(r.intact)}), while the plain control falls to ${pct(p.swapAdjacent)}.`
	};
}
