// The task-vector experiment: train a base on several input domains (or, as the labelled failure case,
// on upright digits only), fine-tune a copy per task, and measure what adding, negating and scaling the
// weight differences does, next to the controls (a random direction of the same norm) and the baselines
// (continued multi-task training with the same compute, a linear probe on the base's features).
import * as tf from '@tensorflow/tfjs-core';
import { IMAGE_SIZE, NUM_CLASSES } from '../data';
import { type Digits, type Domain, DOMAINS, asTrainSet, mixedDigits, stackDomains, sliceDigits, transformDigits } from '../domains';
import { type NetConfig, embed, initParams, paramLayout, runBlocks, unpack } from '../model';
import { makeRng, permutation } from '../rng';
import { Trainer, TrainingData, type TrainConfig } from '../trainer';
import { MergeEvaluator, TV_NET, cosine, norm, randomLike, rescaledLike, shuffledLike, taskVector, type Vec } from '../task-vectors';
import { pairedCompare } from '../paired-test';
import type { BaseKind, Task, TaskVectorSettings } from './task-vectors-defaults';

export * from './task-vectors-defaults';
import { CONTROLS, bestLambda, bestNegLambda, curveCoeffs, curvesFrom, toDomainAcc, type DomainAcc, type VectorStats, type VerdictData } from './task-vectors-analysis';
import { CURVE_LAMBDAS } from './task-vectors-defaults';

export type CurvePoint = { step: number; loss: number };
export type Progress = { phase: string; step: number; totalSteps: number; loss: number; done: number; total: number };
export type Hooks = {
	onProgress?: (p: Progress) => void;
	shouldStop?: () => boolean;
	waitWhilePaused?: () => Promise<void>;
	/** between steps inside a chunk: may yield so a cancel or pause is read during a long chunk; true stops */
	interrupt?: () => boolean | Promise<boolean>;
	/** steps per chunk between progress reports (may change while training) */
	chunk?: number | (() => number);
};

export class Stopped extends Error {
	constructor() {
		super('stopped');
	}
}

function trainConfig(s: TaskVectorSettings, seed: number, lr: number): TrainConfig {
	return { ...TV_NET, seed, learningRate: lr, batchSize: s.batchSize, layerDrop: 0 };
}

/** Train `steps` Adam steps from `init` (or a fresh seeded init) on `digits`; returns params and the loss curve. */
export async function trainOn(
	digits: Digits,
	cfg: TrainConfig,
	steps: number,
	init: Float32Array | undefined,
	phase: string,
	hooks: Hooks = {}
): Promise<{ params: Float32Array; curve: CurvePoint[] }> {
	const data = new TrainingData(asTrainSet(digits));
	let trainer: Trainer;
	try {
		trainer = new Trainer(cfg, data, init);
	} catch (e) {
		data.dispose();
		throw e;
	}
	const curve: CurvePoint[] = [];
	const chunk = () => Math.max(1, Math.round(typeof hooks.chunk === 'function' ? hooks.chunk() : (hooks.chunk ?? 50)));
	try {
		while (trainer.step < steps) {
			await hooks.waitWhilePaused?.();
			if (hooks.shouldStop?.()) throw new Stopped();
			const n = Math.min(chunk(), steps - trainer.step);
			const [m] = await trainer.train(n, { readEvery: n, interrupt: hooks.interrupt });
			curve.push({ step: m.step, loss: m.loss });
			hooks.onProgress?.({ phase, step: m.step, totalSteps: steps, loss: m.loss, done: 0, total: 0 });
		}
		return { params: await trainer.snapshot(), curve };
	} finally {
		trainer.dispose();
		data.dispose();
	}
}

// Distinct seeds per run so batch orders differ between the base, each fine-tune and the baselines.
const TASK_INDEX: Record<Domain, number> = { upright: 0, rot90: 1, inverted: 2, flipped: 3 };
export const seedFor = (seed: number, role: 'base' | 'narrow' | 'ft' | 'multi' | 'probe' | 'random' | 'generic' | 'shuffle' | 'multi4', task: Domain = 'upright') =>
	seed * 1000 + { base: 0, narrow: 10, ft: 20, multi: 30, probe: 40, random: 50, generic: 60, shuffle: 70, multi4: 80 }[role] + TASK_INDEX[task];

