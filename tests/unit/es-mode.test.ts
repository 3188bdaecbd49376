// Which path evaluates an ES / GA population on each backend (es.ts defaultEvalMode): the per-candidate
// loop on wasm, where `npm run bench` measured it faster, the batched path elsewhere. Both paths give the
// same losses (credit.test.ts), so the choice changes speed only.
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { smallMnist, useCpu } from './setup';
import { TrainingData } from '../../src/lib/ml/trainer';
import { defaultEvalMode, EvolutionStrategy, evaluatePopulation, mlpConfig, mlpParamCount } from '../../src/lib/ml/es';
import { initParams } from '../../src/lib/ml/model';

describe('ES population path per backend', () => {
	afterAll(useCpu);

	it('is the loop on wasm and batched on cpu, webgl and webgpu', () => {
		expect(defaultEvalMode('wasm')).toBe('loop');
		for (const b of ['cpu', 'webgl', 'webgpu']) expect(defaultEvalMode(b)).toBe('batched');
	});

	it('an EvolutionStrategy built on wasm takes the loop and matches the batched losses there', async () => {
		await tf.setBackend('wasm');
		await tf.ready();
		const data = new TrainingData(smallMnist(64, 1));
		const es = new EvolutionStrategy({ width: 4, seed: 1, pairs: 3, sigma: 0.05, learningRate: 0.01, batchSize: 16 }, data);
		expect(es.mode).toBe('loop');
		const n0 = tf.memory().numTensors;
		await es.step();
		expect(tf.memory().numTensors).toBe(n0);
		es.dispose();
		const d = mlpParamCount(4);
		const flat = new Float32Array(4 * d);
		for (let c = 0; c < 4; c++) flat.set(initParams(mlpConfig(4), c), c * d);
		const thetas = tf.tensor2d(flat, [4, d]);
		const [a, b] = [evaluatePopulation('batched', 4, thetas, data.x, data.yOneHot), evaluatePopulation('loop', 4, thetas, data.x, data.yOneHot)];
		const [va, vb] = [await a.data(), await b.data()];
		for (let i = 0; i < 4; i++) expect(va[i]).toBeCloseTo(vb[i], 4);
		tf.dispose([a, b, thetas]);
		data.dispose();
		await useCpu();
		const onCpu = new TrainingData(smallMnist(64, 1));
		const esCpu = new EvolutionStrategy({ width: 4, seed: 1, pairs: 3, sigma: 0.05, learningRate: 0.01, batchSize: 16 }, onCpu);
		expect(esCpu.mode).toBe('batched');
		esCpu.dispose();
		onCpu.dispose();
	});
});
