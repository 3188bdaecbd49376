// A training step of the essays' MLPs (embed → blocks → head, ReLU, softmax cross-entropy, Adam) in
// 2·U + 1 WebGPU dispatches for U linear maps ("units"): 7 for the plain 784-128-128-10 net, 4·depth + 5
// for a residual net (or the two-matrix control), instead of the ~50–200 small kernels tfjs runs for the
// same step. On a GPU the step is bound by the cost of each dispatch (bind group, uniforms, launch), not
// by arithmetic, so fusing is what makes WebGPU pay off (issue 15).
//
// Custom WGSL programs run through tfjs-backend-webgpu's `runWebGPUProgram`, writing into tensors that
// live as long as the trainer (its `output` argument), so a step allocates nothing and reads nothing back:
//   forward, one per unit:          O_u = act(O_in·W_u + b_u) [+ O_skip]  (the embedding gathers its rows from X)
//   head + loss, a workgroup a net: logits, softmax, loss summed into a slot, D = (softmax − y)/n
//   backward, one per unit:         gW_u = O_inᵀ·D_u, gb_u = Σ D_u,
//                                   D_in = (D_u·W_uᵀ + D of the units that skip from in) ⊙ act'(in)
//   Adam, one over the flat vector: state = [params | m | v], updated in place
// A residual block is two units: A (relu) reads the stream, B (linear) adds the stream back, so the
// stream's gradient reaches the block's input through A's backward kernel, which adds B's D (the skip).
// The workspace holds the gradient (in the flat parameter layout), activations, the D's and the loss sum.
// Kernels are plain one-thread-per-output loops: for these sizes launches dominate, not FLOPs.
//
// K nets of one shape (the "Double it" grid's groups, ./batched.ts) train in the same 2·U + 1 dispatches:
// every kernel runs K times as many threads, thread i working for net ⌊i / T⌋ (T threads a net) on its own slices
// (parameters at n·P, activations and D's at n·B·width, batch rows at n·B, loss slot n), and Adam gives
// each net its own learning rate. Each net's arithmetic is exactly the lone net's.
import * as tf from '@tensorflow/tfjs-core';
import { IMAGE_SIZE, NUM_CLASSES } from './data';
import { type NetConfig, paramCount, paramLayout } from './net-layout';
import { BETA1, BETA2, EPS } from './adam';

let enabled = true;
/** Turn the fused step off or on (benches compare it with the generic step; default on). */
export function setFusedWebGpu(on: boolean): void {
	enabled = on;
}

/** Whether a Trainer with this config takes the fused path on the current backend. */
export function fusedSupported(cfg: NetConfig & { layerDrop?: number }): boolean {
	// plain, residual and two-matrix nets alike; stochastic depth (a fresh block mask per step) takes the generic step
	return enabled && tf.getBackend() === 'webgpu' && !(cfg.layerDrop! > 0);
}

type Uniform = { type: 'int32' | 'float32'; data: number[] };
type WebGpuBackendLike = {
	runWebGPUProgram(program: object, inputs: tf.TensorInfo[], dtype: tf.DataType, uniforms?: Uniform[], output?: tf.TensorInfo): tf.TensorInfo;
};

const WG = 64;
/** Rows of the head kernel's single workgroup (also its loss reduction width). */
const HEAD_WG = 256;

/** WebGPU's least guaranteed limit on workgroups along one dispatch dimension. */
const MAX_GROUPS_PER_DIM = 65535;

/**
 * Workgroups for `threads` threads: along x alone up to the limit, else an x × y grid (tfjs then numbers
 * threads across both, and every kernel here returns early for an index past its work).
 */
export function dispatchFor(threads: number, workgroup: number): [number, number, number] {
	const groups = Math.max(1, Math.ceil(threads / workgroup));
	if (groups <= MAX_GROUPS_PER_DIM) return [groups, 1, 1];
	const y = Math.ceil(groups / MAX_GROUPS_PER_DIM);
	return [Math.ceil(groups / y), y, 1];
}

