// How a wasm kernel is replaced (./wasm-slice.ts, ./wasm-gather.ts): once, keeping the original for every
// call the replacement does not handle.
import * as tf from '@tensorflow/tfjs-core';

/** The two methods of the wasm backend the replacements use (typed here: the package exports no type). */
export type WasmBackendLike = {
	makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
	typedArrayFromHeap(t: tf.TensorInfo): tf.TypedArray;
};

const replaced = new Set<string>();

/**
 * Replace the wasm kernel `name` by `fast`, which returns null for inputs it leaves to the original.
 * Idempotent; does nothing while the wasm backend is not loaded.
 */
export function overrideWasmKernel<I, A>(name: string, fast: (inputs: I, attrs: A, backend: WasmBackendLike) => tf.TensorInfo | null): void {
	if (replaced.has(name)) return;
	const original = tf.getKernel(name, 'wasm');
	if (!original) return;
	replaced.add(name);
	tf.unregisterKernel(name, 'wasm');
	tf.registerKernel({
		...original,
		kernelFunc: (args) => fast(args.inputs as I, args.attrs as A, args.backend as unknown as WasmBackendLike) ?? original.kernelFunc(args)
	});
}
