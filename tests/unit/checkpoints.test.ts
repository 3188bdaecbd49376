// Checkpoint files: the float16 converter (exhaustively), every storage format round-tripping, old
// float32 (version 1) files still decoding, roundToStored agreeing with them, and the shipped compact
// checkpoints giving back exactly the headline numbers their essays ship in results.json.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mnist } from './setup';
import { useBackend } from '../../scripts/node-tf';
import { type NetConfig, initParams, paramCount, paramLayout } from '../../src/lib/ml/model';
import {
	type CheckpointHeader,
	SHIPPED_DTYPE,
	decodeCheckpoint,
	encodeCheckpoint,
	fromFloat16Bits,
	roundToStored,
	toFloat16Bits
} from '../../src/lib/ml/checkpoint';
import { CHECKPOINTS, ESSAYS, type Nets, checkpointDir, evalEssay, shippedResults } from '../../scripts/shipped-evals';
import { checkpointManifest } from '../../scripts/hash-checkpoints';
import { manifestKey, verifyCheckpoint } from '../../src/lib/worker/jobs/checkpoint-file';

// The wasm backend, as the scripts that made the shipped results used (and ~5× faster than cpu here).
beforeAll(async () => {
	expect(await useBackend('wasm')).toBe('wasm');
});

const f32 = (x: number) => Math.fround(x);

describe('float16 conversion', () => {
	it('maps the special values', () => {
		expect(toFloat16Bits(0)).toBe(0x0000);
		expect(toFloat16Bits(-0)).toBe(0x8000);
		expect(Object.is(fromFloat16Bits(0x8000), -0)).toBe(true);
		expect(Object.is(fromFloat16Bits(0x0000), 0)).toBe(true);
		expect(toFloat16Bits(1)).toBe(0x3c00);
		expect(toFloat16Bits(-2)).toBe(0xc000);
		expect(toFloat16Bits(65504)).toBe(0x7bff); // the largest finite half
		expect(fromFloat16Bits(0x7bff)).toBe(65504);
		expect(toFloat16Bits(65519)).toBe(0x7bff); // below the midpoint to 2^16: rounds down
		expect(toFloat16Bits(65520)).toBe(0x7c00); // the midpoint: ties to even = 2^16, which overflows to Inf
		expect(toFloat16Bits(1e6)).toBe(0x7c00);
		expect(toFloat16Bits(-1e6)).toBe(0xfc00);
		expect(toFloat16Bits(Infinity)).toBe(0x7c00);
		expect(toFloat16Bits(-Infinity)).toBe(0xfc00);
		expect(fromFloat16Bits(0x7c00)).toBe(Infinity);
		expect(fromFloat16Bits(0xfc00)).toBe(-Infinity);
		expect(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN)))).toBe(true);
		// subnormals: the smallest is 2^−24, the largest 1023 · 2^−24, the smallest normal 2^−14
		expect(toFloat16Bits(2 ** -24)).toBe(0x0001);
		expect(fromFloat16Bits(0x0001)).toBe(2 ** -24);
		expect(toFloat16Bits(1023 * 2 ** -24)).toBe(0x03ff);
		expect(toFloat16Bits(2 ** -14)).toBe(0x0400);
		expect(toFloat16Bits(2 ** -25)).toBe(0x0000); // halfway to the smallest subnormal: ties to even (0)
		expect(toFloat16Bits(-(2 ** -25))).toBe(0x8000);
		expect(toFloat16Bits(f32(2 ** -25 * (1 + 2 ** -20)))).toBe(0x0001); // just above halfway
		expect(toFloat16Bits(3 * 2 ** -25)).toBe(0x0002); // 1.5 ulp: ties to even (2)
		expect(toFloat16Bits(2 ** -30)).toBe(0x0000);
		expect(toFloat16Bits(1e-45)).toBe(0x0000); // a float32 subnormal
		expect(toFloat16Bits((2047 / 2048) * 2 ** -14)).toBe(0x0400); // rounds up out of the subnormals
	});

	it('every half survives a round trip; every midpoint rounds to even, and a float32 ulp either side to the nearer', () => {
		for (let h = 0; h < 0x10000; h++) {
			const v = fromFloat16Bits(h);
			if (Number.isNaN(v)) {
				expect(Number.isNaN(fromFloat16Bits(toFloat16Bits(v)))).toBe(true);
				continue;
			}
			if (toFloat16Bits(v) !== h) expect(toFloat16Bits(v)).toBe(h);
		}
		// one float32 ulp away from zero / towards zero (the bit pattern's magnitude ± 1, either sign)
		const nudge = (x: number, d: number) => {
			const a = new Float32Array([x]);
			new Uint32Array(a.buffer)[0] += d;
			return a[0];
		};
		const up = (x: number) => nudge(x, 1);
		const down = (x: number) => nudge(x, -1);
		let bad = 0;
		for (const sign of [0, 0x8000]) {
			for (let h = 0; h < 0x7bff; h++) {
				const lo = sign | h;
				const hi = sign | (h + 1);
				const mid = (fromFloat16Bits(lo) + fromFloat16Bits(hi)) / 2; // 12 significant bits: exact in float32
				if (f32(mid) !== mid) bad++;
				if (toFloat16Bits(mid) !== (h % 2 === 0 ? lo : hi)) bad++;
				if (toFloat16Bits(up(mid)) !== hi) bad++;
				if (toFloat16Bits(down(mid)) !== lo) bad++;
			}
		}
		expect(bad).toBe(0);
	});
});