/** One program object as tfjs-backend-webgpu wants it: a flat 1-D numbering of `threads` threads. */
function program(key: string, variableNames: string[], outLen: number, threads: number, uniforms: string, body: string, workgroup = WG) {
	return {
		variableNames,
		outputShape: [outLen],
		baseKey: `nrsFused_${key}`,
		shaderKey: `nrsFused_${key}`,
		dispatchLayout: { x: [0] },
		dispatch: dispatchFor(threads, workgroup),
		workgroupSize: [workgroup, 1, 1],
		uniforms,
		size: false,
		getUserCode: () => body
	};
}
type Program = ReturnType<typeof program>;

/**
 * runWebGPUProgram for a program object used again and again. tfjs overwrites `program.shaderKey` with
 * its pipeline-cache key (our key plus shapes and types), so a reused object's key would grow on every
 * call: a cache miss, a new pipeline compiled per dispatch, and a cache that grows without bound. Reset
 * it to our own key first.
 */
function run(be: WebGpuBackendLike, p: Program, inputs: tf.TensorInfo[], uniforms: Uniform[], output: tf.TensorInfo): void {
	p.shaderKey = p.baseKey;
	be.runWebGPUProgram(p, inputs, 'float32', uniforms, output);
}

/**
 * One linear map of the net: out = act(in·W + b) (+ the stream it skips from). `input` is the unit whose
 * output it reads (−1: the images, gathered by index); `skip` the unit whose output is added after the
 * activation (a residual block's B adds the block's input stream), −1 for none.
 */
type Unit = { nIn: number; nOut: number; w: number; b: number; act: number; d: number; input: number; relu: boolean; skip: number };

/**
 * The net as units, in order: embed, then per block one (plain) or two (residual, two-matrix) units, then
 * the head. Residual block i: A reads the stream s_i (relu), B reads A's output and adds s_i (no
 * activation), so B's output is s_{i+1}. The backward pass needs, for each unit's input producer p, the
 * units that read p: one matmul reader and at most the skip readers (checked below).
 */
function unitsOf(cfg: NetConfig, B: number, at: number, K: number): { units: Unit[]; end: number } {
	const slots = paramLayout(cfg);
	const units: Unit[] = [];
	let k = 0;
	const add = (input: number, relu: boolean, skip: number) => {
		const [W, b] = [slots[k++], slots[k++]];
		const [nIn, nOut] = W.shape as [number, number];
		// K nets' activations (and D's) side by side, each B × nOut
		const act = at;
		at += K * B * nOut;
		const d = at;
		at += K * B * nOut;
		units.push({ nIn, nOut, w: W.offset, b: b.offset, act, d, input, relu, skip });
		return units.length - 1;
	};
	let stream = add(-1, true, -1);
	for (let i = 0; i < cfg.depth; i++) {
		if (cfg.residual || cfg.twoMatrix) {
			const a = add(stream, true, -1);
			stream = add(a, false, cfg.residual ? stream : -1);
		} else stream = add(stream, true, -1);
	}
	add(stream, false, -1); // the head: its own kernel computes logits, softmax and the loss
	return { units, end: at };
}

export class FusedStep {
	/** [params | m | v], each K·P (net n's at n·P) */
	readonly state: tf.Tensor1D;
	readonly workspace: tf.Tensor1D;
	readonly P: number;
	/** how many nets train side by side */
	readonly K: number;
	private readonly units: Unit[];
	private readonly lossAt: number;
	/** each net's learning-rate factor [K] (Adam's uniform lr times it) */
	private readonly lrFactor: tf.Tensor1D;
	private readonly backend: WebGpuBackendLike;
	private readonly progs: { fwd: Program[]; head: Program; bwd: Program[]; adam: Program };

	/**
	 * `init`: the K nets' parameter vectors one after another. `lrFactor`: one per net, so K is its length
	 * (a lone net: [1]); the BatchedTrainer passes each net's learning rate and gives adam() the bias
	 * correction, as its generic step multiplies them.
	 */
	constructor(
		cfg: NetConfig,
		readonly batch: number,
		init: Float32Array,
		lrFactor: number[] = [1]
	) {
		this.backend = tf.backend() as unknown as WebGpuBackendLike;
		const P = (this.P = paramCount(cfg));
		const K = (this.K = lrFactor.length);
		if (init.length !== K * P) throw new Error(`FusedStep: ${init.length} initial values for ${K} nets of ${P} parameters.`);
		// workspace: grad [K·P] | per unit: activations, D's | K loss slots
		const { units, end } = unitsOf(cfg, batch, K * P, K);
		this.units = units;
		this.lossAt = end;
		const state = new Float32Array(3 * K * P);
		state.set(init);
		this.state = tf.tensor1d(state);
		this.workspace = tf.zeros([end + K]);
		this.lrFactor = tf.tensor1d(lrFactor);
		this.progs = this.makePrograms(end + K);
	}

