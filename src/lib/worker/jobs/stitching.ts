// Worker job for the stitching essay: hold nets A and B (shipped checkpoints or trained live), align
// them, stitch them every way, interpolate between them, and run the width sweep. The nets live here as
// parameter vectors; the tensors (a StitchLab) are rebuilt on demand, e.g. after a lost GPU device.
import { ctx } from '../context';
import { fetchCheckpoint } from './checkpoint-file';
import type { NetConfig } from '../../ml/model';
import {
	STITCH_DEPTH,
	StitchLab,
	analyse,
	interpAlphas,
	randomBottomSeed,
	sweepPointFrom,
	trainPair,
	type AlignResult,
	type CurvePoint,
	type GradientFreeMethod,
	type Interpolation,
	type StitchSettings,
	type StitchTrainProgress,
	type SweepPoint
} from '../../ml/experiments/stitching';

/** seedA also seeds weight matching's layer order, as in scripts/make-stitching.ts */
type Nets = { config: NetConfig; A: Float32Array; B: Float32Array; seedA: number };

let nets: Nets | null = null;
let lab: StitchLab | null = null;

// After a lost device the old tensors cannot be read or freed normally: drop the references.
ctx.onBackendChange(() => (lab = null));

function getLab(): StitchLab {
	if (!nets) throw new Error('no nets loaded');
	lab ??= new StitchLab(nets.config, nets.A, nets.B, ctx.trainSet(), ctx.testSet());
	return lab;
}

async function alignedLab(): Promise<StitchLab> {
	const l = getLab();
	if (!l.aligned) await l.align(nets?.seedA ?? 0);
	return l;
}

function setNets(n: Nets) {
	lab?.dispose();
	lab = null;
	nets = n;
}


export type StitchNetsInfo = { width: number; accA: number; accB: number };
export type AlignPayload = { align: AlignResult; corr: Float32Array[] };
export type TrainedStitchEvent =
	| { kind: 'stitch'; method: 'trained' | 'random'; k: number; acc: number; done: number; total: number }
	| { kind: 'loss'; method: 'trained' | 'random'; k: number; step: number; loss: number };
export type StitchTrainResult = { cancelled: boolean; A: { testAccuracy: number; curve: CurvePoint[] }; B: { testAccuracy: number; curve: CurvePoint[] } };
export type SweepEvent = { width: number; phase: 'training' | 'aligning' | 'done'; fraction: number; point?: SweepPoint };

export const stitchingJob = {
	/** Load the shipped nets A and B (fetched by URL). */
	async loadCheckpoints(urlA: string, urlB: string): Promise<StitchNetsInfo> {
		// plain nets of the stitching depth, in the schema's width range (stitching/schema.ts), of one shape
		const expect = { residual: false, depth: [STITCH_DEPTH, STITCH_DEPTH], width: [32, 512] } as const;
		const [a, b] = await Promise.all([fetchCheckpoint(urlA, expect), fetchCheckpoint(urlB, expect)]);
		if (a.header.config.width !== b.header.config.width) throw new Error('The checkpoints of nets A and B differ in width.');
		setNets({ config: a.header.config, A: a.params, B: b.params, seedA: a.header.training.seed });
		const { accA, accB } = await getLab().baseline();
		return { width: a.header.config.width, accA, accB };
	},

	async baseline(): Promise<{ accA: number; accB: number }> {
		return getLab().baseline();
	},

	/** Both permutation alignments, with the raw correlation matrix at every hidden layer. */
	async align(): Promise<AlignPayload> {
		const l = await alignedLab();
		return { align: l.aligned!, corr: l.corr };
	},

	/** Accuracy of the stitches that need no gradient training, at every cut. */
	async gradientFree(): Promise<{ acc: Record<GradientFreeMethod, number[]>; lstsqMs: number }> {
		const l = await alignedLab();
		const r = await l.gradientFree(randomBottomSeed(nets?.seedA ?? 0));
		return { acc: r.acc, lstsqMs: r.lstsqMs };
	},

	/** Trained affine stitches at every cut, each beside its random-bottom control. Cancellable. */
	async trainedStitches(
		runId: number,
		opts: { steps: number; learningRate: number; batchSize: number; seed: number },
		stepsPerUpdate: number,
		onEvent: (e: TrainedStitchEvent) => void
	) {
		return ctx.run(
			runId,
			(run) =>
				getLab().trainedStitches({
					...opts,
					randomSeed: randomBottomSeed(opts.seed),
					readEvery: Math.max(5, Math.min(100, run.chunk())),
					shouldStop: run.shouldStop,
					waitWhilePaused: run.waitWhilePaused,
					interrupt: run.interrupt,
					onStitch: (method, k, acc, done, total) => onEvent({ kind: 'stitch', method, k, acc, done, total }),
					onLoss: (method, k, step, loss) => onEvent({ kind: 'loss', method, k, step, loss })
				}),
			stepsPerUpdate
		);
	},

	async interpolation(points: number): Promise<Interpolation> {
		const l = await alignedLab();
		return l.interpolation(interpAlphas(Math.max(3, Math.min(41, Math.round(points)))));
	},

	/** Train A and B live; afterwards they replace the loaded ones. A lost device restarts from the seeds. */
	async train(runId: number, settings: StitchSettings, stepsPerUpdate: number, onProgress: (p: StitchTrainProgress) => void): Promise<StitchTrainResult> {
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
				if (run.shouldStop()) return { cancelled: true, A: { testAccuracy: NaN, curve: [] }, B: { testAccuracy: NaN, curve: [] } };
				setNets({ config: result.A.config, A: result.A.params, B: result.B.params, seedA: settings.seedA });
				return {
					cancelled: false,
					A: { testAccuracy: result.A.testAccuracy, curve: result.A.curve },
					B: { testAccuracy: result.B.testAccuracy, curve: result.B.curve }
				};
			},
			stepsPerUpdate
		);
	},

	/** Width sweep: train A and B at each width, align, interpolate. Reports each point; cancellable. */
	async sweep(
		runId: number,
		settings: StitchSettings,
		widths: number[],
		stepsPerUpdate: number,
		onEvent: (e: SweepEvent) => void
	): Promise<{ cancelled: boolean; points: SweepPoint[] }> {
		return ctx.run(
			runId,
			async (run) => {
				const points: SweepPoint[] = [];
				for (let i = 0; i < widths.length; i++) {
					const width = widths[i];
					const s: StitchSettings = { ...settings, width };
					onEvent({ width, phase: 'training', fraction: i / widths.length });
					const { A, B } = await trainPair(s, ctx.trainSet(), ctx.testSet(), {
						shouldStop: run.shouldStop,
						waitWhilePaused: run.waitWhilePaused,
						interrupt: run.interrupt,
						chunk: () => Math.max(run.chunk(), 50),
						accuracyEvery: 0,
						onProgress: (p) => onEvent({ width, phase: 'training', fraction: (i + (p.point.step / p.totalSteps) * 0.8) / widths.length })
					});
					if (run.shouldStop()) return { cancelled: true, points };
					onEvent({ width, phase: 'aligning', fraction: (i + 0.85) / widths.length });
					const { report } = await analyse(A.config, A.params, B.params, ctx.trainSet(), ctx.testSet(), s, { trained: false });
					if (run.shouldStop()) return { cancelled: true, points };
					const point = sweepPointFrom(report);
					points.push(point);
					onEvent({ width, phase: 'done', fraction: (i + 1) / widths.length, point });
				}
				return { cancelled: false, points };
			},
			stepsPerUpdate
		);
	}
};
