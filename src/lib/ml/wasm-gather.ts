// tfjs-backend-wasm 4.22's GatherV2 kernel takes ~150–300 ns per gathered element (its C++ loop computes
// every element's source through generic strides): measured in Node here, gathering a batch of 64 images
// (64 × 784 floats) from the training set took 9 ms, more than all the step's matMuls together. Gathering
// whole rows (axis 0, the only gather the Trainer does) is 64 contiguous copies: do that through views of
// the heap, and leave every other gather to the original kernel.
import * as tf from '@tensorflow/tfjs-core';
import { overrideWasmKernel } from './wasm-override';

/** Replace the wasm GatherV2 kernel by row copies for axis-0 gathers. Idempotent. */
export function installWasmGatherFix(): void {
	overrideWasmKernel<{ x: tf.TensorInfo; indices: tf.TensorInfo }, { axis: number; batchDims: number }>('GatherV2', ({ x, indices }, attrs, backend) => {
		const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0];
		if (axis !== 0 || (attrs.batchDims ?? 0) !== 0 || x.dtype === 'string' || indices.dtype !== 'int32' || x.shape.length === 0) return null;
		const rows = x.shape[0];
		const row = tf.util.sizeFromShape(x.shape.slice(1));
		// a copy: makeOutput's malloc may grow (and so replace) the heap under any view
		const ids = Int32Array.from(backend.typedArrayFromHeap(indices) as Int32Array);
		for (const i of ids) tf.util.assert(i >= 0 && i < rows, () => `GatherV2: the index value ${i} is not in [0, ${rows - 1}]`);
		const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
		const [src, dst] = [backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(out)];
		for (let k = 0; k < ids.length; k++) dst.set(src.subarray(ids[k] * row, ids[k] * row + row), k * row);
		return out;
	});
}