	/** Dispatches per step: one forward per unit but the head, the head, one backward per unit, Adam. */
	get dispatchesPerStep(): number {
		return 2 * this.units.length + 1;
	}

	private makePrograms(wsLen: number) {
		const [B, K, P] = [this.B, this.K, this.P];
		const U = this.units;
		const L = U.length;
		// net n's batch rows are idx[row0 + n·B …]; its parameters (and gradient) start at n·P
		const gathered = (r: string, k: string) => `f32(X[u32(I[uniforms.row0 + n * ${B} + ${r}]) * ${IMAGE_SIZE}u + u32(${k})])`;
		// thread index → net n and the thread's place t in that net's work of T threads
		const perNet = (T: number) => `if (index >= ${K * T}) { return; }
					let n = index / ${T};
					let t = index % ${T};
					let pn = n * ${P};`;
		const fwd = U.slice(0, L - 1).map((l, i) => {
			const first = l.input < 0;
			const T = B * l.nOut;
			const input = first ? gathered('r', 'k') : `result[${U[l.input].act} + n * ${B * l.nIn} + r * ${l.nIn} + k]`;
			const out = l.relu ? 'max(z, 0.0)' : 'z';
			const skip = l.skip >= 0 ? ` + result[${U[l.skip].act} + n * ${T} + t]` : '';
			const body = `
				fn main(index : i32) {
					// every kernel names row0, so its uniform binding stays in the pipeline layout
					if (uniforms.row0 < 0) { return; }
					${perNet(T)}
					let r = t / ${l.nOut};
					let j = t % ${l.nOut};
					// the bias after the sum, as tfjs adds it: the same rounding near a ReLU's kink
					var z = 0.0;
					for (var k = 0; k < ${l.nIn}; k++) { z += ${input} * S[pn + ${l.w} + k * ${l.nOut} + j]; }
					z += S[pn + ${l.b} + j];
					result[${l.act} + n * ${T} + t] = ${out}${skip};
				}`;
			const key = `fwd${i}_${K}_${B}_${l.nIn}_${l.nOut}_${l.w}_${l.b}_${l.act}_${first ? -1 : U[l.input].act}_${+l.relu}_${l.skip >= 0 ? U[l.skip].act : -1}`;
			return program(key, first ? ['S', 'X', 'I'] : ['S'], wsLen, K * T, 'row0 : i32,', body);
		});
		const h = U[L - 1];
		const prev = U[h.input];
		// one workgroup per net
		const head = program(
			`head_${K}_${B}_${h.nIn}_${h.w}_${h.d}_${prev.act}_${this.lossAt}`,
			['S', 'Y', 'I'],
			wsLen,
			K * HEAD_WG,
			'row0 : i32, reset : i32,',
			`
			var<workgroup> part : array<f32, ${HEAD_WG}>;
			fn main(index : i32) {
				let n = index / ${HEAD_WG};
				let tid = index % ${HEAD_WG};
				let pn = n * ${P};
				var lossSum = 0.0;
				for (var r = tid; r < ${B}; r += ${HEAD_WG}) {
					var logit : array<f32, ${NUM_CLASSES}>;
					var mx = -3.4e38;
					for (var j = 0; j < ${NUM_CLASSES}; j++) {
						var z = 0.0;
						for (var k = 0; k < ${h.nIn}; k++) { z += result[${prev.act} + n * ${B * h.nIn} + r * ${h.nIn} + k] * S[pn + ${h.w} + k * ${NUM_CLASSES} + j]; }
						logit[j] = z + S[pn + ${h.b} + j];
						mx = max(mx, logit[j]);
					}
					var se = 0.0;
					for (var j = 0; j < ${NUM_CLASSES}; j++) { se += exp(logit[j] - mx); }
					let lse = mx + log(se);
					let yRow = u32(I[uniforms.row0 + n * ${B} + r]) * ${NUM_CLASSES}u;
					for (var j = 0; j < ${NUM_CLASSES}; j++) {
						let y = f32(Y[yRow + u32(j)]); // a cast tensor may keep its int32 buffer
						let lp = logit[j] - lse;
						lossSum -= y * lp;
						result[${h.d} + n * ${B * NUM_CLASSES} + r * ${NUM_CLASSES} + j] = (exp(lp) - y) / ${B}.0;
					}
				}
				part[tid] = lossSum;
				workgroupBarrier();
				for (var s = ${HEAD_WG / 2}; s > 0; s = s / 2) {
					if (tid < s) { part[tid] += part[tid + s]; }
					workgroupBarrier();
				}
				if (tid == 0) {
					let before = select(result[${this.lossAt} + n], 0.0, uniforms.reset != 0);
					result[${this.lossAt} + n] = before + part[0] / ${B}.0;
				}
			}`,
			HEAD_WG
		);
		// which units add each unit's output as a skip (the stream's gradient passes straight through them)
		const skipReaders = U.map((_, p) => U.map((v, vi) => (v.skip === p ? vi : -1)).filter((vi) => vi >= 0));
		const bwd = U.map((l, i) => {
			const first = l.input < 0;
			const nW = l.nIn * l.nOut;
			// the unit's input rows: the gathered images for the embedding, else its input unit's output
			const inp = (r: string, k: string) => (first ? gathered(r, k) : `result[${U[l.input].act} + n * ${B * l.nIn} + ${r} * ${l.nIn} + ${k}]`);
			const T = nW + l.nOut + (first ? 0 : B * l.nIn);
			const dn = `${l.d} + n * ${B * l.nOut}`; // this net's D of the unit
			let dIn = '';
			let key = `bwd${i}_${K}_${B}_${l.nIn}_${l.nOut}_${l.w}_${l.b}_${l.d}`;
			if (!first) {
				// D of the input unit p: (D·Wᵀ + the D of every unit that adds p's output) ⊙ relu'(p)
				const p = U[l.input];
				const pe = `n * ${B * l.nIn} + e`; // this net's element e of p's output (and D)
				const skips = skipReaders[l.input].map((v) => ` + result[${U[v].d} + ${pe}]`).join('');
				const cond = p.relu ? `if (result[${p.act} + ${pe}] > 0.0) ` : '';
				key += `_${p.act}_${p.d}_${+p.relu}_${skipReaders[l.input].map((v) => U[v].d).join('.')}`;
				dIn = `else {
						let e = t - ${nW + l.nOut};
						let r = e / ${l.nIn};
						let k = e % ${l.nIn};
						var g = 0.0;
						${cond}{
							for (var j = 0; j < ${l.nOut}; j++) { g += result[${dn} + r * ${l.nOut} + j] * S[pn + ${l.w} + k * ${l.nOut} + j]; }
							g = g${skips};
						}
						result[${p.d} + ${pe}] = g;
					}`;
			} else key += `_x`;
			const body = `
				fn main(index : i32) {
					if (uniforms.row0 < 0) { return; }
					${perNet(T)}
					if (t < ${nW}) {
						let k = t / ${l.nOut};
						let j = t % ${l.nOut};
						var g = 0.0;
						for (var r = 0; r < ${B}; r++) { g += ${inp('r', 'k')} * result[${dn} + r * ${l.nOut} + j]; }
						result[pn + ${l.w} + t] = g;
					} else if (t < ${nW + l.nOut}) {
						let j = t - ${nW};
						var g = 0.0;
						for (var r = 0; r < ${B}; r++) { g += result[${dn} + r * ${l.nOut} + j]; }
						result[pn + ${l.b} + j] = g;
					} ${dIn}
				}`;
			// the embedding reads X (not S); the others read S (not X)
			return program(key, first ? ['X', 'I'] : ['S'], wsLen, K * T, 'row0 : i32,', body);
		});
		const KP = K * P;
		const adam = program(
			`adam_${K}_${P}`,
			['G', 'F'],
			3 * KP,
			KP,
			'lr : f32, b1 : f32, b2 : f32, eps : f32, c1 : f32, c2 : f32,',
			`
			fn main(index : i32) {
				if (index >= ${KP}) { return; }
				let g = G[index];
				let m = uniforms.b1 * result[${KP} + index] + uniforms.c1 * g;
				let v = uniforms.b2 * result[${2 * KP} + index] + uniforms.c2 * (g * g);
				result[${KP} + index] = m;
				result[${2 * KP} + index] = v;
				// net n's rate: its factor times the bias-corrected lr (a lone net's factor is 1)
				let lr = F[index / ${P}] * uniforms.lr;
				result[index] = result[index] - m * lr / (sqrt(v) + uniforms.eps);
			}`
		);
		return { fwd, head, bwd, adam };
	}

