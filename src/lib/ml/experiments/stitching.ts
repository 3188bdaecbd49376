// The stitching experiment: two plain MLPs A and B (784-w-w-w-10) trained from different random
// initialisations, then A's first k hidden layers feed B's remaining layers through:
//   naive       identity (the control: no alignment at all)
//   activation  a permutation of B's units, matched to A's by correlation on training digits
//   weight      a permutation of B's units found from the weights alone (Git Re-Basin weight matching)
//   lstsq       an affine map fitted by least squares from A's activations to B's (closed form)
//   lstsqRandom its control: the same fit from an UNTRAINED random bottom (same architecture as A)
//   lstsqPixels its other control: the same fit from the raw pixels (no bottom at all)
//   trained     an affine map trained on the task loss, A and B frozen (gradient training)
//   random      the trained stitch's own control: the same training on an UNTRAINED random bottom
// plus linear interpolation (1−α)·A + α·B' between the nets, with and without aligning B to A.
// (Long: StitchLab keeps the two nets' tensors and caches between the alignment, the stitches and the
// interpolation, which reuse each other's intermediate results.)
import * as tf from '@tensorflow/tfjs-core';
import { Trainer, type TrainConfig, type TrainingData, type TrainMetrics, testAccuracy } from '../trainer';
import { type Net, type NetConfig, disposeNet, forward, initParams, unpack } from '../model';
import {
	type ActivationMatch,
	type Affine,
	type AffineTensors,
	activationMatch,
	affineTensors,
	bottom,
	fitAffine,
	top,
	hiddenCount,
	lossAndCorrect,
	lossBarrier,
	permuteHidden,
	stitchedLogits,
	trainStitch,
	WEIGHT_MATCH_RESTARTS,
	weightMatch,
	weightObjective
} from '../stitch';
import { buildAll, type CurvePoint, type TestSet, type TrainHooks } from './common';
import {
	CUTS,
	DEFAULT_CUT,
	DEFAULT_STITCH,
	GRADIENT_FREE,
	INTERP_POINTS,
	PATHS,
	type GradientFreeMethod,
	type PathName,
	type StitchSettings
} from './stitching-defaults';
import { type AlignResult, type Interpolation, emptyAcc, type StitchReport } from './stitching-analysis';

// Settings and names (./stitching-defaults), the report's shape, summary and verdict
// (./stitching-analysis) and the shared helpers (./common) are free of tfjs, for the page;
// re-exported here for the worker, the scripts and the tests.
export {
	CUTS,
	DEFAULT_CUT,
	DEFAULT_STITCH,
	GRADIENT_FREE,
	INTERP_POINTS,
	METHODS,
	METHOD_LABEL,
	PATHS,
	SWEEP_WIDTHS,
	type GradientFreeMethod,
	type Method,
	type PathName,
	type StitchSettings
} from './stitching-defaults';
export {
	emptyAcc,
	headline,
	sweepPointFrom,
	verdict,
	type AlignResult,
	type Interpolation,
	type PathCurve,
	type StitchReport,
	type SweepPoint
} from './stitching-analysis';
export { aggregate, type CurvePoint, type Stat, type Verdict } from './common';

type LeastSquaresMethod = 'lstsq' | 'lstsqRandom' | 'lstsqPixels';

/** Depth of both nets: embed + 2 plain blocks = 3 hidden layers, so cuts k = 1, 2, 3. */
export const STITCH_DEPTH = 2;

/** Seed of the untrained bottom net for the trained stitch's control (A's seed, offset). */
export const randomBottomSeed = (seedA: number) => 1_000_000 + seedA;

export function stitchNetConfig(width: number): NetConfig {
	return { depth: STITCH_DEPTH, width, residual: false };
}

export function stitchTrainConfig(s: StitchSettings, seed: number, width = s.width): TrainConfig {
	return { ...stitchNetConfig(width), seed, learningRate: s.learningRate, batchSize: s.batchSize, layerDrop: 0 };
}

export function interpAlphas(points = INTERP_POINTS): number[] {
	return Array.from({ length: points }, (_, i) => i / (points - 1));
}

export type TrainedNet = { name: string; config: NetConfig; params: Float32Array; curve: CurvePoint[]; testAccuracy: number };
export type NetSpec = { name: string; config: TrainConfig; init?: Float32Array };
export type StitchTrainProgress = { name: string; point: CurvePoint; totalSteps: number; index: number; count: number };