describe('checkpoint formats', () => {
	const cfg: NetConfig = { depth: 2, width: 8, residual: true };
	const header: CheckpointHeader = {
		config: cfg,
		training: { seed: 1, steps: 0, learningRate: 1e-3, batchSize: 128, layerDrop: 0, backend: 'cpu' },
		lossCurve: [[25, 2.1]],
		testAccuracy: 0.1,
		createdBy: 'test'
	};
	const params = initParams(cfg, 1);
	params[0] = 0; // and a few values the converters treat specially
	params[1] = -0;
	params[2] = 1e-6; // float16 subnormal
	params[3] = -2e-8; // below half the smallest float16 subnormal: −0

	it('float32 writes the original version-1 layout and decodes exactly', () => {
		const bytes = encodeCheckpoint(header, params);
		const h = new DataView(bytes.buffer).getUint32(4, true);
		expect(JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + h)))).toEqual(header); // no format field
		expect(bytes.length).toBe(8 + h + 4 * params.length);
		const back = decodeCheckpoint(bytes);
		expect(back.format).toEqual({ version: 1, dtype: 'float32' });
		expect(back.header).toEqual(header);
		expect(back.params).toEqual(params);
	});

	it('decodes a version-1 file as the old encoder wrote it (header, then the float32 array)', () => {
		let json = JSON.stringify(header);
		while (json.length % 4) json += ' ';
		const body = new Uint8Array(params.buffer.slice(0));
		const file = new Uint8Array(8 + json.length + body.length);
		const view = new DataView(file.buffer);
		view.setUint32(0, 0x4353524e, true);
		view.setUint32(4, json.length, true);
		file.set(new TextEncoder().encode(json), 8);
		file.set(body, 8 + json.length);
		expect(encodeCheckpoint(header, params)).toEqual(file);
		// and from an unaligned offset in a larger buffer (as a fetch or a file read may give it)
		const shifted = new Uint8Array(file.length + 3);
		shifted.set(file, 3);
		const back = decodeCheckpoint(shifted.subarray(3));
		expect(back.params).toEqual(params);
		expect(back.header).toEqual(header);
	});

	it('float16 stores each parameter rounded to the nearest half, in half the bytes', () => {
		const bytes = encodeCheckpoint(header, params, 'float16');
		const h = new DataView(bytes.buffer).getUint32(4, true);
		expect(bytes.length).toBe(8 + h + Math.ceil((2 * params.length) / 4) * 4);
		const back = decodeCheckpoint(bytes);
		expect(back.format).toEqual({ version: 2, dtype: 'float16' });
		expect(back.header).toEqual(header);
		expect(back.params.length).toBe(params.length);
		for (let i = 0; i < params.length; i++) {
			const want = fromFloat16Bits(toFloat16Bits(params[i]));
			if (!Object.is(back.params[i], want)) expect(back.params[i]).toBe(want);
			// relative error ≤ 2^−11 for normal halves
			if (Math.abs(params[i]) >= 2 ** -14) expect(Math.abs(back.params[i] - params[i])).toBeLessThanOrEqual(Math.abs(params[i]) * 2 ** -11);
		}
		expect(Object.is(back.params[1], -0)).toBe(true);
		expect(Object.is(back.params[3], -0)).toBe(true);
		expect(back.params[2]).toBe(17 * 2 ** -24); // 1e-6 is 16.78 subnormal steps
		// re-encoding a decoded float16 file gives the same bytes
		expect(encodeCheckpoint(header, back.params, 'float16')).toEqual(bytes);
	});

	it('int8 stores a symmetric per-tensor scale and errs by at most half a step', () => {
		const odd: NetConfig = { depth: 1, width: 3, residual: false }; // an odd parameter count: padded body
		const p = initParams(odd, 2);
		const s = paramLayout(odd);
		p.fill(0, s[1].offset, s[1].offset + s[1].size); // an all-zero tensor: scale 0
		const h = { ...header, config: odd };
		const bytes = encodeCheckpoint(h, p, 'int8');
		expect(bytes.length % 4).toBe(0);
		const back = decodeCheckpoint(bytes);
		expect(back.format.dtype).toBe('int8');
		expect(back.header).toEqual(h);
		const scales = back.format.scales!;
		expect(scales.length).toBe(s.length);
		expect(paramCount(odd) % 4).not.toBe(0);
		s.forEach((slot, t) => {
			const w = p.subarray(slot.offset, slot.offset + slot.size);
			const max = Math.max(...Array.from(w, Math.abs));
			expect(scales[t]).toBe(f32(max / 127));
			for (let i = slot.offset; i < slot.offset + slot.size; i++) {
				expect(Math.abs(back.params[i] - p[i])).toBeLessThanOrEqual(scales[t] / 2 + 1e-9);
				if (scales[t]) expect(Math.abs(Math.round(back.params[i] / scales[t]))).toBeLessThanOrEqual(127);
			}
		});
		expect(Array.from(back.params.subarray(s[1].offset, s[1].offset + s[1].size)).every((x) => x === 0)).toBe(true);
	});

	it('roundToStored gives the parameters a file of each dtype decodes to, bit for bit, and is idempotent', () => {
		const odd: NetConfig = { depth: 1, width: 3, residual: false };
		const cases: [NetConfig, Float32Array][] = [[cfg, params], [odd, initParams(odd, 3)]];
		cases[1][1][4] = -1e-9; // rounds to −0 in float16 and to 0 in int8
		for (const [c, p] of cases)
			for (const dtype of ['float32', 'float16', 'int8'] as const) {
				const copy = Float32Array.from(p);
				const r = dtype === 'float16' ? roundToStored(p) : roundToStored(p, dtype, c);
				expect(r).not.toBe(p);
				expect(p).toEqual(copy); // input untouched
				const want = decodeCheckpoint(encodeCheckpoint({ ...header, config: c }, p, dtype)).params;
				let bad = 0;
				for (let i = 0; i < p.length; i++) if (!Object.is(r[i], want[i])) bad++;
				expect(bad, `${dtype}, depth ${c.depth}`).toBe(0);
				const again = roundToStored(r, dtype, c);
				for (let i = 0; i < p.length; i++) if (!Object.is(again[i], r[i])) bad++;
				expect(bad, `${dtype} twice`).toBe(0);
			}
		expect(() => roundToStored(params, 'int8')).toThrow(/config/);
	});

	it('rejects damaged or unknown files', () => {
		for (const dtype of ['float32', 'float16', 'int8'] as const) {
			const bytes = encodeCheckpoint(header, params, dtype);
			expect(() => decodeCheckpoint(bytes.slice(0, bytes.length - 4))).toThrow();
			expect(() => decodeCheckpoint(bytes.slice(0, 100))).toThrow();
		}
		expect(() => decodeCheckpoint(new Uint8Array(3))).toThrow();
		const future = new TextEncoder().encode(JSON.stringify({ ...header, format: { version: 3, dtype: 'float16' } }).padEnd(400, ' '));
		const file = new Uint8Array(8 + future.length + 2 * params.length);
		new DataView(file.buffer).setUint32(0, 0x4353524e, true);
		new DataView(file.buffer).setUint32(4, future.length, true);
		file.set(future, 8);
		expect(() => decodeCheckpoint(file)).toThrow(/version 3/);
		expect(() => encodeCheckpoint(header, params.subarray(1), 'float16')).toThrow();
	});
});

