// One Adam update as a single wasm SIMD loop, for the wasm backend (./adam.ts decides when to use it).
//
// Written as tfjs ops, an Adam update is 12 kernels over the whole parameter vector (mul, add, square,
// sqrt, div, …), each reading and writing it once; measured in Node here they took 0.45 ms of the default
// 2.6 ms training step (784-128-128-10, batch 64), tfjs's scalar Sqrt alone 0.17 ms. A plain JS loop is
// no faster (0.78 ms with the float32 rounding below): sqrt and divide in doubles, one lane at a time.
// So the loop is a tiny WebAssembly module that imports the tfjs wasm backend's own memory and runs
// on its tensors in place, four lanes at a time.
//
// It gives the same bits as the ops: f32x4 add, sub, mul, div and sqrt are IEEE float32 operations,
// correctly rounded like the backend's kernels, done in the same order ((m·lr)/(√v + ε)); the unit test
// holds that. Leftover lanes (a run whose length is not a multiple of 4) are done in JS, where
// Math.fround after each double operation gives the float32 result.
//
// The module, in WebAssembly text:
//   (func (export "adam") (param $p $m $v $g $outP $outM $outV $quads i32)
//                         (param $lr $b1 $c1 $b2 $c2 $eps f32)
//     for each 16-byte offset o below 16·$quads:
//       g = load($g+o);  m = load($m+o)·b1 + g·c1;  v = load($v+o)·b2 + (g·g)·c2
//       store($outM+o, m);  store($outV+o, v);  store($outP+o, load($p+o) − (m·lr)/(sqrt(v) + eps))
import * as tf from '@tensorflow/tfjs-core';
import type { WasmBackendLike } from './wasm-override';

export const WASM_ADAM_KERNEL = 'NrsAdamUpdate';

export type AdamAttrs = {
	/** the bias-corrected learning rate of each row (params holds rowLr.length equal rows) */
	rowLr: number[];
	beta1: number;
	beta2: number;
	eps: number;
};

// --- a few opcodes (WebAssembly core spec, binary format; SIMD proposal, now standard) -----------------
const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const I32_CONST = 0x41;
const I32_ADD = 0x6a;
const I32_MUL = 0x6c;
const I32_GE_U = 0x4f;
const BLOCK = 0x02;
const LOOP = 0x03;
const BR = 0x0c;
const BR_IF = 0x0d;
const END = 0x0b;
const EMPTY = 0x40;
const SIMD = 0xfd;
const V128_LOAD = [SIMD, 0x00, 0x00, 0x00]; // align hint 1 byte, offset 0
const V128_STORE = [SIMD, 0x0b, 0x00, 0x00];
const F32X4_SPLAT = [SIMD, 0x13];
const F32X4_SQRT = [SIMD, 0xe3, 0x01];
const F32X4_ADD = [SIMD, 0xe4, 0x01];
const F32X4_SUB = [SIMD, 0xe5, 0x01];
const F32X4_MUL = [SIMD, 0xe6, 0x01];
const F32X4_DIV = [SIMD, 0xe7, 0x01];

function uleb(n: number): number[] {
	const out: number[] = [];
	do {
		let byte = n & 0x7f;
		n >>>= 7;
		if (n !== 0) byte |= 0x80;
		out.push(byte);
	} while (n !== 0);
	return out;
}
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
const name = (s: string) => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

