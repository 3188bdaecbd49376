// The two nets of the modularity essay, as plain tensors and plain functions.
//
//   embed:    h0 = relu(x·We + be)                       784 → width
//   residual: h  = h + f_i(h),  f_i(h) = relu(h·A_i + a_i)·B_i + b_i
//   plain:    h  = relu(h·W_i + c_i)                     (one matrix: the other essays' MLP layers)
//   mlp:      h  = f_i(h)                                 (twoMatrix: the residual block minus its skip;
//                                                          the modularity essay's control)
//   head:     logits = h·Wh + bh                         width → 10
//
// All parameters live in one flat Float32 vector (layout below). Training keeps that vector in a single
// tf.Variable so Adam is a handful of ops per step instead of a handful per tensor; evaluation slices it
// once into named views. Blocks are addressed by index, so running them in any order, dropping or
// repeating one never copies a weight.
import * as tf from '@tensorflow/tfjs-core';
import { IMAGE_SIZE, NUM_CLASSES } from './data';
import { type NetConfig, paramCount, paramLayout } from './net-layout';
import { makeRng, normalArray } from './rng';

// The flat layout (tf-free, so the page can count parameters without tfjs): ./net-layout.ts
export { paramCount, paramLayout, type NetConfig, type ParamSlot } from './net-layout';

export type InitOptions = {
	/** Residual nets: multiplies the init scale of every block's output matrix B (1 = the default). */
	bScale?: number;
};

/**
 * Seeded initialisation. He-normal for layers followed by a ReLU; the residual branch's output matrix
 * B is scaled by 1/√depth so the stream's norm does not grow with depth at init (a standard choice,
 * and the one in the research pilot). Biases start at zero.
 */
export function initParams(cfg: NetConfig, seed: number, opts: InitOptions = {}): Float32Array {
	const rng = makeRng(seed, 7);
	const flat = new Float32Array(paramCount(cfg));
	const w = cfg.width;
	for (const slot of paramLayout(cfg)) {
		const kind = slot.name.split('.')[1];
		let std = 0;
		if (slot.name === 'embed.W') std = Math.sqrt(2 / IMAGE_SIZE);
		else if (slot.name === 'head.W') std = Math.sqrt(1 / w);
		else if (kind === 'A' || kind === 'W') std = Math.sqrt(2 / w);
		// without a skip, B's output is the next block's whole input: √(1/w) keeps its scale (its input,
		// relu(hA + a) under He-normal A, already has the stream's second moment)
		else if (kind === 'B') std = cfg.residual ? ((opts.bScale ?? 1) * Math.sqrt(1 / w)) / Math.sqrt(cfg.depth) : Math.sqrt(1 / w);
		if (std > 0) flat.set(normalArray(slot.size, std, rng), slot.offset);
	}
	return flat;
}

/** tf.fused.matMul with its 2-D result type (tfjs types every op's output as a generic Tensor). */
function mm(args: Parameters<typeof tf.fused.matMul>[0]): tf.Tensor2D {
	return tf.fused.matMul(args) as tf.Tensor2D;
}

export type ResidualBlock = { kind: 'residual'; A: tf.Tensor2D; a: tf.Tensor1D; B: tf.Tensor2D; b: tf.Tensor1D };
export type PlainBlock = { kind: 'plain'; W: tf.Tensor2D; c: tf.Tensor1D };
/** The residual block's two matrices without the skip (NetConfig.twoMatrix). */
export type MlpBlock = { kind: 'mlp'; A: tf.Tensor2D; a: tf.Tensor1D; B: tf.Tensor2D; b: tf.Tensor1D };
export type Block = ResidualBlock | PlainBlock | MlpBlock;

export type Net = {
	cfg: NetConfig;
	embedW: tf.Tensor2D;
	embedB: tf.Tensor1D;
	blocks: Block[];
	headW: tf.Tensor2D;
	headB: tf.Tensor1D;
};

