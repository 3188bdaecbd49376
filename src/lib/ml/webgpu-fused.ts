// A training step of a plain MLP (embed → plain blocks → head, ReLU, softmax cross-entropy, Adam) in
// 2·L + 1 WebGPU dispatches for L layers (7 for 784-128-128-10), instead of the ~80 small kernels tfjs
// runs for the same step. On a GPU the step is bound by the cost of each dispatch (bind group, uniforms,
// launch), not by arithmetic, so fusing is what makes WebGPU pay off (issue 15).
//
// Custom WGSL programs run through tfjs-backend-webgpu's `runWebGPUProgram`, writing into tensors that
// live as long as the trainer (its `output` argument), so a step allocates nothing and reads nothing back:
//   forward, one per hidden layer:  A_l = relu(A_{l-1}·W_l + b_l)   (layer 0 gathers its rows from X by index)
//   head + loss, one workgroup:     logits, softmax, loss summed into a slot, D = (softmax − y)/n
//   backward, one per layer:        gW_l = A_{l-1}ᵀ·D_l, gb_l = Σ D_l, D_{l-1} = (D_l·W_lᵀ) ⊙ [A_{l-1} > 0]
//   Adam, one over the flat vector: state = [params | m | v], updated in place
// The workspace holds the gradient (in the flat parameter layout), activations, the D's and the loss sum.
// Kernels are plain one-thread-per-output loops: for these sizes launches dominate, not FLOPs.
import * as tf from '@tensorflow/tfjs-core';
import { IMAGE_SIZE, NUM_CLASSES } from './data';
import { type NetConfig, paramCount, paramLayout } from './net-layout';

let enabled = true;
/** Turn the fused step off or on (benches compare it with the generic step; default on). */
export function setFusedWebGpu(on: boolean): void {
	enabled = on;
}

/** Whether a Trainer with this config takes the fused path on the current backend. */
export function fusedSupported(cfg: NetConfig & { layerDrop?: number }): boolean {
	// the fused kernels know one matrix per plain layer; residual blocks and the two-matrix control take the generic step
	return enabled && tf.getBackend() === 'webgpu' && !cfg.residual && !cfg.twoMatrix && !(cfg.layerDrop! > 0);
}

type Uniform = { type: 'int32' | 'float32'; data: number[] };
type WebGpuBackendLike = {
	runWebGPUProgram(program: object, inputs: tf.TensorInfo[], dtype: tf.DataType, uniforms?: Uniform[], output?: tf.TensorInfo): tf.TensorInfo;
};

const WG = 64;
/** Rows of the head kernel's single workgroup (also its loss reduction width). */
const HEAD_WG = 256;

/** One program object as tfjs-backend-webgpu wants it: a flat 1-D dispatch over `threads`. */
function program(key: string, variableNames: string[], outLen: number, threads: number, uniforms: string, body: string, workgroup = WG) {
	return {
		variableNames,
		outputShape: [outLen],
		shaderKey: `nrsFused_${key}`,
		dispatchLayout: { x: [0] },
		dispatch: [Math.ceil(threads / workgroup), 1, 1],
		workgroupSize: [workgroup, 1, 1],
		uniforms,
		size: false,
		getUserCode: () => body
	};
}

type Layer = { nIn: number; nOut: number; w: number; b: number; act: number; d: number };

export class FusedPlainStep {
	/** [params | m | v] */
	readonly state: tf.Tensor1D;
	readonly workspace: tf.Tensor1D;
	readonly P: number;
	private readonly layers: Layer[];
	private readonly lossAt: number;
	private readonly backend: WebGpuBackendLike;
	private readonly progs: { fwd: object[]; head: object; bwd: object[]; adam: object };

	constructor(
		cfg: NetConfig,
		readonly batch: number,
		init: Float32Array
	) {
		if (cfg.residual) throw new Error('The fused step covers plain nets only.');
		this.backend = tf.backend() as unknown as WebGpuBackendLike;
		const P = (this.P = paramCount(cfg));
		const slots = paramLayout(cfg);
		// layers as (W, b) slot pairs; workspace: grad [P] | per layer: activation, D | loss slot
		const B = batch;
		let at = P;
		this.layers = [];
		for (let i = 0; i < slots.length; i += 2) {
			const [W, b] = [slots[i], slots[i + 1]];
			const [nIn, nOut] = W.shape as [number, number];
			const act = at;
			at += B * nOut;
			const d = at;
			at += B * nOut;
			this.layers.push({ nIn, nOut, w: W.offset, b: b.offset, act, d });
		}
		this.lossAt = at++;
		const state = new Float32Array(3 * P);
		state.set(init);
		this.state = tf.tensor1d(state);
		this.workspace = tf.zeros([at]);
		this.progs = this.makePrograms(at);
	}

