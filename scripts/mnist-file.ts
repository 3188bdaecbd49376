// The digit data for Node (scripts and unit tests): read the shipped asset named by the manifest,
// gunzip it if it is compressed, and check size and sha256 like the browser does.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { decodeMnist, type Mnist, type MnistManifest } from '../src/lib/ml/data';

export function readMnistBytes(root = process.cwd()): Uint8Array {
	const dir = join(root, 'static', 'data');
	const manifest = JSON.parse(readFileSync(join(dir, 'mnist.manifest.json'), 'utf8')) as MnistManifest;
	const file = readFileSync(join(dir, manifest.file));
	const bytes = manifest.encoding === 'gzip' ? gunzipSync(file) : file;
	const hash = createHash('sha256').update(bytes).digest('hex');
	if (bytes.length !== manifest.bytes || hash !== manifest.sha256)
		throw new Error(`${manifest.file} does not match static/data/mnist.manifest.json: run \`npm run build-data\``);
	return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function readMnist(root = process.cwd()): Mnist {
	return decodeMnist(readMnistBytes(root));
}
