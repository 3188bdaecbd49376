// The modularity experiment: train a residual MLP and its control (the same blocks without their skips)
// with the same seed, data order and budget, then run the same surgeries on both.
import type { TrainMetrics } from '../trainer';
import { Trainer, type TrainConfig, type TrainingData, testAccuracy } from '../trainer';
import type { NetConfig } from '../model';
import { type SurgeryReport, LoadedNet } from '../surgery';
import { buildAll, type CurvePoint, type TestSet, type TrainHooks as Hooks } from './common';
import { ARCHS, type Arch, type ModularitySettings } from './modularity-defaults';

// Settings and names (./modularity-defaults), the summary and verdict (./modularity-analysis) and the
// shared helpers (./common) are free of tfjs, for the page; re-exported here for the worker and scripts.
export { ARCHS, type Arch, type ModularitySettings } from './modularity-defaults';
export { headline, verdict } from './modularity-analysis';
export { aggregate, type CurvePoint, type Stat, type Verdict } from './common';

export function netConfig(s: ModularitySettings, arch: Arch): NetConfig {
	// the control is the residual block minus its skip: same two matrices, same parameter count
	return arch === 'residual' ? { depth: s.depth, width: s.width, residual: true } : { depth: s.depth, width: s.width, residual: false, twoMatrix: true };
}

export function trainConfig(s: ModularitySettings, arch: Arch): TrainConfig {
	return { ...netConfig(s, arch), seed: s.seed, learningRate: s.learningRate, batchSize: s.batchSize, layerDrop: s.layerDrop, bScale: s.bScale };
}

export type TrainedNet = { arch: Arch; config: NetConfig; params: Float32Array; curve: CurvePoint[]; testAccuracy: number };
export type TrainProgress = { arch: Arch; point: CurvePoint; totalSteps: number };
export type TrainHooks = Hooks<TrainProgress>;

/** Train both nets in interleaved chunks. */
export async function trainPair(
	s: ModularitySettings,
	train: TrainingData,
	test: TestSet,
	hooks: TrainHooks = {}
): Promise<Record<Arch, TrainedNet>> {
	const chunkSize = () => Math.max(1, Math.round(typeof hooks.chunk === 'function' ? hooks.chunk() : (hooks.chunk ?? 50)));
	const accuracyEvery = hooks.accuracyEvery ?? 2;
	const built = buildAll(ARCHS.map((a) => () => new Trainer(trainConfig(s, a), train)));
	const trainers = Object.fromEntries(ARCHS.map((a, i) => [a, built[i]])) as Record<Arch, Trainer>;
	const curves: Record<Arch, CurvePoint[]> = { residual: [], plain: [] };
	try {
		let chunks = 0;
		while (trainers.residual.step < s.steps) {
			await hooks.waitWhilePaused?.();
			if (hooks.shouldStop?.()) break;
			chunks++;
			const n = Math.min(chunkSize(), s.steps - trainers.residual.step);
			for (const arch of ARCHS) {
				const t = trainers[arch];
				const [m] = (await t.train(n, { readEvery: n, interrupt: hooks.interrupt })) as TrainMetrics[];
				const measure = t.step >= s.steps || (accuracyEvery > 0 && chunks % accuracyEvery === 0);
				const accuracy = measure ? await testAccuracy(t.cfg, t.params, test.x, test.labels) : null;
				const point = { step: m.step, loss: m.loss, accuracy };
				curves[arch].push(point);
				await hooks.onProgress?.({ arch, point, totalSteps: s.steps });
			}
		}
		const out = {} as Record<Arch, TrainedNet>;
		for (const arch of ARCHS) {
			const t = trainers[arch];
			const last = curves[arch].at(-1);
			out[arch] = {
				arch,
				config: netConfig(s, arch),
				params: await t.snapshot(),
				curve: curves[arch],
				testAccuracy: last?.accuracy ?? (await testAccuracy(t.cfg, t.params, test.x, test.labels))
			};
		}
		return out;
	} finally {
		for (const arch of ARCHS) trainers[arch].dispose();
	}
}

export async function analyse(net: { config: NetConfig; params: Float32Array }, test: TestSet): Promise<SurgeryReport> {
	const loaded = new LoadedNet(net.config, net.params, test);
	try {
		return await loaded.report();
	} finally {
		loaded.dispose();
	}
}
