// tfjs in Node for the repo's scripts: the pure wasm backend (tfjs-node needs a download and fails
// here), cpu as a fallback. Returns the backend in use.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { installWasmKernelFixes } from '../src/lib/ml/wasm-kernels';
import type { Mnist } from '../src/lib/ml/data';
import { readMnist } from './mnist-file';

tf.env().set('IS_TEST', true); // silences the "install tfjs-node" banner
installWasmKernelFixes(); // as the site does (src/lib/ml/backend.ts)

export async function useBackend(name = process.env.TF_BACKEND ?? 'wasm'): Promise<string> {
	if (!(await tf.setBackend(name))) await tf.setBackend('cpu');
	await tf.ready();
	return tf.getBackend();
}

export function loadMnistFromDisk(root = process.cwd()): Mnist {
	return readMnist(root);
}