export async function trainBase(train: Digits, kind: BaseKind, s: TaskVectorSettings, hooks: Hooks = {}) {
	const digits = kind === 'generalist' ? mixedDigits(train, DOMAINS, s.seed) : train;
	const cfg = trainConfig(s, seedFor(s.seed, kind === 'generalist' ? 'base' : 'narrow'), s.baseLr);
	return trainOn(digits, cfg, s.baseSteps, initParams(TV_NET, s.seed), `${kind} base`, hooks);
}

export async function fineTune(base: Float32Array, train: Digits, task: Task, s: TaskVectorSettings, hooks: Hooks = {}) {
	return trainOn(transformDigits(train, task), trainConfig(s, seedFor(s.seed, 'ft', task), s.ftLr), s.ftSteps, base, `fine-tune: ${task}`, hooks);
}

/** Continued training of the base on the tasks' mixed data with the fine-tunes' total compute. */
export async function multitask(base: Float32Array, train: Digits, tasks: readonly Task[], s: TaskVectorSettings, hooks: Hooks = {}) {
	const digits = mixedDigits(train, tasks, seedFor(s.seed, 'multi'));
	return trainOn(digits, trainConfig(s, seedFor(s.seed, 'multi'), s.ftLr), s.ftSteps * tasks.length, base, 'multi-task baseline', hooks);
}

/**
 * The generic-training control: continue the base on its own training mix (all four domains for the
 * generalist, upright digits for the narrow base) for as many steps, at the same rate, as one fine-tune.
 * θ_gen − θ0 is a direction that knows nothing about either task; whatever it does to the two tasks,
 * the task vectors must beat to be credited with task-specific skill.
 */
export async function genericTrain(base: Float32Array, train: Digits, kind: BaseKind, s: TaskVectorSettings, hooks: Hooks = {}) {
	const digits = kind === 'generalist' ? mixedDigits(train, DOMAINS, seedFor(s.seed, 'generic')) : train;
	return trainOn(digits, trainConfig(s, seedFor(s.seed, 'generic'), s.ftLr), s.ftSteps, base, 'generic training', hooks);
}

/** Multi-task training on all four domains with the two fine-tunes' compute (keeps the base's other skills in view). */
export async function multitaskAll(base: Float32Array, train: Digits, s: TaskVectorSettings, hooks: Hooks = {}) {
	const digits = mixedDigits(train, DOMAINS, seedFor(s.seed, 'multi4'));
	return trainOn(digits, trainConfig(s, seedFor(s.seed, 'multi4'), s.ftLr), s.ftSteps * 2, base, 'multi-task baseline (4 domains)', hooks);
}

/** Features of the base's last hidden layer (what its head reads), [n, width]. */
function features(cfg: NetConfig, params: tf.Tensor1D, x: tf.Tensor2D): tf.Tensor2D {
	const net = unpack(params, cfg);
	return runBlocks(net, embed(net, x), [0]);
}

function pixels(d: Digits): tf.Tensor2D {
	return tf.tidy(() => tf.div(tf.tensor2d(d.x.subarray(0, d.n * IMAGE_SIZE), [d.n, IMAGE_SIZE], 'int32'), 255));
}

/**
 * Linear probe: train only the head (from the base's head) on frozen base features of the task's training
 * digits, `steps` Adam steps of `batchSize`; returns test accuracy on the task's test digits.
 */
