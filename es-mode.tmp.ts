// temporary: ES population evaluation, batched vs loop, per backend, alternating runs
import * as tf from '@tensorflow/tfjs-core';
import { loadMnistFromDisk, useBackend } from './scripts/node-tf';
import { IMAGE_SIZE } from './src/lib/ml/data';
import { TrainingData } from './src/lib/ml/trainer';
import { initParams } from './src/lib/ml/model';
import { mlpConfig, mlpParamCount, pairNoise, populationLosses, populationLossesLoop } from './src/lib/ml/es';
const backend = process.argv[2] ?? 'wasm';
await useBackend(backend);
tf.env().set('IS_TEST', false);
const mnist = loadMnistFromDisk();
const train = new TrainingData(mnist);
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
for (const [width, pairs, batch] of [[32, 20, 128], [32, 64, 128], [128, 20, 128]]) {
	const d = mlpParamCount(width);
	const x = tf.slice(train.x, [0, 0], [batch, IMAGE_SIZE]) as tf.Tensor2D;
	const y = tf.slice(train.yOneHot, [0, 0], [batch, 10]) as tf.Tensor2D;
	const theta = tf.tensor1d(initParams(mlpConfig(width), 1));
	const noise = new Float32Array(pairs * d);
	for (let i = 0; i < pairs; i++) noise.set(pairNoise(1, 0, i, d), i * d);
	const thetas = tf.tidy(() => { const e = tf.mul(tf.tensor2d(noise, [pairs, d]), 0.03); return tf.concat([tf.add(theta, e), tf.sub(theta, e)]) as tf.Tensor2D; });
	const time = async (f: () => tf.Tensor) => { const t0 = performance.now(); const t = f(); await t.data(); t.dispose(); return performance.now() - t0; };
	const b: number[] = [], l: number[] = [];
	for (let r = 0; r < 9; r++) {
		const tb = await time(() => populationLosses(width, thetas, x, y));
		const tl = await time(() => populationLossesLoop(width, thetas, x, y));
		if (r >= 2) { b.push(tb); l.push(tl); }
	}
	console.log(`${backend} h=${width} N=${pairs} B=${batch}: batched ${med(b).toFixed(1)} ms, loop ${med(l).toFixed(1)} ms, loop/batched ${(med(l) / med(b)).toFixed(2)}x  [b ${b.map((v) => v.toFixed(0))}] [l ${l.map((v) => v.toFixed(0))}]`);
	tf.dispose([x, y, theta, thetas]);
}
