// Checkpoint file: a small JSON header (config, training record, metrics) and the flat parameter
// vector, in one binary so a page fetches one file per net.
//   bytes 0..3   'NRSC'
//   bytes 4..7   header length H (uint32 LE)
//   bytes 8..8+H JSON header (utf-8), padded with spaces to a multiple of 4
//   then         the parameters, little-endian, in the encoding the header names:
//
// Versions (the JSON header's `format` field; a header without one is version 1):
//   1  float32, 4 bytes a parameter (the original format; still decoded)
//   2  format { version: 2, dtype }:
//        'float32'  4 bytes a parameter, as version 1
//        'float16'  IEEE 754 half, 2 bytes a parameter, rounded to nearest, ties to even
//        'int8'     1 byte a parameter, symmetric per tensor (tensors as paramLayout lays them out):
//                   value = q · scales[t], q in −127..127, scales[t] = max |w| / 127 rounded to float32
//                   (the body is padded with zeros to a multiple of 4 bytes)
// Decoding always returns float32 parameters, so whoever loads a net does not care which it was.
// The shipped nets are float16 (SHIPPED_DTYPE), at half the bytes. The make-* scripts round each net they
// train through it (roundToStored) before computing anything from it, so results.json describes the nets
// as stored and a page recomputes it from the files exactly (tests/unit/checkpoints.test.ts).
import { type NetConfig, paramCount, paramLayout } from './model';

const MAGIC = 0x4353524e; // 'NRSC'

export type CheckpointHeader = {
	config: NetConfig;
	/** how it was trained: enough to retrain it bit for bit on the cpu backend */
	training: { seed: number; steps: number; learningRate: number; batchSize: number; layerDrop: number; backend: string };
	/** loss curve recorded while training: [step, mean loss over the preceding steps] */
	lossCurve: [number, number][];
	testAccuracy: number;
	createdBy: string;
};

export type CheckpointDtype = 'float32' | 'float16' | 'int8';
/** How the parameters are stored (the header's `format`; version 1 files have none and are float32). */
export type CheckpointFormat = { version: 1 | 2; dtype: CheckpointDtype; scales?: number[] };

/** The encoding the make-* scripts and scripts/compact-checkpoints.ts write the shipped nets in. */
export const SHIPPED_DTYPE: CheckpointDtype = 'float16';

const BYTES: Record<CheckpointDtype, number> = { float32: 4, float16: 2, int8: 1 };

// ---- float16 ---------------------------------------------------------------------------------------

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 bits of a number (first rounded to float32), round to nearest, ties to even. */
export function toFloat16Bits(x: number): number {
	f32[0] = x;
	const b = u32[0];
	const sign = (b >>> 16) & 0x8000;
	const exp = (b >>> 23) & 0xff;
	let mant = b & 0x7fffff;
	if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0); // NaN stays NaN (quiet), ±Inf
	const e = exp - 127 + 15;
	if (e >= 0x1f) return sign | 0x7c00; // too large: ±Inf
	if (e <= 0) {
		// subnormal half (or zero): value = m · 2^−24 with m = (1.mant · 2^23) >> (14 − e)
		if (e < -10) return sign; // below half the smallest subnormal: ±0
		mant |= 0x800000;
		const shift = 14 - e;
		let h = mant >>> shift;
		const rem = mant & ((1 << shift) - 1);
		const half = 1 << (shift - 1);
		if (rem > half || (rem === half && h & 1)) h++;
		return sign | h; // a carry into the exponent field gives the smallest normal, as it should
	}
	let h = (e << 10) | (mant >>> 13);
	const rem = mant & 0x1fff;
	if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++; // a carry can reach the exponent (or Inf): correct
	return sign | h;
}

/** The number a binary16 bit pattern stands for. */
export function fromFloat16Bits(h: number): number {
	const s = h & 0x8000 ? -1 : 1;
	const e = (h >>> 10) & 0x1f;
	const m = h & 0x3ff;
	if (e === 0) return s * m * 2 ** -24;
	if (e === 0x1f) return m ? NaN : s * Infinity;
	return s * (1024 + m) * 2 ** (e - 25);
}

let halfTable: Float32Array | null = null;
/** All 65,536 half values as float32 (256 kB, built on first decode). */
function halves(): Float32Array {
	if (!halfTable) {
		halfTable = new Float32Array(65536);
		for (let h = 0; h < 65536; h++) halfTable[h] = fromFloat16Bits(h);
	}
	return halfTable;
}

// ---- int8 ------------------------------------------------------------------------------------------

/** Per-tensor symmetric scale: max |w| / 127, as float32 (0 for an all-zero tensor). */
function int8Scale(w: Float32Array): number {
	let m = 0;
	for (let i = 0; i < w.length; i++) m = Math.max(m, Math.abs(w[i]));
	return Math.fround(m / 127);
}

