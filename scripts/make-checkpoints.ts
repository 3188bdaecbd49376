// Trains the shipped checkpoints and results of the modularity essay from fixed seeds, in Node.
//   static/checkpoints/modularity/{residual,plain}.nrsc   the default nets (seed 1), loaded by the page (float16)
//   static/checkpoints/modularity/results.json            their surgery reports and training curves, shown
//                                                        before tfjs has loaded, plus a summary over seeds,
//                                                        and two side studies over the same seeds (summaries
//                                                        only): the residual net with B initialised at
//                                                        ALT_B_SCALE× (norm growth vs horizon), and the
//                                                        one-matrix plain control the essay used before
// Everything the page shows from these files it can recompute live (Retrain live / the same code).
// The nets are stored in float16 (SHIPPED_DTYPE, src/lib/ml/checkpoint.ts). Every net, shipped or only
// summarised, is rounded to it (roundToStored) as soon as it is trained, and everything here is computed
// from the rounded parameters, so the stored files give back exactly the numbers in results.json
// (tests/unit/checkpoints.test.ts); the last point of each training curve is that net's accuracy too.
// Usage: npm run make-checkpoints [-- --seeds 1,2,3 --steps 1500]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useBackend, loadMnistFromDisk } from './node-tf';
import { writeCheckpointManifest } from './hash-checkpoints';
import { Trainer, TrainingData } from '../src/lib/ml/trainer';
import type { NetConfig } from '../src/lib/ml/model';
import { LoadedNet, TestSet } from '../src/lib/ml/surgery';
import { identityOrder } from '../src/lib/ml/model';
import { ALT_B_SCALE, SAMPLE_COUNT } from '../src/lib/ml/experiments/modularity-defaults';
import { SHIPPED_DTYPE, encodeCheckpoint, roundToStored } from '../src/lib/ml/checkpoint';
import {
	ARCHS,
	aggregate,
	analyse,
	headline,
	trainConfig,
	trainPair,
	type Arch,
	type ModularitySettings
} from '../src/lib/ml/experiments/modularity';
import { DEFAULT_SETTINGS } from '../src/lib/ml/experiments/modularity-defaults';

const arg = (name: string) => {
	const i = process.argv.indexOf(`--${name}`);
	return i >= 0 ? process.argv[i + 1] : undefined;
};
const seeds = (arg('seeds') ?? '1,2,3').split(',').map(Number);
const steps = Number(arg('steps') ?? DEFAULT_SETTINGS.steps);
const outDir = join(process.cwd(), 'static', 'checkpoints', 'modularity');

const backend = await useBackend();
const data = loadMnistFromDisk();
const train = new TrainingData(data);
const test = new TestSet(data);
console.log(`make-checkpoints: backend ${backend}, seeds ${seeds.join(',')}, ${steps} steps`);

const headlines: Record<Arch, Record<string, number>[]> = { residual: [], plain: [] };
const sideHeadlines: Record<'altInit' | 'oneMatrix', Record<string, number>[]> = { altInit: [], oneMatrix: [] };
const tStart = performance.now();