	private get B() {
		return this.batch;
	}

	/**
	 * Forward, loss and backward for the batch whose rows are `idx[row0 .. row0 + K·batch)` of `x`/`yOneHot`
	 * (net n's are the n-th `batch` of them): the gradients land in workspace[0, K·P), each net's mean loss
	 * is added to its loss slot (or replaces it if `resetLoss`). No readback.
	 */
	gradients(x: tf.Tensor2D, yOneHot: tf.Tensor2D, idx: tf.Tensor1D, row0: number, resetLoss: boolean): void {
		const be = this.backend;
		const ws = this.workspace;
		const u = [{ type: 'int32' as const, data: [row0] }];
		this.progs.fwd.forEach((p, i) => run(be, p, i === 0 ? [this.state, x, idx] : [this.state], u, ws));
		run(be, this.progs.head, [this.state, yOneHot, idx], [...u, { type: 'int32', data: [resetLoss ? 1 : 0] }], ws);
		for (let i = this.units.length - 1; i >= 0; i--) run(be, this.progs.bwd[i], i === 0 ? [x, idx] : [this.state], u, ws);
	}

	/**
	 * `n` training steps on `rows` (n · K · batch row indices, step after step): the indices go up as one
	 * tensor, each step is the fused kernels with no readback, and the loss slots sum the steps' losses
	 * (reset first if `resetLoss`). `nextLr()` gives each step's bias-corrected learning rate. `interrupt`,
	 * between steps, may end the group early; the batches drawn for the rest are skipped. Returns the steps run.
	 */
	async steps(
		x: tf.Tensor2D,
		yOneHot: tf.Tensor2D,
		rows: Int32Array,
		nextLr: () => number,
		resetLoss: boolean,
		interrupt?: () => boolean | Promise<boolean>
	): Promise<{ k: number; stop: boolean }> {
		const perStep = this.K * this.batch;
		const n = rows.length / perStep;
		const idx = tf.tensor1d(rows, 'int32');
		let k = 0;
		let stop = false;
		try {
			while (k < n) {
				this.gradients(x, yOneHot, idx, k * perStep, resetLoss && k === 0);
				this.adam(nextLr(), BETA1, BETA2, EPS);
				k++;
				if (k < n && interrupt && (await interrupt())) {
					stop = true;
					break;
				}
			}
		} finally {
			idx.dispose();
		}
		return { k, stop };
	}

