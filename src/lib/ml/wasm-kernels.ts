// The faster replacements for slow tfjs-backend-wasm 4.22 kernels, installed together (each is put in
// place by ./wasm-override.ts).
import { installWasmGatherFix } from './wasm-gather';
import { installWasmSliceFix } from './wasm-slice';

/** Every wasm kernel fix the site runs with (src/lib/ml/backend.ts; scripts/node-tf.ts). Idempotent. */
export function installWasmKernelFixes(): void {
	installWasmSliceFix();
	installWasmGatherFix();
}
