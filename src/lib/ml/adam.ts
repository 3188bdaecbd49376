// The Adam update shared by the Trainer, the BatchedTrainer and the ES optimiser: one function, so the
// three cannot drift apart, and one place where the wasm backend takes its fused loop (./wasm-adam.ts).
import * as tf from '@tensorflow/tfjs-core';
import { WASM_ADAM_KERNEL, wasmAdamAvailable, type AdamAttrs } from './wasm-adam';

export const BETA1 = 0.9;
export const BETA2 = 0.999;
export const EPS = 1e-8;

/** Adam's bias-corrected learning rate at step t (1-based). */
export function adamLr(learningRate: number, t: number): number {
	return (learningRate * Math.sqrt(1 - BETA2 ** t)) / (1 - BETA1 ** t);
}

export type AdamState = { params: tf.Variable; m: tf.Variable; v: tf.Variable };

/**
 * m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  params ← params − (m·lr)/(√v + ε), in place.
 * `grads`: the gradient as parts whose concatenation, in order, has params' size. `rowLr`: each row's
 * bias-corrected learning rate; params is one row ([P]) or rowLr.length rows ([K, P]). `lrScale`
 * ([K, P], optional): a factor per parameter on its row's rate (μP's per-layer step sizes, ./mup.ts);
 * it takes the op-by-op path. The fused wasm loop and the op-by-op path give the same bits
 * (tests/unit/adam.test.ts).
 */
export function adamUpdate(s: AdamState, grads: tf.Tensor[], rowLr: number[], lrScale?: tf.Tensor): void {
	if (wasmAdamAvailable() && !lrScale) {
		const inputs: tf.NamedTensorMap = { params: s.params, m: s.m, v: s.v };
		grads.forEach((g, i) => (inputs[`g${i}`] = g));
		const attrs: AdamAttrs = { rowLr, beta1: BETA1, beta2: BETA2, eps: EPS };
		const [p, m, v] = tf.engine().runKernel(WASM_ADAM_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
		s.m.assign(m);
		s.v.assign(v);
		s.params.assign(p);
		tf.dispose([p, m, v]);
		return;
	}
	adamUpdateOps(s, grads, rowLr, lrScale);
}

/** The same update as tfjs ops: every backend but wasm, and wasm engines without SIMD. */
export function adamUpdateOps(s: AdamState, grads: tf.Tensor[], rowLr: number[], lrScale?: tf.Tensor): void {
	tf.tidy(() => {
		const g = grads.length === 1 ? tf.reshape(grads[0], s.params.shape) : tf.reshape(tf.concat(grads.map((t) => tf.reshape(t, [-1]))), s.params.shape);
		// one row: a float32 scalar; K rows: a [K, 1] column, each lr rounded to float32 first as tfjs does
		const rate = s.params.rank === 1 ? tf.scalar(rowLr[0]) : tf.tensor2d(rowLr.map(Math.fround), [rowLr.length, 1]);
		const lr = lrScale ? tf.mul(rate, lrScale) : rate;
		s.m.assign(tf.add(tf.mul(s.m, BETA1), tf.mul(g, 1 - BETA1)));
		s.v.assign(tf.add(tf.mul(s.v, BETA2), tf.mul(tf.square(g), 1 - BETA2)));
		s.params.assign(tf.sub(s.params, tf.div(tf.mul(s.m, lr), tf.add(tf.sqrt(s.v), EPS))));
	});
}