function quantInt8(x: number, scale: number): number {
	if (scale === 0) return 0;
	const q = Math.round(Math.abs(x) / scale); // half away from zero: symmetric
	return Math.sign(x) * Math.min(127, q);
}

// ---- the parameters as stored ----------------------------------------------------------------------

/**
 * The parameters as a file of `dtype` gives them back: decodeCheckpoint(encodeCheckpoint(…, dtype)).params,
 * element for element, without writing a file (a new array; `params` is left alone). The make-* scripts
 * evaluate these, so the shipped numbers are those of the shipped nets. int8 needs the net's `config`
 * (its scales are per tensor).
 */
export function roundToStored(params: Float32Array, dtype: CheckpointDtype = SHIPPED_DTYPE, config?: NetConfig): Float32Array {
	const out = new Float32Array(params.length);
	if (dtype === 'float32') out.set(params);
	else if (dtype === 'float16') {
		const t = halves();
		for (let i = 0; i < params.length; i++) out[i] = t[toFloat16Bits(params[i])];
	} else {
		if (!config) throw new Error('roundToStored: int8 needs the net config (per-tensor scales).');
		if (params.length !== paramCount(config)) throw new Error('Checkpoint parameters do not match the net shape.');
		for (const s of paramLayout(config)) {
			const scale = int8Scale(params.subarray(s.offset, s.offset + s.size));
			for (let i = s.offset; i < s.offset + s.size; i++) out[i] = (quantInt8(params[i], scale) | 0) * scale; // as an int8 byte reads back: no −0
		}
	}
	return out;
}

// ---- encode / decode -------------------------------------------------------------------------------

function bodyBytes(dtype: CheckpointDtype, n: number): number {
	const raw = n * BYTES[dtype];
	return Math.ceil(raw / 4) * 4;
}

/**
 * The file for a net. `dtype` float32 writes version 1 (byte for byte the original format); float16
 * and int8 write version 2.
 */
export function encodeCheckpoint(header: CheckpointHeader, params: Float32Array, dtype: CheckpointDtype = 'float32'): Uint8Array {
	const n = paramCount(header.config);
	if (params.length !== n) throw new Error('Checkpoint parameters do not match the net shape.');
	let scales: number[] | undefined;
	if (dtype === 'int8') scales = paramLayout(header.config).map((s) => int8Scale(params.subarray(s.offset, s.offset + s.size)));
	const format: CheckpointFormat | undefined = dtype === 'float32' ? undefined : { version: 2, dtype, ...(scales ? { scales } : {}) };
	let json = JSON.stringify(format ? { ...header, format } : header);
	const enc = new TextEncoder();
	while (enc.encode(json).length % 4 !== 0) json += ' ';
	const jsonBytes = enc.encode(json);
	const start = 8 + jsonBytes.length;
	const out = new Uint8Array(start + bodyBytes(dtype, n));
	const view = new DataView(out.buffer);
	view.setUint32(0, MAGIC, true);
	view.setUint32(4, jsonBytes.length, true);
	out.set(jsonBytes, 8);
	if (dtype === 'float32') for (let i = 0; i < n; i++) view.setFloat32(start + 4 * i, params[i], true);
	else if (dtype === 'float16') for (let i = 0; i < n; i++) view.setUint16(start + 2 * i, toFloat16Bits(params[i]), true);
	else
		paramLayout(header.config).forEach((s, t) => {
			for (let i = s.offset; i < s.offset + s.size; i++) view.setInt8(start + i, quantInt8(params[i], scales![t]));
		});
	return out;
}

// ---- what a caller accepts -------------------------------------------------------------------------

/** An inclusive integer range. */
export type IntRange = readonly [min: number, max: number];

/**
 * The net a caller expects a file to hold: its architecture, and the ranges its schema allows. The
 * header is checked against this before anything is sized from it: a well-formed header claiming
 * depth 3e7 would otherwise build a layout of 10^8 slots and allocate gigabytes before the size check.
 */
export type ExpectedNet = { residual: boolean; depth: IntRange; width: IntRange; /** when set, must match */ twoMatrix?: boolean };

/** Bounds no net of this site exceeds, for callers that expect nothing in particular (tests, scripts). */
export const ANY_NET: ExpectedNet = { residual: false, depth: [0, 16], width: [1, 1024] };

const isInt = (v: unknown, [lo, hi]: IntRange): v is number => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v.slice(0, 20)) : String(v).slice(0, 20));

