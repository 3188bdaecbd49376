// The shipped digit data: gzipped on the wire, verified (size + sha256 of the uncompressed bytes)
// after decompression, in Node exactly as in the browser (DecompressionStream).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DataError, gunzip, loadMnist, type MnistManifest } from '../../src/lib/ml/data';
import { readMnistBytes } from '../../scripts/mnist-file';

const dir = join(process.cwd(), 'static', 'data');
const manifest = JSON.parse(readFileSync(join(dir, 'mnist.manifest.json'), 'utf8')) as MnistManifest;
const gz = new Uint8Array(readFileSync(join(dir, manifest.file)));

/** A fetch that serves the manifest and the given bytes for the asset. */
function serve(asset: Uint8Array, m: Partial<MnistManifest> = manifest): typeof fetch {
	return (async (url: string | URL | Request) => {
		const u = String(url);
		if (u.endsWith('mnist.manifest.json')) return new Response(JSON.stringify(m));
		if (u.endsWith(`/${manifest.file}`)) return new Response(asset as BodyInit, { headers: { 'content-length': String(asset.length) } });
		return new Response('not found', { status: 404 });
	}) as typeof fetch;
}

describe('digit data asset', () => {
	it('ships gzipped and under 2 MB', () => {
		expect(manifest.encoding).toBe('gzip');
		expect(gz.length).toBeLessThanOrEqual(2_000_000);
		expect(gunzipSync(gz).length).toBe(manifest.bytes);
	});

	it('loads, decompresses and verifies as in the browser, with progress over the compressed bytes', async () => {
		const seen: [number, number | null][] = [];
		const d = await loadMnist('/data', serve(gz), (loaded, total) => seen.push([loaded, total]));
		expect(d.nTrain).toBe(manifest.nTrain);
		expect(d.nTest).toBe(manifest.nTest);
		expect(seen.at(-1)).toEqual([gz.length, gz.length]);
		const raw = readMnistBytes();
		expect(Buffer.from(d.testX).equals(Buffer.from(raw.subarray(raw.length - manifest.nTest * 785, raw.length - manifest.nTest)))).toBe(true);
	});

	it('accepts a host that already decoded the gzip (Content-Encoding)', async () => {
		const d = await loadMnist('/data', serve(readMnistBytes()), () => {});
		expect(d.nTrain).toBe(manifest.nTrain);
	});

	it('rejects corrupt or tampered data with a reader-facing error', async () => {
		const broken = gz.slice();
		broken[Math.floor(broken.length / 2)] ^= 0xff;
		await expect(loadMnist('/data', serve(broken), () => {})).rejects.toBeInstanceOf(DataError);
		const raw = readMnistBytes().slice();
		raw[1000] ^= 1;
		await expect(loadMnist('/data', serve(raw))).rejects.toThrow(/checksum/);
	});

	it('stops decompressing a gzip bomb at the size its manifest gives', async () => {
		// 64 MiB of zeros in ~64 kB: the cap must stop it long before the end, with a message
		const bomb = new Uint8Array(gzipSync(new Uint8Array(64 * 2 ** 20)));
		await expect(gunzip(bomb, 2 ** 20)).rejects.toThrow(/larger than its manifest/);
		await expect(loadMnist('/data', serve(bomb), () => {})).rejects.toThrow(/larger than its manifest/);
		await expect(loadMnist('/data', serve(bomb))).rejects.toThrow(/larger than its manifest/);
	});

	it('refuses a manifest without a valid size or hash (the caps depend on them)', async () => {
		const { bytes: _bytes, ...noSize } = manifest;
		await expect(loadMnist('/data', serve(gz, noSize), () => {})).rejects.toThrow(/manifest gives no valid size/);
		await expect(loadMnist('/data', serve(gz, { ...manifest, bytes: -1 }))).rejects.toThrow(/no valid size/);
		await expect(loadMnist('/data', serve(gz, { ...manifest, sha256: 'zz' }))).rejects.toThrow(/no valid sha256/);
	});
});