describe('shipped checkpoints', () => {
	function load(essay: (typeof ESSAYS)[number]): Nets {
		const nets: Nets = {};
		for (const name of CHECKPOINTS[essay]) {
			const { header, params, format } = decodeCheckpoint(new Uint8Array(readFileSync(join(checkpointDir(essay), `${name}.nrsc`))));
			expect(format.dtype, `${essay}/${name}.nrsc`).toBe(SHIPPED_DTYPE);
			expect(params.every(Number.isFinite)).toBe(true);
			nets[name] = { config: header.config, params };
		}
		return nets;
	}

	// The make-* scripts compute the shipped numbers from the nets rounded as stored (roundToStored), on
	// wasm: these float16 files, on the same backend, give them back exactly (accuracies are k / 2,000, which
	// results.json's 5–6 significant digits hold exactly).
	for (const essay of ESSAYS)
		it(`${essay}: the headline accuracies match results.json exactly`, async () => {
			expect(shippedResults<{ backend: string }>(essay).backend).toBe('wasm');
			const rows = await evalEssay(essay, load(essay), mnist(), false);
			expect(rows.length).toBeGreaterThan(3);
			const off = rows.filter((r) => r.value !== r.shipped);
			expect(off.map((r) => `${r.key}: shipped ${r.shipped}, now ${r.value}`)).toEqual([]);
		});
});