/** Train several nets in interleaved chunks (their curves advance together). */
export async function trainNets(
	specs: NetSpec[],
	steps: number,
	train: TrainingData,
	test: TestSet,
	hooks: Omit<TrainHooks<StitchTrainProgress>, 'onProgress'> & { onProgress?: (p: StitchTrainProgress) => void } = {}
): Promise<TrainedNet[]> {
	const chunkSize = () => Math.max(1, Math.round(typeof hooks.chunk === 'function' ? hooks.chunk() : (hooks.chunk ?? 50)));
	const accuracyEvery = hooks.accuracyEvery ?? 2;
	const trainers = buildAll(specs.map((s) => () => new Trainer(s.config, train, s.init)));
	const curves: CurvePoint[][] = specs.map(() => []);
	try {
		let chunks = 0;
		while (trainers[0].step < steps) {
			await hooks.waitWhilePaused?.();
			if (hooks.shouldStop?.()) break;
			chunks++;
			const n = Math.min(chunkSize(), steps - trainers[0].step);
			for (let i = 0; i < trainers.length; i++) {
				const t = trainers[i];
				const [m] = (await t.train(n, { readEvery: n, interrupt: hooks.interrupt })) as TrainMetrics[];
				const measure = t.step >= steps || (accuracyEvery > 0 && chunks % accuracyEvery === 0);
				const accuracy = measure ? await testAccuracy(t.cfg, t.params, test.x, test.labels) : null;
				const point = { step: m.step, loss: m.loss, accuracy };
				curves[i].push(point);
				hooks.onProgress?.({ name: specs[i].name, point, totalSteps: steps, index: i, count: specs.length });
			}
		}
		const out: TrainedNet[] = [];
		for (let i = 0; i < trainers.length; i++) {
			const t = trainers[i];
			const last = curves[i].at(-1);
			out.push({
				name: specs[i].name,
				config: { depth: t.cfg.depth, width: t.cfg.width, residual: t.cfg.residual },
				params: await t.snapshot(),
				curve: curves[i],
				testAccuracy: last?.accuracy ?? (await testAccuracy(t.cfg, t.params, test.x, test.labels))
			});
		}
		return out;
	} finally {
		trainers.forEach((t) => t.dispose());
	}
}

/** Train A (seedA) and B (seedB) with the settings' width and budget. */
export async function trainPair(
	s: StitchSettings,
	train: TrainingData,
	test: TestSet,
	hooks: Parameters<typeof trainNets>[4] = {}
): Promise<{ A: TrainedNet; B: TrainedNet }> {
	const [A, B] = await trainNets(
		[
			{ name: 'A', config: stitchTrainConfig(s, s.seedA) },
			{ name: 'B', config: stitchTrainConfig(s, s.seedB) }
		],
		s.steps,
		train,
		test,
		hooks
	);
	return { A, B };
}

const identityPerm = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

async function readPairs(ts: tf.Tensor1D[]): Promise<[number, number][]> {
	if (!ts.length) return [];
	const st = tf.stack(ts);
	tf.dispose(ts);
	const v = await st.data();
	st.dispose();
	return ts.map((_, i) => [v[2 * i], v[2 * i + 1]]);
}

/**
 * Nets A and B held as tensors on the current backend, with everything the widget and the script
 * compute from them. Create, call what you need (in order: align before gradientFree/interpolation),
 * dispose.
 */
export class StitchLab {
	readonly cfg: NetConfig;
	readonly H: number;
	private readonly tensors: tf.Tensor[] = [];
	private readonly nets: Net[] = [];
	readonly A: Net;
	readonly B: Net;
	private permuted: Partial<Record<'activation' | 'weight', { flat: Float32Array; net: Net }>> = {};
	private randoms: Record<number, Net> = {};
	private statX: tf.Tensor2D;
	private flatA: tf.Tensor1D;
	aligned: AlignResult | null = null;
	corr: Float32Array[] = [];

	constructor(
		cfg: NetConfig,
		readonly paramsA: Float32Array,
		readonly paramsB: Float32Array,
		private readonly train: TrainingData,
		private readonly test: TestSet,
		statDigits = DEFAULT_STITCH.statDigits
	) {
		this.cfg = cfg;
		this.H = hiddenCount(cfg);
		this.A = this.netFrom(paramsA);
		this.flatA = this.tensors[this.tensors.length - 1] as tf.Tensor1D;
		this.B = this.netFrom(paramsB);
		const n = Math.min(statDigits, train.n);
		this.statX = tf.slice(train.x, [0, 0], [n, train.x.shape[1]]) as tf.Tensor2D;
		this.tensors.push(this.statX);
	}