/** Named views of a flat parameter tensor (slices; the caller owns and disposes them). */
export function unpack(flat: tf.Tensor1D, cfg: NetConfig): Net {
	const slots = paramLayout(cfg);
	let k = 0;
	const next = <T extends tf.Tensor>(): T => {
		const s = slots[k++];
		return tf.reshape(tf.slice(flat, [s.offset], [s.size]), s.shape) as T;
	};
	const embedW = next<tf.Tensor2D>();
	const embedB = next<tf.Tensor1D>();
	const blocks: Block[] = [];
	for (let i = 0; i < cfg.depth; i++) {
		if (cfg.residual || cfg.twoMatrix) {
			const A = next<tf.Tensor2D>();
			const a = next<tf.Tensor1D>();
			const B = next<tf.Tensor2D>();
			const b = next<tf.Tensor1D>();
			blocks.push({ kind: cfg.residual ? 'residual' : 'mlp', A, a, B, b });
		} else {
			const W = next<tf.Tensor2D>();
			const c = next<tf.Tensor1D>();
			blocks.push({ kind: 'plain', W, c });
		}
	}
	const headW = next<tf.Tensor2D>();
	const headB = next<tf.Tensor1D>();
	return { cfg, embedW, embedB, blocks, headW, headB };
}

export function netTensors(net: Net): tf.Tensor[] {
	const out: tf.Tensor[] = [net.embedW, net.embedB];
	for (const b of net.blocks) out.push(...(b.kind === 'plain' ? [b.W, b.c] : [b.A, b.a, b.B, b.b]));
	out.push(net.headW, net.headB);
	return out;
}

export function disposeNet(net: Net): void {
	tf.dispose(netTensors(net));
}

export function embed(net: Net, x: tf.Tensor2D): tf.Tensor2D {
	return mm({ a: x, b: net.embedW, bias: net.embedB, activation: 'relu' });
}

/** What block i adds to the stream (residual) — the "edit" whose size explains the essay. */
export function residualDelta(block: ResidualBlock | MlpBlock, h: tf.Tensor2D): tf.Tensor2D {
	const r = mm({ a: h, b: block.A, bias: block.a, activation: 'relu' });
	return mm({ a: r, b: block.B, bias: block.b });
}

export function applyBlock(block: Block, h: tf.Tensor2D): tf.Tensor2D {
	if (block.kind === 'residual') return tf.add(h, residualDelta(block, h)) as tf.Tensor2D;
	if (block.kind === 'mlp') return residualDelta(block, h);
	return mm({ a: h, b: block.W, bias: block.c, activation: 'relu' });
}

export function head(net: Net, h: tf.Tensor2D): tf.Tensor2D {
	return mm({ a: h, b: net.headW, bias: net.headB });
}

/** Run blocks in the given order (indices may repeat or be missing) starting from stream h. */
export function runBlocks(net: Net, h: tf.Tensor2D, order: readonly number[]): tf.Tensor2D {
	let cur = h;
	for (const i of order) cur = applyBlock(net.blocks[i], cur);
	return cur;
}

export function identityOrder(depth: number): number[] {
	return Array.from({ length: depth }, (_, i) => i);
}

export function forward(net: Net, x: tf.Tensor2D, order: readonly number[] = identityOrder(net.cfg.depth)) {
	return head(net, runBlocks(net, embed(net, x), order));
}

// On the wasm (and cpu) backend a matMul with a transpose flag takes a slow path: measured in Node here,
// [128,784]ᵀ·[128,128] took 8.8 ms with transposeA but 1.4 ms as an explicit transpose plus a plain
// matMul. GPU backends transpose for free inside the kernel, so keep the flag there.
function cpuLike(): boolean {
	const b = tf.getBackend();
	return b === 'wasm' || b === 'cpu';
}
/** aᵀ·b */
export function matMulAT(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
	return (cpuLike() ? tf.matMul(tf.transpose(a), b) : tf.matMul(a, b, true, false)) as tf.Tensor2D;
}
/** a·bᵀ */
export function matMulBT(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
	return (cpuLike() ? tf.matMul(a, tf.transpose(b)) : tf.matMul(a, b, false, true)) as tf.Tensor2D;
}