describe('the checkpoint manifest (size and sha256 of every shipped file)', () => {
	const listed = JSON.parse(readFileSync(join(process.cwd(), 'static', 'checkpoints', 'manifest.json'), 'utf8'));

	it('matches the files in static/checkpoints (run npx tsx scripts/hash-checkpoints.ts after changing one)', () => {
		expect(listed).toEqual(checkpointManifest());
		expect(Object.keys(listed).length).toBeGreaterThanOrEqual(8);
	});

	it('is what the worker checks a fetched file against: the file passes, a flipped byte or another file fails', async () => {
		const key = manifestKey('https://example.org/nrs/checkpoints/modularity/residual.nrsc');
		expect(key).toBe('modularity/residual.nrsc');
		const bytes = new Uint8Array(readFileSync(join(process.cwd(), 'static', 'checkpoints', key!)));
		await expect(verifyCheckpoint(key!, bytes)).resolves.toBeUndefined();
		const flipped = bytes.slice();
		flipped[flipped.length - 3] ^= 1;
		await expect(verifyCheckpoint(key!, flipped)).rejects.toThrow(/checksum/);
		const plain = new Uint8Array(readFileSync(join(process.cwd(), 'static', 'checkpoints', 'modularity', 'plain.nrsc')));
		await expect(verifyCheckpoint(key!, plain)).rejects.toThrow(/not the file this page was built with/);
		await expect(verifyCheckpoint('modularity/other.nrsc', bytes)).rejects.toThrow(/not a checkpoint this page was built with/);
		expect(manifestKey('https://example.org/checkpoints/../secret.nrsc')).toBeNull();
	});
});