	private netFrom(params: Float32Array): Net {
		const flat = tf.tensor1d(params);
		this.tensors.push(flat);
		const net = tf.tidy(() => unpack(flat, this.cfg));
		this.nets.push(net);
		return net;
	}

	private async accuracies(logitsFns: (() => tf.Tensor2D)[]): Promise<{ loss: number; acc: number }[]> {
		const ts = logitsFns.map((f) => tf.tidy(() => lossAndCorrect(f(), this.test.labels)));
		return (await readPairs(ts)).map(([loss, c]) => ({ loss, acc: c / this.test.n }));
	}

	async baseline(): Promise<{ accA: number; accB: number }> {
		const [a, b] = await this.accuracies([() => forward(this.A, this.test.x), () => forward(this.B, this.test.x)]);
		return { accA: a.acc, accB: b.acc };
	}

	/** Both permutation alignments (activation matching on training digits; weight matching, best of `restarts`). */
	async align(seed = 0, restarts = WEIGHT_MATCH_RESTARTS): Promise<AlignResult> {
		let t0 = performance.now();
		const act: ActivationMatch = await activationMatch(this.A, this.B, this.statX);
		const activationMs = performance.now() - t0;
		t0 = performance.now();
		const wm = await weightMatch(this.cfg, this.A, this.B, { seed, restarts });
		const weightMs = performance.now() - t0;
		const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
		const objective = {
			naive: weightObjective(this.cfg, this.paramsA, this.paramsB, Array.from({ length: this.H }, () => identityPerm(this.cfg.width))),
			weight: wm.objective,
			activation: weightObjective(this.cfg, this.paramsA, this.paramsB, act.perms),
			norms: norm(this.paramsA) * norm(this.paramsB)
		};
		this.corr = act.corr;
		const w = this.cfg.width;
		const meanMatched = (perms: Int32Array[]) =>
			act.corr.map((c, l) => {
				let s = 0;
				for (let i = 0; i < w; i++) s += c[i * w + perms[l][i]];
				return s / w;
			});
		for (const [name, perms] of [
			['activation', act.perms],
			['weight', wm.perms]
		] as const) {
			if (this.permuted[name]) continue; // already aligned (nets are fixed for a lab's lifetime)
			const flat = permuteHidden(this.cfg, this.paramsB, perms);
			this.permuted[name] = { flat, net: this.netFrom(flat) };
		}
		this.aligned = {
			perms: { activation: act.perms.map((p) => Array.from(p)), weight: wm.perms.map((p) => Array.from(p)) },
			meanCorr: { diagonal: act.diagonal, activation: act.matched, weight: meanMatched(wm.perms) },
			weightSweeps: wm.sweeps,
			weightRestarts: wm.restarts,
			weightObjectives: wm.objectives,
			objective,
			activationMs,
			weightMs
		};
		return this.aligned;
	}

	private needAligned(name: 'activation' | 'weight'): Net {
		const p = this.permuted[name];
		if (!p) throw new Error('call align() first');
		return p.net;
	}

	/** The untrained bottom of both random-bottom controls (fresh init of A's architecture), made once per seed. */
	private randomNet(seed: number): Net {
		this.randoms[seed] ??= this.netFrom(initParams(this.cfg, seed));
		return this.randoms[seed];
	}