function adamModuleBytes(): Uint8Array<ArrayBuffer> {
	// params 0–7: p, m, v, g, outP, outM, outV, quads (i32); 8–13: lr, b1, c1, b2, c2, eps (f32)
	const [P, M, V, G, OUT_P, OUT_M, OUT_V, QUADS] = [0, 1, 2, 3, 4, 5, 6, 7];
	// locals 14–15: offset, end (i32); 16–21: the six f32 params splatted (v128); 22–24: g, m, v lanes
	const [OFF, END_OFF, LR4, B1, C1, B2, C2, EPS4, GL, ML, VL] = [14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24];
	const get = (i: number) => [LOCAL_GET, i];
	const set = (i: number) => [LOCAL_SET, i];
	const at = (base: number) => [...get(base), ...get(OFF), I32_ADD];
	const body = [
		...[...uleb(2), ...uleb(2), I32, ...uleb(9), V128], // locals: 2 × i32, 9 × v128
		...[8, 9, 10, 11, 12, 13].flatMap((param, i) => [...get(param), ...F32X4_SPLAT, ...set(LR4 + i)]),
		...get(QUADS), I32_CONST, 16, I32_MUL, ...set(END_OFF),
		BLOCK, EMPTY, LOOP, EMPTY,
		...get(OFF), ...get(END_OFF), I32_GE_U, BR_IF, 1,
		...at(G), ...V128_LOAD, ...set(GL),
		...at(M), ...V128_LOAD, ...get(B1), ...F32X4_MUL, ...get(GL), ...get(C1), ...F32X4_MUL, ...F32X4_ADD, ...set(ML),
		...at(V), ...V128_LOAD, ...get(B2), ...F32X4_MUL, ...get(GL), ...get(GL), ...F32X4_MUL, ...get(C2), ...F32X4_MUL, ...F32X4_ADD, ...set(VL),
		...at(OUT_M), ...get(ML), ...V128_STORE,
		...at(OUT_V), ...get(VL), ...V128_STORE,
		...at(OUT_P),
		...at(P), ...V128_LOAD,
		...get(ML), ...get(LR4), ...F32X4_MUL,
		...get(VL), ...F32X4_SQRT, ...get(EPS4), ...F32X4_ADD,
		...F32X4_DIV, ...F32X4_SUB,
		...V128_STORE,
		...get(OFF), I32_CONST, 16, I32_ADD, ...set(OFF),
		BR, 0,
		END, END, END
	];
	const code = [...uleb(body.length), ...body];
	return new Uint8Array([
		...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
		...section(1, [1, 0x60, 14, ...Array(8).fill(I32), ...Array(6).fill(F32), 0]),
		...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 0x00]), // memory, min 0, no max
		...section(3, [1, 0]),
		...section(7, [1, ...name('adam'), 0x00, 0]),
		...section(10, [1, ...code])
	]);
}

type AdamFn = (p: number, m: number, v: number, g: number, outP: number, outM: number, outV: number, quads: number, lr: number, b1: number, c1: number, b2: number, c2: number, eps: number) => void;

let compiled: WebAssembly.Module | null | undefined;
const instances = new WeakMap<WebAssembly.Memory, AdamFn>();

/** The loop bound to `memory`, or null where this engine has no wasm SIMD or the memory is shared. */
function adamFor(memory: WebAssembly.Memory): AdamFn | null {
	if (typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer) return null;
	const known = instances.get(memory);
	if (known) return known;
	if (compiled === undefined) {
		try {
			const bytes = adamModuleBytes();
			compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
		} catch {
			compiled = null;
		}
	}
	if (compiled === null) return null;
	const fn = new WebAssembly.Instance(compiled, { env: { memory } }).exports.adam as AdamFn;
	instances.set(memory, fn);
	return fn;
}

type WasmBackend = WasmBackendLike & { wasm?: { asm?: { memory?: WebAssembly.Memory } } };

function memoryOf(backend: WasmBackend): WebAssembly.Memory | null {
	const memory = backend.wasm?.asm?.memory;
	return memory instanceof WebAssembly.Memory ? memory : null;
}

/** Whether the current backend is wasm and can run the fused update (SIMD, unshared memory). */
export function wasmAdamAvailable(): boolean {
	if (tf.getBackend() !== 'wasm' || !tf.getKernel(WASM_ADAM_KERNEL, 'wasm')) return false;
	const memory = memoryOf(tf.backend() as unknown as WasmBackend);
	return memory !== null && adamFor(memory) !== null;
}