/** Train one net alone (the side studies), rounded to the stored precision like the shipped ones. */
async function trainOne(config: NetConfig, settings: ModularitySettings): Promise<Float32Array> {
	const t = new Trainer({ ...trainConfig(settings, 'residual'), ...config }, train);
	try {
		await t.train(settings.steps, { readEvery: settings.steps });
		return roundToStored(await t.snapshot());
	} finally {
		t.dispose();
	}
}
const shipped: Record<string, unknown> = {};
mkdirSync(outDir, { recursive: true });
for (const seed of seeds) {
	const settings: ModularitySettings = { ...DEFAULT_SETTINGS, seed, steps };
	const t0 = performance.now();
	const trained = await trainPair(settings, train, test, { chunk: 50, accuracyEvery: 2 });
	for (const arch of ARCHS) {
		// the net as stored: every number below is computed from these parameters
		const params = roundToStored(trained[arch].params);
		const report = await analyse({ config: trained[arch].config, params }, test);
		const curve = trained[arch].curve.map((p, i, all) => (i === all.length - 1 ? { ...p, accuracy: report.intact } : p));
		const net = { ...trained[arch], params, curve, testAccuracy: report.intact };
		headlines[arch].push(headline(report));
		console.log(
			`  seed ${seed} ${arch}: test ${(net.testAccuracy * 100).toFixed(2)} %, adjacent swap ${(headline(report).swapAdjacent * 100).toFixed(1)} %`
		);
		if (seed === DEFAULT_SETTINGS.seed) {
			const bytes = encodeCheckpoint(
				{
					config: net.config,
					training: { seed, steps, learningRate: settings.learningRate, batchSize: settings.batchSize, layerDrop: settings.layerDrop, backend },
					lossCurve: net.curve.map((p) => [p.step, p.loss]),
					testAccuracy: net.testAccuracy,
					createdBy: 'scripts/make-checkpoints.ts'
				},
				net.params,
				SHIPPED_DTYPE
			);
			writeFileSync(join(outDir, `${arch}.nrsc`), bytes);
			const ln = new LoadedNet(net.config, net.params, test);
			const predictions = await ln.predictions(identityOrder(net.config.depth), SAMPLE_COUNT);
			ln.dispose();
			shipped[arch] = { testAccuracy: net.testAccuracy, curve: net.curve, report, predictions };
		}
	}
	// side studies: B's init scale (does the stream grow differently, and the horizon with it?), and
	// the one-matrix plain layer relu(W h + c) as a second control
	const alt = { ...settings, bScale: ALT_B_SCALE };
	const altConfig: NetConfig = { depth: alt.depth, width: alt.width, residual: true };
	const altReport = await analyse({ config: altConfig, params: await trainOne(altConfig, alt) }, test);
	sideHeadlines.altInit.push(headline(altReport));
	const oneConfig: NetConfig = { depth: settings.depth, width: settings.width, residual: false };
	const oneReport = await analyse({ config: oneConfig, params: await trainOne(oneConfig, settings) }, test);
	sideHeadlines.oneMatrix.push(headline(oneReport));
	console.log(
		`  seed ${seed} B×${ALT_B_SCALE}: test ${(altReport.intact * 100).toFixed(2)} %, adjacent swap ${(headline(altReport).swapAdjacent * 100).toFixed(1)} %; one-matrix plain: ${(oneReport.intact * 100).toFixed(2)} %, adjacent swap ${(headline(oneReport).swapAdjacent * 100).toFixed(1)} %`
	);
	console.log(`  seed ${seed} took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

const results = {
	createdBy: 'scripts/make-checkpoints.ts',
	backend,
	testDigits: test.n,
	settings: { ...DEFAULT_SETTINGS, steps },
	nets: shipped,
	// the sample digits the widget shows, so they appear before the data asset has loaded
	samples: {
		labels: Array.from(data.testY.subarray(0, SAMPLE_COUNT)),
		pixelsBase64: Buffer.from(data.testX.subarray(0, SAMPLE_COUNT * 784)).toString('base64')
	},
	summary: {
		seeds,
		residual: aggregate(headlines.residual),
		plain: aggregate(headlines.plain)
	},
	sideStudies: {
		/** the residual net trained from B initialised at bScale × the default (1/√depth) scale */
		altInit: { bScale: ALT_B_SCALE, residual: aggregate(sideHeadlines.altInit) },
		/** the one-matrix plain layer h ← relu(W h + c): fewer parameters than the residual block */
		oneMatrix: { plain: aggregate(sideHeadlines.oneMatrix) }
	}
};
writeFileSync(join(outDir, 'results.json'), JSON.stringify(results, (_k, v) => (typeof v === 'number' ? Number(v.toPrecision(6)) : v)) + '\n');
// the worker checks every checkpoint it fetches against this manifest (size and sha256)
writeCheckpointManifest();
train.dispose();
test.dispose();
console.log(`make-checkpoints: wrote ${outDir} in ${((performance.now() - tStart) / 60000).toFixed(1)} min`);