export async function linearProbe(base: Float32Array, train: Digits, test: Digits, task: Task, s: TaskVectorSettings): Promise<number> {
	const slots = paramLayout(TV_NET);
	const headW = slots.find((x) => x.name === 'head.W')!;
	const headB = slots.find((x) => x.name === 'head.b')!;
	const tr = transformDigits(train, task);
	const te = transformDigits(test, task);
	const p = tf.tensor1d(base);
	const feats = tf.tidy(() => {
		const x = pixels(tr);
		return features(TV_NET, p, x);
	});
	const labels = tf.tensor1d(Int32Array.from(tr.y), 'int32');
	// variables copy their initial tensors; tidy frees those
	const [W, b, mW, vW, mb, vb] = tf.tidy(() => {
		const w0 = tf.tensor2d(base.subarray(headW.offset, headW.offset + headW.size), [TV_NET.width, NUM_CLASSES]);
		const b0 = tf.tensor1d(base.subarray(headB.offset, headB.offset + headB.size));
		return [w0, b0, tf.zerosLike(w0), tf.zerosLike(w0), tf.zerosLike(b0), tf.zerosLike(b0)].map((t) => tf.variable(t));
	});
	const opt = { mW, vW, mb, vb };
	const rng = makeRng(seedFor(s.seed, 'probe', task), 11);
	let order = permutation(tr.n, rng);
	let cursor = 0;
	try {
		for (let t = 1; t <= s.ftSteps; t++) {
			const idx = new Int32Array(s.batchSize);
			for (let k = 0; k < idx.length; k++) {
				if (cursor >= order.length) {
					order = permutation(tr.n, rng);
					cursor = 0;
				}
				idx[k] = order[cursor++];
			}
			const lrT = (s.probeLr * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
			tf.tidy(() => {
				const it = tf.tensor1d(idx, 'int32');
				const h = tf.gather(feats, it) as tf.Tensor2D;
				const y = tf.oneHot(tf.gather(labels, it), NUM_CLASSES);
				const logits = tf.add(tf.matMul(h, W), b);
				const g = tf.div(tf.sub(tf.softmax(logits), y), idx.length) as tf.Tensor2D;
				const gW = tf.matMul(tf.transpose(h), g);
				const gb = tf.sum(g, 0);
				for (const [param, grad, m, v] of [
					[W, gW, opt.mW, opt.vW],
					[b, gb, opt.mb, opt.vb]
				] as const) {
					m.assign(tf.add(tf.mul(m, 0.9), tf.mul(grad, 0.1)));
					v.assign(tf.add(tf.mul(v, 0.999), tf.mul(tf.square(grad), 0.001)));
					param.assign(tf.sub(param, tf.mul(tf.div(m, tf.add(tf.sqrt(v), 1e-8)), lrT)));
				}
			});
			if (t % 50 === 0) await new Promise((r) => setTimeout(r, 0));
		}
		const correct = tf.tidy(() => {
			const x = pixels(te);
			const logits = tf.add(tf.matMul(features(TV_NET, p, x), W), b);
			return tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.tensor1d(Int32Array.from(te.y), 'int32')), 'float32'));
		});
		const v = (await correct.data())[0];
		correct.dispose();
		return v / te.n;
	} finally {
		tf.dispose([p, feats, labels, W, b, opt.mW, opt.vW, opt.mb, opt.vb]);
	}
}

export * from './task-vectors-analysis';

/** Evaluation set: the same digits in all four domains, domain after domain (groups = 4). */
export function domainEvalSet(d: Digits, perDomain: number) {
	const s = stackDomains(sliceDigits(d.x, d.y, 0, perDomain));
	return { ...s, groups: DOMAINS.length };
}

/** Row indices of the first `count` digits of each domain in a domainEvalSet of `perDomain`. */
export function sampleRows(perDomain: number, count: number): number[] {
	return DOMAINS.flatMap((_, g) => Array.from({ length: count }, (_, i) => g * perDomain + i));
}

/**
 * The two task vectors and the three control directions, all of τA's length: r (Gaussian), g (generic
 * training, rescaled), s (τA shuffled within each layer). `genericRaw` is θ_gen − θ0 before rescaling.
 * `other` is the third task's own vector, unscaled (θ0 + other is that fine-tune): a skill the merge was
 * not asked for, to show what τA adds is specific to its task. It is zero when that fine-tune is missing.
 */
export type Vectors = { tauA: Float64Array; tauB: Float64Array; random: Float64Array; generic: Float64Array; shuffled: Float64Array; other: Float64Array; genericRaw: Float64Array };

