// Writes static/checkpoints/manifest.json: the size and sha256 of every shipped checkpoint file
// (static/checkpoints/<essay>/<name>.nrsc). The worker is built with this manifest and checks each
// checkpoint it fetches against it before decoding (src/lib/worker/jobs/checkpoint-file.ts), as the
// digit data is checked against its own manifest. The make-* scripts and compact-checkpoints run this
// after writing files; tests/unit/checkpoints.test.ts checks that it matches the files.
// Usage: npx tsx scripts/hash-checkpoints.ts [--check]   (--check: exit 1 if the manifest is stale)
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type CheckpointManifest = Record<string, { bytes: number; sha256: string }>;

export const checkpointRoot = (cwd = process.cwd()) => join(cwd, 'static', 'checkpoints');

/** Every shipped checkpoint below `root`: `key` is `<essay>/<name>.nrsc`, sorted by essay then name. */
export function checkpointFiles(root = checkpointRoot()): { key: string; path: string }[] {
	const out: { key: string; path: string }[] = [];
	for (const essay of readdirSync(root).sort()) {
		const dir = join(root, essay);
		if (!statSync(dir).isDirectory()) continue;
		for (const f of readdirSync(dir)
			.filter((f) => f.endsWith('.nrsc'))
			.sort())
			out.push({ key: `${essay}/${f}`, path: join(dir, f) });
	}
	return out;
}

/** The manifest the files in `root` call for (keys `<essay>/<name>.nrsc`, sorted). */
export function checkpointManifest(root = checkpointRoot()): CheckpointManifest {
	const out: CheckpointManifest = {};
	for (const { key, path } of checkpointFiles(root)) {
		const bytes = readFileSync(path);
		out[key] = { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
	}
	return out;
}

export const manifestText = (m: CheckpointManifest) => JSON.stringify(m, null, '\t') + '\n';

/** Write the manifest for the files in `root`; returns its path. */
export function writeCheckpointManifest(root = checkpointRoot()): string {
	const path = join(root, 'manifest.json');
	writeFileSync(path, manifestText(checkpointManifest(root)));
	return path;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
	const root = checkpointRoot();
	if (process.argv.includes('--check')) {
		const stale = readFileSync(join(root, 'manifest.json'), 'utf8') !== manifestText(checkpointManifest(root));
		console.log(stale ? 'hash-checkpoints: manifest.json is stale; run npx tsx scripts/hash-checkpoints.ts' : 'hash-checkpoints: manifest.json matches the files');
		process.exit(stale ? 1 : 0);
	}
	console.log(`hash-checkpoints: wrote ${writeCheckpointManifest(root)}`);
}