	private makePrograms(wsLen: number) {
		const B = this.B;
		const L = this.layers.length;
		const fwd = this.layers.slice(0, L - 1).map((l, i) => {
			const first = i === 0;
			const input = first ? `f32(X[u32(I[uniforms.row0 + r]) * ${IMAGE_SIZE}u + u32(k)])` : `result[${this.layers[i - 1].act} + r * ${l.nIn} + k]`;
			const body = `
				fn main(index : i32) {
					// every kernel names row0, so its uniform binding stays in the pipeline layout
					if (index >= ${B * l.nOut} || uniforms.row0 < 0) { return; }
					let r = index / ${l.nOut};
					let j = index % ${l.nOut};
					var z = S[${l.b} + j];
					for (var k = 0; k < ${l.nIn}; k++) { z += ${input} * S[${l.w} + k * ${l.nOut} + j]; }
					result[${l.act} + index] = max(z, 0.0);
				}`;
			return program(`fwd${i}_${B}_${l.nIn}_${l.nOut}_${l.w}_${l.act}`, first ? ['S', 'X', 'I'] : ['S'], wsLen, B * l.nOut, 'row0 : i32,', body);
		});
		const h = this.layers[L - 1];
		const prev = this.layers[L - 2];
		const head = program(
			`head_${B}_${h.nIn}_${h.w}_${h.d}_${this.lossAt}`,
			['S', 'Y', 'I'],
			wsLen,
			HEAD_WG,
			'row0 : i32, reset : i32,',
			`
			var<workgroup> part : array<f32, ${HEAD_WG}>;
			fn main(index : i32) {
				var lossSum = 0.0;
				for (var r = index; r < ${B}; r += ${HEAD_WG}) {
					var logit : array<f32, ${NUM_CLASSES}>;
					var mx = -3.4e38;
					for (var j = 0; j < ${NUM_CLASSES}; j++) {
						var z = S[${h.b} + j];
						for (var k = 0; k < ${h.nIn}; k++) { z += result[${prev.act} + r * ${h.nIn} + k] * S[${h.w} + k * ${NUM_CLASSES} + j]; }
						logit[j] = z;
						mx = max(mx, z);
					}
					var se = 0.0;
					for (var j = 0; j < ${NUM_CLASSES}; j++) { se += exp(logit[j] - mx); }
					let lse = mx + log(se);
					let yRow = u32(I[uniforms.row0 + r]) * ${NUM_CLASSES}u;
					for (var j = 0; j < ${NUM_CLASSES}; j++) {
						let y = f32(Y[yRow + u32(j)]); // a cast tensor may keep its int32 buffer
						let lp = logit[j] - lse;
						lossSum -= y * lp;
						result[${h.d} + r * ${NUM_CLASSES} + j] = (exp(lp) - y) / ${B}.0;
					}
				}
				part[index] = lossSum;
				workgroupBarrier();
				for (var s = ${HEAD_WG / 2}; s > 0; s = s / 2) {
					if (index < s) { part[index] += part[index + s]; }
					workgroupBarrier();
				}
				if (index == 0) {
					let before = select(result[${this.lossAt}], 0.0, uniforms.reset != 0);
					result[${this.lossAt}] = before + part[0] / ${B}.0;
				}
			}`,
			HEAD_WG
		);
		const bwd = this.layers.map((l, i) => {
			const first = i === 0;
			const nW = l.nIn * l.nOut;
			// the layer's input rows: the gathered images for the embedding, else the previous activation
			const inp = (r: string, k: string) => (first ? `f32(X[u32(I[uniforms.row0 + ${r}]) * ${IMAGE_SIZE}u + u32(${k})])` : `result[${this.layers[i - 1].act} + ${r} * ${l.nIn} + ${k}]`);
			const threads = nW + l.nOut + (first ? 0 : B * l.nIn);
			const body = `
				fn main(index : i32) {
					if (uniforms.row0 < 0) { return; }
					if (index < ${nW}) {
						let k = index / ${l.nOut};
						let j = index % ${l.nOut};
						var g = 0.0;
						for (var r = 0; r < ${B}; r++) { g += ${inp('r', 'k')} * result[${l.d} + r * ${l.nOut} + j]; }
						result[${l.w} + index] = g;
					} else if (index < ${nW + l.nOut}) {
						let j = index - ${nW};
						var g = 0.0;
						for (var r = 0; r < ${B}; r++) { g += result[${l.d} + r * ${l.nOut} + j]; }
						result[${l.b} + j] = g;
					} ${
						first
							? ''
							: `else if (index < ${threads}) {
						let e = index - ${nW + l.nOut};
						let r = e / ${l.nIn};
						let k = e % ${l.nIn};
						let a = result[${this.layers[i - 1].act} + e];
						var g = 0.0;
						if (a > 0.0) {
							for (var j = 0; j < ${l.nOut}; j++) { g += result[${l.d} + r * ${l.nOut} + j] * S[${l.w} + k * ${l.nOut} + j]; }
						}
						result[${this.layers[i - 1].d} + e] = g;
					}`
					}
				}`;
			// the embedding reads X (not S); the others read S (not X)
			return program(`bwd${i}_${B}_${l.nIn}_${l.nOut}_${l.w}_${l.d}`, first ? ['X', 'I'] : ['S'], wsLen, threads, 'row0 : i32,', body);
		});
		const P = this.P;
		const adam = program(
			`adam_${P}`,
			['G'],
			3 * P,
			P,
			'lr : f32, b1 : f32, b2 : f32, eps : f32,',
			`
			fn main(index : i32) {
				if (index >= ${P}) { return; }
				let g = G[index];
				let m = uniforms.b1 * result[${P} + index] + (1.0 - uniforms.b1) * g;
				let v = uniforms.b2 * result[${2 * P} + index] + (1.0 - uniforms.b2) * g * g;
				result[${P} + index] = m;
				result[${2 * P} + index] = v;
				result[index] = result[index] - m * uniforms.lr / (sqrt(v) + uniforms.eps);
			}`
		);
		return { fwd, head, bwd, adam };
	}

