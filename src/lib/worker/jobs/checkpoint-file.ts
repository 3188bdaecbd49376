// Fetching a shipped checkpoint in the worker: the bytes are checked against the manifest the worker
// was built with (size, then sha256, as the digit data is), then decoded with the caller's expected
// net (architecture and the schema's ranges) checked before anything is allocated from the header.
// A file from another build (a stale cache), an error page or a tampered file is refused with a
// message instead of being shown as the essay's net.
import manifest from '../../../../static/checkpoints/manifest.json';
import { decodeCheckpoint, type ExpectedNet } from '../../ml/checkpoint';
import { sha256Hex } from '../../ml/data';

const entries: Record<string, { bytes: number; sha256: string } | undefined> = manifest;

/** `<essay>/<name>.nrsc` of a checkpoint URL (the manifest's key), or null. */
export function manifestKey(url: string): string | null {
	const m = /\/checkpoints\/([a-z0-9-]+\/[A-Za-z0-9-]+\.nrsc)(?:[?#].*)?$/.exec(url);
	return m ? m[1] : null;
}

/** Throws unless `bytes` are the file the manifest lists under `key`. */
export async function verifyCheckpoint(key: string, bytes: Uint8Array): Promise<void> {
	const entry = Object.hasOwn(entries, key) ? entries[key] : undefined;
	if (!entry) throw new Error(`${key} is not a checkpoint this page was built with.`);
	if (bytes.length !== entry.bytes)
		throw new Error(`The checkpoint ${key} is not the file this page was built with (${bytes.length} bytes, expected ${entry.bytes}). Reload the page to try again.`);
	if ((await sha256Hex(bytes)) !== entry.sha256)
		throw new Error(`The checkpoint ${key} failed its checksum (sha256 mismatch), so it was not used. Reload the page; if it persists, the site build is inconsistent.`);
}

/** Fetch, verify and decode a shipped checkpoint as the net `expect` describes. */
export async function fetchCheckpoint(url: string, expect: ExpectedNet) {
	const key = manifestKey(url);
	if (!key) throw new Error('Not a shipped checkpoint address.');
	const r = await fetch(url);
	if (!r.ok) throw new Error(`could not load ${key} (HTTP ${r.status})`);
	const bytes = new Uint8Array(await r.arrayBuffer());
	await verifyCheckpoint(key, bytes);
	return decodeCheckpoint(bytes, expect);
}
