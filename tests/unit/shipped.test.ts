// The shipped-results loader: a results.json missing what a widget reads fails loudly, and every
// widget's shipped results pass it as committed.
import { describe, expect, it } from 'vitest';
import { decodeBase64, shippedResults } from '../../src/lib/shipped';

describe('shipped results', () => {
	it('names the missing keys of a stale results.json', () => {
		expect(() => shippedResults<{ a: number; b: number }>({ a: 1 }, 'x', ['a', 'b'])).toThrow(/x\/results\.json lacks b/);
		expect(() => shippedResults<{ a: number }>([], 'x', ['a'])).toThrow(/not an object/);
		expect(shippedResults<{ a: number }>({ a: 1 }, 'x', ['a']).a).toBe(1);
	});

	it('decodes base64 sample digits', () => {
		expect(Array.from(decodeBase64(btoa(String.fromCharCode(0, 7, 255))))).toEqual([0, 7, 255]);
	});

	it('loads every widget’s committed results', async () => {
		for (const w of ['layer-swap', 'credit', 'stitching', 'task-vectors', 'double-it']) {
			const m = await import(`../../src/lib/widgets/${w}/shipped.ts`);
			expect(m.shipped, w).toBeTypeOf('object');
		}
	});
});
