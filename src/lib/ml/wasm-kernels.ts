// The faster replacements for slow tfjs-backend-wasm 4.22 kernels (each put in place by
// ./wasm-override.ts) and the fused Adam update (./wasm-adam.ts), installed together.
import { installWasmAdam } from './wasm-adam';
import { installWasmGatherFix } from './wasm-gather';
import { installWasmSliceFix } from './wasm-slice';

/** Every wasm kernel fix the site runs with (src/lib/ml/backend.ts; scripts/node-tf.ts). Idempotent. */
export function installWasmKernelFixes(): void {
	installWasmSliceFix();
	installWasmGatherFix();
	installWasmAdam();
}
