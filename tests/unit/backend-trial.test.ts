// The chooser's pick between a real GPU and wasm by a measured trial (src/lib/ml/backend.ts).
import { describe, expect, it } from 'vitest';
import { chooseByTrial } from '../../src/lib/ml/backend';
import { trialStepMs } from '../../src/lib/ml/backend-trial';
import { useCpu } from './setup';

describe('choosing between webgpu and wasm by a trial', () => {
	it('picks the faster and says both times', () => {
		const slowGpu = chooseByTrial(6.05, 5.47, 'WebGPU adapter: hopper');
		expect(slowGpu.name).toBe('wasm');
		expect(slowGpu.reason).toBe('wasm: measured wasm 5.5 ms/step vs webgpu 6.0 ms (WebGPU adapter: hopper)');
		const fastGpu = chooseByTrial(0.6, 5, 'WebGPU adapter: hopper');
		expect(fastGpu.name).toBe('webgpu');
		expect(fastGpu.reason).toMatch(/^webgpu: measured webgpu 0\.6 ms\/step vs wasm 5\.0 ms/);
	});

	it('keeps webgpu on a tie and when wasm did not measure, and drops it when its trial did not', () => {
		expect(chooseByTrial(3, 3, '').name).toBe('webgpu');
		expect(chooseByTrial(3, NaN, '').name).toBe('webgpu');
		expect(chooseByTrial(NaN, 3, '').name).toBe('wasm');
	});

	it('the trial measures a positive step time and leaves no tensors', async () => {
		await useCpu();
		const tf = await import('@tensorflow/tfjs-core');
		const n0 = tf.memory().numTensors;
		const ms = await trialStepMs(2);
		expect(ms).toBeGreaterThan(0);
		expect(tf.memory().numTensors).toBe(n0);
	});
});