	private get B() {
		return this.batch;
	}

	/**
	 * Forward, loss and backward for the batch whose rows are `idx[row0 .. row0 + batch)` of `x`/`yOneHot`:
	 * the gradient lands in workspace[0, P), the mean loss is added to the loss slot (or replaces it if
	 * `resetLoss`). No readback.
	 */
	gradients(x: tf.Tensor2D, yOneHot: tf.Tensor2D, idx: tf.Tensor1D, row0: number, resetLoss: boolean): void {
		const be = this.backend;
		const ws = this.workspace;
		const u = [{ type: 'int32' as const, data: [row0] }];
		this.progs.fwd.forEach((p, i) => be.runWebGPUProgram(p, i === 0 ? [this.state, x, idx] : [this.state], 'float32', u, ws));
		be.runWebGPUProgram(this.progs.head, [this.state, yOneHot, idx], 'float32', [...u, { type: 'int32', data: [resetLoss ? 1 : 0] }], ws);
		for (let i = this.layers.length - 1; i >= 0; i--) be.runWebGPUProgram(this.progs.bwd[i], i === 0 ? [x, idx] : [this.state], 'float32', u, ws);
	}

	/** One Adam step from the gradient in the workspace (lr already bias-corrected, as the Trainer's). */
	adam(lrT: number, beta1: number, beta2: number, eps: number): void {
		// one uniform per scalar: tfjs would align a 4-vector as a vec4, not as the struct's four f32 fields
		const u = [lrT, beta1, beta2, eps].map((v) => ({ type: 'float32' as const, data: [v] }));
		this.backend.runWebGPUProgram(this.progs.adam, [this.workspace], 'float32', u, this.state);
	}

	/** The loss slot (a new scalar tensor; the caller reads and disposes it). */
	lossSum(): tf.Scalar {
		return tf.tidy(() => tf.reshape(tf.slice(this.workspace, [this.lossAt], [1]), [])) as tf.Scalar;
	}

	/** The gradient (a new tensor of P values). */
	gradient(): tf.Tensor1D {
		return tf.slice(this.workspace, [0], [this.P]);
	}

	/** The parameters (a new tensor of P values). */
	params(): tf.Tensor1D {
		return tf.slice(this.state, [0], [this.P]);
	}

	dispose(): void {
		tf.dispose([this.state, this.workspace]);
	}
}