	/** One Adam step from the gradient in the workspace (lr already bias-corrected, as the Trainer's). */
	adam(lrT: number, beta1: number, beta2: number, eps: number): void {
		// one uniform per scalar: tfjs would align a 4-vector as a vec4, not as the struct's f32 fields;
		// 1 − β from the double, as the generic step's tf.mul(g, 1 − β) (1 − f32(0.999) is off by 1e-5)
		const u = [lrT, beta1, beta2, eps, 1 - beta1, 1 - beta2].map((v) => ({ type: 'float32' as const, data: [v] }));
		run(this.backend, this.progs.adam, [this.workspace, this.lrFactor], u, this.state);
	}

	/** Net 0's loss slot (a new scalar tensor; the caller reads and disposes it). */
	lossSum(): tf.Scalar {
		return tf.tidy(() => tf.reshape(tf.slice(this.workspace, [this.lossAt], [1]), [])) as tf.Scalar;
	}

	/** Every net's loss slot (a new tensor of K values). */
	lossSums(): tf.Tensor1D {
		return tf.slice(this.workspace, [this.lossAt], [this.K]);
	}

	/** The gradients (a new tensor of K·P values). */
	gradient(): tf.Tensor1D {
		return tf.slice(this.workspace, [0], [this.K * this.P]);
	}

	/** The parameters (a new tensor of K·P values). */
	params(): tf.Tensor1D {
		return tf.slice(this.state, [0], [this.K * this.P]);
	}

	dispose(): void {
		tf.dispose([this.state, this.workspace, this.lrFactor]);
	}
}
