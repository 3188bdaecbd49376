// tfjs-backend-wasm 4.22's Slice kernel copies its WHOLE input out of the wasm heap (`readSync`, a fresh
// ArrayBuffer) for every slice, however small. The Trainer slices its flat parameter vector into the
// net's matrices every step (model.ts `unpack`): for 784-128-128-10 that is six copies of 470 KB per
// step. In Chrome those allocations cost ~4 ms a step (a CPU profile of /bench?backend=wasm put 940 ms of
// a 6.8 s run in that readSync), which is most of why the page's wasm step was ~4× slower than Node's
// (issue 15). A contiguous slice needs no copy of the input: read it through a view of the heap.
import * as tf from '@tensorflow/tfjs-core';
import { overrideWasmKernel } from './wasm-override';

/** Replace the wasm Slice kernel by one that copies only the slice when it is contiguous. Idempotent. */
export function installWasmSliceFix(): void {
	overrideWasmKernel<{ x: tf.TensorInfo }, { begin: number | number[]; size: number | number[] }>('Slice', ({ x }, attrs, backend) => {
		const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs.begin, attrs.size);
		if (x.dtype === 'string' || !tf.slice_util.isSliceContinous(x.shape, begin, size)) return null;
		const offset = tf.slice_util.computeFlatOffset(begin, tf.util.computeStrides(x.shape));
		const n = tf.util.sizeFromShape(size);
		const out = backend.makeOutput(size, x.dtype);
		// views taken after makeOutput: its malloc may grow (and so replace) the heap
		backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(x).subarray(offset, offset + n));
		return out;
	});
}