	/**
	 * The least-squares stitch at every cut, beside its two controls: the same closed-form fit into B's
	 * layer k from an untrained bottom seeded `randomSeed` (A's architecture) and from the pixels
	 * themselves. The gap between them is what A's training adds beyond a linear read-out of the input.
	 * Needs no alignment.
	 */
	async leastSquares(randomSeed: number): Promise<{ acc: Record<LeastSquaresMethod, number[]>; lstsqMs: number; lstsq: Affine[] }> {
		const rNet = this.randomNet(randomSeed);
		const lstsq: Affine[] = [];
		const fromRandom: Affine[] = [];
		const fromPixels: Affine[] = [];
		const pixels = {}; // the pixels' Gram matrix, formed once for all three cuts
		let lstsqMs = 0;
		for (const k of CUTS) {
			// B's layer k, the target of all three fits, computed once
			const t0 = performance.now();
			const target = tf.tidy(() => bottom(this.B, this.statX, k));
			try {
				const fromNet = async (net: Net) => {
					const a = tf.tidy(() => bottom(net, this.statX, k));
					try {
						return await fitAffine(a, target);
					} finally {
						a.dispose();
					}
				};
				lstsq.push(await fromNet(this.A));
				lstsqMs += performance.now() - t0;
				fromRandom.push(await fromNet(rNet));
				fromPixels.push(await fitAffine(this.statX, target, undefined, pixels));
			} finally {
				target.dispose();
			}
		}
		const [mA, mR, mP] = [lstsq, fromRandom, fromPixels].map((fs) => fs.map(affineTensors));
		try {
			const x = this.test.x;
			const acc = await this.perCut({
				lstsq: (k) => stitchedLogits(this.A, this.B, k, x, mA[k - 1]),
				lstsqRandom: (k) => stitchedLogits(rNet, this.B, k, x, mR[k - 1]),
				lstsqPixels: (k) => top(this.B, tf.add(tf.matMul(x, mP[k - 1].M), mP[k - 1].c) as tf.Tensor2D, k)
			});
			return { acc, lstsqMs, lstsq };
		} finally {
			[...mA, ...mR, ...mP].forEach((m) => tf.dispose([m.M, m.c]));
		}
	}

	/** Test accuracy of each named stitch at every cut (one read-back for all). */
	private async perCut<M extends string>(logits: Record<M, (k: number) => tf.Tensor2D>): Promise<Record<M, number[]>> {
		const names = Object.keys(logits) as M[];
		const r = await this.accuracies(CUTS.flatMap((k) => names.map((m) => () => logits[m](k))));
		return Object.fromEntries(names.map((m, j) => [m, CUTS.map((_, i) => r[names.length * i + j].acc)])) as Record<M, number[]>;
	}

	/** Accuracy of every stitch that needs no gradient training, at every cut (align first). */
	async gradientFree(randomSeed: number): Promise<{ acc: Record<GradientFreeMethod, number[]>; lstsqMs: number; lstsq: Affine[] }> {
		const actNet = this.needAligned('activation');
		const wNet = this.needAligned('weight');
		const x = this.test.x;
		const perms = await this.perCut({
			naive: (k) => stitchedLogits(this.A, this.B, k, x),
			activation: (k) => stitchedLogits(this.A, actNet, k, x),
			weight: (k) => stitchedLogits(this.A, wNet, k, x)
		});
		const ls = await this.leastSquares(randomSeed);
		return { acc: { ...perms, ...ls.acc }, lstsqMs: ls.lstsqMs, lstsq: ls.lstsq };
	}

	/**
	 * Trained affine stitches at every cut, each beside its control (the same training from an
	 * untrained random bottom). Reports after each stitch.
	 */
	async trainedStitches(
		opts: {
			steps: number;
			learningRate: number;
			batchSize: number;
			seed: number;
			randomSeed: number;
			shouldStop?: () => boolean;
			waitWhilePaused?: () => Promise<void>;
			interrupt?: () => boolean | Promise<boolean>;
			onStitch?: (method: 'trained' | 'random', k: number, acc: number, done: number, total: number) => void;
			onLoss?: (method: 'trained' | 'random', k: number, step: number, loss: number) => void;
			readEvery?: number;
		}
	): Promise<{ trained: number[]; random: number[]; msPerStitch: number; curves: { trained: [number, number][]; random: [number, number][] }; stopped: boolean }> {
		const randomNet = this.randomNet(opts.randomSeed);
		const trained = CUTS.map(() => NaN);
		const random = CUTS.map(() => NaN);
		const curves = { trained: [] as [number, number][], random: [] as [number, number][] };
		let ms = 0;
		let count = 0;
		let done = 0;
		const total = CUTS.length * 2;
		for (const k of CUTS) {
			for (const method of ['trained', 'random'] as const) {
				if (opts.shouldStop?.()) return { trained, random, msPerStitch: count ? ms / count : NaN, curves, stopped: true };
				const bottomNet = method === 'trained' ? this.A : randomNet;
				const t0 = performance.now();
				const res = await trainStitch(bottomNet, this.B, k, this.train, {
					steps: opts.steps,
					learningRate: opts.learningRate,
					batchSize: opts.batchSize,
					seed: opts.seed + k,
					readEvery: opts.readEvery,
					shouldStop: opts.shouldStop,
					waitWhilePaused: opts.waitWhilePaused,
					interrupt: opts.interrupt,
					onLoss: (step, loss) => opts.onLoss?.(method, k, step, loss)
				});
				if (res.steps < opts.steps) return { trained, random, msPerStitch: count ? ms / count : NaN, curves, stopped: true };
				ms += performance.now() - t0;
				count++;
				if (k === DEFAULT_CUT) curves[method] = res.losses;
				const map = affineTensors(res.affine);
				try {
					const [r] = await this.accuracies([() => stitchedLogits(bottomNet, this.B, k, this.test.x, map)]);
					(method === 'trained' ? trained : random)[k - 1] = r.acc;
					done++;
					opts.onStitch?.(method, k, r.acc, done, total);
				} finally {
					tf.dispose([map.M, map.c]);
				}
			}
		}
		return { trained, random, msPerStitch: ms / Math.max(1, count), curves, stopped: false };
	}