/** The header's net config, checked against `expect` (throws a plain-language error). */
export function checkConfig(config: unknown, expect: ExpectedNet | 'any'): NetConfig {
	if (typeof config !== 'object' || config === null) throw new Error('Checkpoint header has no net config.');
	const { depth, width, residual, twoMatrix } = config as Record<string, unknown>;
	if (typeof residual !== 'boolean') throw new Error(`Checkpoint header has an invalid residual flag (${show(residual)}).`);
	if (twoMatrix !== undefined && typeof twoMatrix !== 'boolean') throw new Error(`Checkpoint header has an invalid twoMatrix flag (${show(twoMatrix)}).`);
	const e = expect === 'any' ? { ...ANY_NET, residual } : expect;
	if (!isInt(depth, e.depth)) throw new Error(`Checkpoint depth ${show(depth)} is not an integer in ${e.depth[0]}–${e.depth[1]}.`);
	if (!isInt(width, e.width)) throw new Error(`Checkpoint width ${show(width)} is not an integer in ${e.width[0]}–${e.width[1]}.`);
	if (residual !== e.residual)
		throw new Error(`Checkpoint holds a ${residual ? 'residual' : 'plain'} net where a ${e.residual ? 'residual' : 'plain'} one was expected.`);
	if (e.twoMatrix !== undefined && !residual && (twoMatrix === true) !== e.twoMatrix)
		throw new Error(`Checkpoint holds a ${twoMatrix ? 'two' : 'one'}-matrix plain net where a ${e.twoMatrix ? 'two' : 'one'}-matrix one was expected.`);
	return twoMatrix && !residual ? { depth, width, residual, twoMatrix: true } : { depth, width, residual };
}

function checkFormat(stored: unknown, layoutLength: () => number): CheckpointFormat {
	if (stored === undefined) return { version: 1, dtype: 'float32' };
	if (typeof stored !== 'object' || stored === null) throw new Error('Checkpoint header has an invalid format.');
	const { version, dtype, scales } = stored as Record<string, unknown>;
	if (version !== 1 && version !== 2) throw new Error(`Checkpoint format version ${show(version)} is newer than this page.`);
	if (typeof dtype !== 'string' || !Object.hasOwn(BYTES, dtype)) throw new Error(`Unknown checkpoint dtype ${show(dtype)}.`);
	if (scales !== undefined && !(Array.isArray(scales) && scales.length === layoutLength() && scales.every((x) => typeof x === 'number' && Number.isFinite(x))))
		throw new Error('Checkpoint int8 scales do not match its net shape.');
	return { version, dtype: dtype as CheckpointDtype, ...(scales ? { scales: scales as number[] } : {}) };
}

/**
 * Parse a checkpoint file. `expect` is the net the caller will use it as; every number the header
 * gives is checked against it before any allocation sized from the header ('any': only ANY_NET's
 * bounds, for scripts and tests that read files of every essay).
 */
export function decodeCheckpoint(bytes: Uint8Array, expect: ExpectedNet | 'any' = 'any'): { header: CheckpointHeader; params: Float32Array; format: CheckpointFormat } {
	if (bytes.length < 8) throw new Error('Checkpoint file is truncated.');
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	if (view.getUint32(0, true) !== MAGIC) throw new Error('Not a checkpoint file.');
	const h = view.getUint32(4, true);
	if (8 + h > bytes.length) throw new Error('Checkpoint header is truncated.');
	let parsed: unknown;
	try {
		parsed = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + h)));
	} catch {
		throw new Error('Checkpoint header is not valid JSON.');
	}
	if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('Checkpoint header is not an object.');
	const { format: stored, ...rest } = parsed as CheckpointHeader & { format?: unknown };
	const config = checkConfig(rest.config, expect);
	const header = { ...rest, config } as CheckpointHeader;
	// the layout is small now that depth and width are bounded
	const format = checkFormat(stored, () => paramLayout(config).length);
	const n = paramCount(header.config);
	const start = 8 + h;
	const expected = format.version === 1 ? n * 4 : bodyBytes(format.dtype, n);
	if (bytes.length !== start + expected) throw new Error('Checkpoint size does not match its net shape.');
	const params = new Float32Array(n);
	if (format.dtype === 'float32') for (let i = 0; i < n; i++) params[i] = view.getFloat32(start + 4 * i, true);
	else if (format.dtype === 'float16') {
		const t = halves();
		for (let i = 0; i < n; i++) params[i] = t[view.getUint16(start + 2 * i, true)];
	} else {
		const layout = paramLayout(header.config);
		const scales = format.scales;
		if (!scales || scales.length !== layout.length) throw new Error('Checkpoint int8 scales do not match its net shape.');
		layout.forEach((s, t) => {
			const scale = Math.fround(scales[t]);
			for (let i = s.offset; i < s.offset + s.size; i++) params[i] = view.getInt8(start + i) * scale;
		});
	}
	return { header, params, format };
}
