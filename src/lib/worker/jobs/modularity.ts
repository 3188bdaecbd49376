// Worker job for the modularity essay: load or train the residual net and its plain control, run
// surgeries on them. The nets live here as parameter vectors; their tensors are rebuilt on demand.
import { ctx } from '../context';
import type { CheckpointHeader } from '../../ml/checkpoint';
import { fetchCheckpoint } from './checkpoint-file';
import { LoadedNet, type SurgeryReport } from '../../ml/surgery';
import { ARCHS, type Arch, type ModularitySettings, type TrainProgress, trainPair, type CurvePoint } from '../../ml/experiments/modularity';
import type { NetConfig } from '../../ml/model';

type NetRecord = { config: NetConfig; params: Float32Array; header?: CheckpointHeader };

const records = new Map<Arch, NetRecord>();
const loaded = new Map<Arch, LoadedNet>();

// After a lost device the old tensors cannot be read or freed normally: drop the references.
ctx.onBackendChange(() => loaded.clear());

function net(arch: Arch): LoadedNet {
	let n = loaded.get(arch);
	if (!n) {
		const rec = records.get(arch);
		if (!rec) throw new Error(`no ${arch} net loaded`);
		n = new LoadedNet(rec.config, rec.params, ctx.testSet());
		loaded.set(arch, n);
	}
	return n;
}

function setRecord(arch: Arch, rec: NetRecord) {
	loaded.get(arch)?.dispose();
	loaded.delete(arch);
	records.set(arch, rec);
}

export type ModularityTrainResult = { cancelled: boolean; nets: Record<Arch, { testAccuracy: number; curve: CurvePoint[] }> };

export const modularityJob = {
	/** Load a checkpoint file (fetched by URL) as the net for `arch`. */
	async loadCheckpoint(arch: Arch, url: string): Promise<CheckpointHeader> {
		// the schema's ranges (layer-swap/schema.ts), and the architecture this slot shows
		const { header, params } = await fetchCheckpoint(url, { residual: arch === 'residual', twoMatrix: arch === 'plain' ? true : undefined, depth: [2, 12], width: [16, 256] });
		setRecord(arch, { config: header.config, params, header });
		net(arch);
		return header;
	},

	async evaluate(arch: Arch, order: number[], sampleCount: number): Promise<{ accuracy: number; predictions: number[] }> {
		const n = net(arch);
		const safe = order.filter((i) => Number.isInteger(i) && i >= 0 && i < n.depth);
		const [accuracy] = await n.accuracies([safe]);
		const predictions = await n.predictions(safe, sampleCount);
		return { accuracy, predictions };
	},

	async report(arch: Arch): Promise<SurgeryReport> {
		return net(arch).report();
	},

	/** Train both nets live; afterwards they replace the loaded ones. A lost device restarts from the seed;
	 * cancel stops it (the loaded nets stay as they were). */
	async train(
		runId: number,
		settings: ModularitySettings,
		stepsPerUpdate: number,
		onProgress: (p: TrainProgress) => void | Promise<void>
	): Promise<ModularityTrainResult> {
		return ctx.run(
			runId,
			async (run) => {
				const result = await ctx.retryOnDeviceLost(run, (moved) =>
					trainPair(settings, ctx.trainSet(), ctx.testSet(), {
						onProgress,
						shouldStop: () => run.shouldStop() || moved(),
						waitWhilePaused: run.waitWhilePaused,
						interrupt: async () => (await run.interrupt()) || moved(),
						chunk: run.chunk,
						accuracyEvery: ctx.backend?.name === 'webgpu' ? 10 : 2
					})
				);
				if (run.shouldStop()) {
					return { cancelled: true, nets: { residual: { testAccuracy: NaN, curve: [] }, plain: { testAccuracy: NaN, curve: [] } } };
				}
				for (const arch of ARCHS) setRecord(arch, { config: result[arch].config, params: result[arch].params });
				return {
					cancelled: false,
					nets: {
						residual: { testAccuracy: result.residual.testAccuracy, curve: result.residual.curve },
						plain: { testAccuracy: result.plain.testAccuracy, curve: result.plain.curve }
					}
				};
			},
			stepsPerUpdate
		);
	}
};