export function vectorsFor(base: Vec, thetaA: Vec, thetaB: Vec, thetaGen: Vec, seed: number, thetaOther: Vec | null = null): Vectors {
	const tauA = taskVector(thetaA, base);
	const genericRaw = taskVector(thetaGen, base);
	return {
		tauA,
		tauB: taskVector(thetaB, base),
		random: randomLike(tauA, seedFor(seed, 'random')),
		generic: rescaledLike(genericRaw, tauA),
		shuffled: shuffledLike(tauA, TV_NET, seedFor(seed, 'shuffle')),
		other: thetaOther ? taskVector(thetaOther, base) : new Float64Array(tauA.length),
		genericRaw
	};
}

/** The directions in the order every coefficient row uses: [τA, τB, r, g, s, o]. */
export const directions = (v: Vectors): Float64Array[] => [v.tauA, v.tauB, v.random, v.generic, v.shuffled, v.other];

export function vectorStats(v: Vectors): VectorStats {
	return {
		cosAB: cosine(v.tauA, v.tauB),
		cosAR: cosine(v.tauA, v.random),
		cosBR: cosine(v.tauB, v.random),
		cosAG: cosine(v.tauA, v.generic),
		cosBG: cosine(v.tauB, v.generic),
		normA: norm(v.tauA),
		normB: norm(v.tauB),
		normGen: norm(v.genericRaw)
	};
}

/** Build an evaluator over [τA, τB, r, g, s] for a base on an evaluation set (caller disposes). */
export function evaluatorFor(base: Vec, v: Vectors, set: ReturnType<typeof domainEvalSet>): MergeEvaluator {
	return new MergeEvaluator(TV_NET, base, directions(v), set);
}

/**
 * What the verdict needs, measured: each direction's λ chosen on held-out training digits (the sum of the
 * task vectors, each control direction, and the negation of τA), then every chosen model scored on all
 * test digits, and the merge compared with each control on the same digits of tasks A and B (McNemar).
 * `hold` and `test` are evaluators over the same vectors (evaluatorFor) on the held-out and test sets.
 */
export async function measureVerdict(hold: MergeEvaluator, test: MergeEvaluator, A: Task, B: Task): Promise<VerdictData> {
	const hc = curvesFrom(CURVE_LAMBDAS, (await hold.accuracies(curveCoeffs(CURVE_LAMBDAS))).acc);
	const lm = bestLambda(hc, A, B);
	const lambdas = {
		merge: lm,
		random: bestLambda(hc, A, B, 'random'),
		shuffled: bestLambda(hc, A, B, 'shuffled'),
		generic: bestLambda(hc, A, B, 'generic'),
		neg: bestNegLambda(hc, A)
	};
	const rows: Record<'base' | 'merge' | 'neg' | (typeof CONTROLS)[number], number[]> = {
		base: [0],
		merge: [lm, lm],
		random: [0, 0, lambdas.random],
		generic: [0, 0, 0, lambdas.generic],
		shuffled: [0, 0, 0, 0, lambdas.shuffled],
		neg: [lambdas.neg]
	};
	const names = Object.keys(rows) as (keyof typeof rows)[];
	const ok = await test.correct(names.map((n) => rows[n]));
	const per = test.n / test.groups;
	const accOf = (c: Uint8Array) => toDomainAcc(DOMAINS.map((_, g) => c.subarray(g * per, (g + 1) * per).reduce((s, x) => s + x, 0) / per));
	const acc = Object.fromEntries(names.map((n, i) => [n, accOf(ok[i])])) as Record<keyof typeof rows, DomainAcc>;
	const taskRows = [A, B].flatMap((t) => Array.from({ length: per }, (_, i) => DOMAINS.indexOf(t) * per + i));
	const m = ok[names.indexOf('merge')];
	const vs = Object.fromEntries(CONTROLS.map((c) => [c, pairedCompare(m, ok[names.indexOf(c)], taskRows)])) as VerdictData['vs'];
	return { lambdas, acc, vs, digits: per, holdoutSum: hc.sum };
}