/** Register the fused Adam kernel on the wasm backend. Idempotent; does nothing while wasm is not loaded. */
export function installWasmAdam(): void {
	if (!tf.getKernel('Sqrt', 'wasm') || tf.getKernel(WASM_ADAM_KERNEL, 'wasm')) return;
	tf.registerKernel({
		kernelName: WASM_ADAM_KERNEL,
		backendName: 'wasm',
		kernelFunc: ({ inputs, attrs, backend }) => wasmAdam(inputs as Record<string, tf.TensorInfo>, attrs as unknown as AdamAttrs, backend as unknown as WasmBackend)
	});
}

/**
 * inputs: params, m, v (same shape, float32) and the gradient as g0, g1, … whose concatenation, in
 * order, has params' size. Returns the new params, m and v.
 */
function wasmAdam(inputs: Record<string, tf.TensorInfo>, attrs: AdamAttrs, backend: WasmBackend): tf.TensorInfo[] {
	const { params, m, v } = inputs;
	const parts: tf.TensorInfo[] = [];
	for (let i = 0; `g${i}` in inputs; i++) parts.push(inputs[`g${i}`]);
	const size = tf.util.sizeFromShape(params.shape);
	const all = [params, m, v, ...parts];
	if (all.some((t) => t.dtype !== 'float32')) throw new Error(`${WASM_ADAM_KERNEL}: every input must be float32.`);
	if (tf.util.sizeFromShape(m.shape) !== size || tf.util.sizeFromShape(v.shape) !== size) throw new Error(`${WASM_ADAM_KERNEL}: m and v must match params.`);
	if (parts.reduce((s, t) => s + tf.util.sizeFromShape(t.shape), 0) !== size) throw new Error(`${WASM_ADAM_KERNEL}: the gradient parts do not add up to params.`);
	const rows = attrs.rowLr.length;
	if (!(rows >= 1) || size % rows !== 0) throw new Error(`${WASM_ADAM_KERNEL}: ${size} parameters do not split into ${rows} rows.`);
	const memory = memoryOf(backend);
	const adam = memory && adamFor(memory);
	if (!adam) throw new Error(`${WASM_ADAM_KERNEL}: this wasm engine cannot run the fused update.`);

	const outs = [params, m, v].map((t) => backend.makeOutput(t.shape, 'float32'));
	// addresses taken after every makeOutput: a malloc may grow (and so replace) the heap's buffer
	const addr = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t).byteOffset;
	const [pA, mA, vA, oP, oM, oV] = [params, m, v, ...outs].map(addr);
	const rowLen = size / rows;
	const { beta1, beta2, eps } = attrs;
	const [c1, c2] = [1 - beta1, 1 - beta2];
	const heap = new Float32Array(memory.buffer);
	const f = Math.fround;
	// float32 constants, as tfjs makes its scalars
	const [b1f, c1f, b2f, c2f, epsf] = [beta1, c1, beta2, c2, eps].map(f);
	let pos = 0;
	for (const part of parts) {
		const gA = addr(part);
		const n = tf.util.sizeFromShape(part.shape);
		let done = 0;
		while (done < n) {
			const row = Math.floor(pos / rowLen);
			const len = Math.min(n - done, (row + 1) * rowLen - pos);
			const lr = attrs.rowLr[row];
			const quads = len >>> 2;
			const o = 4 * pos;
			adam(pA + o, mA + o, vA + o, gA + 4 * done, oP + o, oM + o, oV + o, quads, lr, beta1, c1, beta2, c2, eps);
			const lrf = f(lr);
			for (let k = quads * 4; k < len; k++) {
				const [i, gi] = [pos + k, heap[gA / 4 + done + k]];
				const mi = f(f(heap[mA / 4 + i] * b1f) + f(gi * c1f));
				const vi = f(f(heap[vA / 4 + i] * b2f) + f(f(gi * gi) * c2f));
				heap[oM / 4 + i] = mi;
				heap[oV / 4 + i] = vi;
				heap[oP / 4 + i] = f(heap[pA / 4 + i] - f(f(mi * lrf) / f(f(Math.sqrt(vi)) + epsf)));
			}
			pos += len;
			done += len;
		}
	}
	return outs;
}