/**
 * Mean softmax cross-entropy and the gradient of every parameter, in paramLayout order, by hand-written
 * backprop. Writing the backward pass out (instead of tf's tape) lets a step be ~30 ops on one flat
 * vector, and it is checked against finite differences in the unit tests.
 * `active[i] === false` skips block i in this step (stochastic depth); its gradients are zero.
 */
export function lossAndGrads(
	net: Net,
	x: tf.Tensor2D,
	yOneHot: tf.Tensor2D,
	active?: readonly boolean[]
): { loss: tf.Scalar; grads: tf.Tensor[] } {
	const n = x.shape[0];
	const w = net.cfg.width;
	const h0 = embed(net, x);
	type Saved = { hIn: tf.Tensor2D; z?: tf.Tensor2D; r?: tf.Tensor2D; out?: tf.Tensor2D };
	const saved: (Saved | null)[] = [];
	let h = h0;
	for (let i = 0; i < net.blocks.length; i++) {
		const block = net.blocks[i];
		if (active && !active[i]) {
			saved.push(null);
			continue;
		}
		if (block.kind !== 'plain') {
			const z = mm({ a: h, b: block.A, bias: block.a });
			const r = tf.relu(z) as tf.Tensor2D;
			const f = mm({ a: r, b: block.B, bias: block.b });
			const out = block.kind === 'residual' ? (tf.add(h, f) as tf.Tensor2D) : f;
			saved.push({ hIn: h, z, r });
			h = out;
		} else {
			const out = mm({ a: h, b: block.W, bias: block.c, activation: 'relu' });
			saved.push({ hIn: h, out });
			h = out;
		}
	}
	const logits = head(net, h);
	const logProbs = tf.logSoftmax(logits);
	const loss = tf.mul(tf.sum(tf.mul(yOneHot, logProbs)), -1 / n) as tf.Scalar;
	// d loss / d logits = (softmax − y) / n
	let g = tf.mul(tf.sub(tf.exp(logProbs), yOneHot), 1 / n) as tf.Tensor2D;
	const gHeadW = matMulAT(h, g);
	const gHeadB = tf.sum(g, 0);
	g = matMulBT(g, net.headW);
	const blockGrads: tf.Tensor[][] = [];
	for (let i = net.blocks.length - 1; i >= 0; i--) {
		const block = net.blocks[i];
		const s = saved[i];
		if (s === null) {
			blockGrads[i] =
				block.kind !== 'plain'
					? [tf.zeros([w, w]), tf.zeros([w]), tf.zeros([w, w]), tf.zeros([w])]
					: [tf.zeros([w, w]), tf.zeros([w])];
			continue;
		}
		if (block.kind !== 'plain') {
			const gB = matMulAT(s.r!, g);
			const gb = tf.sum(g, 0);
			const gr = matMulBT(g, block.B);
			const gz = tf.mul(gr, tf.step(s.z!)) as tf.Tensor2D;
			const gA = matMulAT(s.hIn, gz);
			const ga = tf.sum(gz, 0);
			// the skip passes the gradient straight through; without it only the branch's path remains
			const gh = matMulBT(gz, block.A);
			g = block.kind === 'residual' ? (tf.add(g, gh) as tf.Tensor2D) : gh;
			blockGrads[i] = [gA, ga, gB, gb];
		} else {
			const gz = tf.mul(g, tf.step(s.out!)) as tf.Tensor2D;
			const gW = matMulAT(s.hIn, gz);
			const gc = tf.sum(gz, 0);
			g = matMulBT(gz, block.W);
			blockGrads[i] = [gW, gc];
		}
	}
	const gz0 = tf.mul(g, tf.step(h0)) as tf.Tensor2D;
	const gEmbedW = matMulAT(x, gz0);
	const gEmbedB = tf.sum(gz0, 0);
	return { loss, grads: [gEmbedW, gEmbedB, ...blockGrads.flat(), gHeadW, gHeadB] };
}
