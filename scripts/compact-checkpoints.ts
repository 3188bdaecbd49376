// Re-encodes the shipped checkpoints (static/checkpoints/*/*.nrsc) in the format the make-* scripts write
// (SHIPPED_DTYPE, src/lib/ml/checkpoint.ts), without retraining: the make-* scripts encode the float32
// nets they trained with the same encoder, and rounding float32 → float16 is deterministic, so a float32
// file re-encoded here is byte for byte what make-* would have written from the same seeds.
// Idempotent: a file already in the shipped format is left alone (re-encoding it would be the identity
// for float16, but not checked that way for every format, so it is not attempted).
// Usage: npx tsx scripts/compact-checkpoints.ts [--check]   (--check: change nothing, exit 1 if a file would change)
import { readFileSync, writeFileSync } from 'node:fs';
import { SHIPPED_DTYPE, decodeCheckpoint, encodeCheckpoint } from '../src/lib/ml/checkpoint';
import { checkpointFiles, checkpointRoot, writeCheckpointManifest } from './hash-checkpoints';

const root = checkpointRoot();
const check = process.argv.includes('--check');
let pending = 0;
let before = 0;
let after = 0;
for (const { key, path } of checkpointFiles(root)) {
	const bytes = new Uint8Array(readFileSync(path));
	const { header, params, format } = decodeCheckpoint(bytes);
	before += bytes.length;
	if (format.dtype === SHIPPED_DTYPE) {
		after += bytes.length;
		console.log(`  ${key}: already ${SHIPPED_DTYPE} (${bytes.length} bytes)`);
		continue;
	}
	if (format.dtype !== 'float32') throw new Error(`${key} is ${format.dtype}: only float32 files can be re-encoded exactly`);
	// the header survives a JSON round trip unchanged: the float32 re-encoding is the file itself
	const same = encodeCheckpoint(header, params, 'float32');
	if (same.length !== bytes.length || same.some((b, i) => b !== bytes[i])) throw new Error(`${key}: float32 re-encoding differs from the file`);
	const out = encodeCheckpoint(header, params, SHIPPED_DTYPE);
	const back = decodeCheckpoint(out);
	if (back.params.length !== params.length || JSON.stringify(back.header) !== JSON.stringify(header)) throw new Error(`${key}: round trip failed`);
	after += out.length;
	pending++;
	console.log(`  ${key}: float32 ${bytes.length} → ${SHIPPED_DTYPE} ${out.length} bytes${check ? ' (not written: --check)' : ''}`);
	if (!check) writeFileSync(path, out);
}
console.log(`compact-checkpoints: ${before} → ${after} bytes; ${pending} file${pending === 1 ? '' : 's'} ${check ? 'to re-encode' : 're-encoded'}`);
if (check && pending) process.exit(1);
// the files' hashes changed: the worker checks them against this manifest
if (!check && pending) writeCheckpointManifest();