	/** Loss and accuracy along (1−α)·A + α·B, with B as trained (naive) and aligned to A. */
	async interpolation(alphas = interpAlphas(), paths: readonly PathName[] = PATHS): Promise<Interpolation> {
		const fa = this.flatA;
		const out = { alphas } as Interpolation;
		for (const p of paths) {
			const pb = p === 'naive' ? this.paramsB : this.permuted[p]?.flat;
			if (!pb) throw new Error('call align() first');
			const fb = tf.tensor1d(pb);
			try {
				const r = await this.accuracies(
					alphas.map((a) => () => {
						const flat = tf.add(tf.mul(fa, 1 - a), tf.mul(fb, a)) as tf.Tensor1D;
						return forward(unpack(flat, this.cfg), this.test.x);
					})
				);
				const loss = r.map((x) => x.loss);
				const acc = r.map((x) => x.acc);
				out[p] = { loss, acc, barrier: lossBarrier(alphas, loss), worstAcc: Math.min(...acc) };
			} finally {
				fb.dispose();
			}
		}
		for (const p of PATHS) if (!out[p]) out[p] = { loss: [], acc: [], barrier: NaN, worstAcc: NaN };
		return out;
	}

	dispose() {
		this.nets.forEach((n) => disposeNet(n));
		tf.dispose(this.tensors);
		this.nets.length = 0;
		this.tensors.length = 0;
	}
}

/** Everything at once (the script, and the tests): baseline, alignment, every stitch, interpolation. */
export async function analyse(
	cfg: NetConfig,
	pa: Float32Array,
	pb: Float32Array,
	train: TrainingData,
	test: TestSet,
	s: StitchSettings,
	opts: { trained?: boolean; interpolation?: boolean; alphas?: number[] } = {}
): Promise<{ report: StitchReport; corr: Float32Array[] }> {
	const lab = new StitchLab(cfg, pa, pb, train, test, s.statDigits);
	try {
		const { accA, accB } = await lab.baseline();
		const align = await lab.align(s.seedA);
		const gf = await lab.gradientFree(randomBottomSeed(s.seedA));
		const acc = emptyAcc();
		for (const m of GRADIENT_FREE) acc[m] = gf.acc[m];
		let stitchTrainMs: number | null = null;
		let stitchCurves: StitchReport['stitchCurves'] = null;
		if (opts.trained !== false) {
			const t = await lab.trainedStitches({
				steps: s.stitchSteps,
				learningRate: s.stitchLearningRate,
				batchSize: s.batchSize,
				seed: s.seedA,
				randomSeed: randomBottomSeed(s.seedA)
			});
			acc.trained = t.trained;
			acc.random = t.random;
			stitchTrainMs = t.msPerStitch;
			stitchCurves = t.curves;
		}
		const interpolation = opts.interpolation === false ? null : await lab.interpolation(opts.alphas);
		return {
			report: {
				width: cfg.width,
				accA,
				accB,
				acc,
				align,
				interpolation,
				timings: { lstsqMs: gf.lstsqMs, stitchTrainMs, stitchSteps: s.stitchSteps },
				stitchCurves
			},
			corr: lab.corr
		};
	} finally {
		lab.dispose();
	}
}

