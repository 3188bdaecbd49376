// Every registered widget's real params schema, fuzzed: a shared link or an embed attribute is untrusted
// text, and each widget's schema is the only door it comes through. params.test.ts proves the parser on a
// synthetic schema; this proves the four schemas the site actually ships (ranges, steps, enums, lists),
// with values aimed at their own edges. Deterministic: a local LCG.

import { describe, expect, it } from 'vitest';
import { lcg } from './lcg';
import { defaults, isValidValue, MAX_NOTES, parseParams, toQuery, type ParamSpec } from '../../src/lib/params/schema';
import { widgets } from '../../src/lib/widgets/registry';


const GARBAGE = [
	'', 'NaN', '1e309', '-1e309', '-0', '0x10', 'Infinity', '1_000', '.5', ' 7 ', '%', '%E0%A4%A', '%ZZ', '\u0000',
	'\u202e', '\ud800', '💥', 'true', 'maybe', '<img src=x onerror=alert(1)>', 'x'.repeat(5000), '1,,2', ','
];

/** Values aimed at one spec: its bounds, just past them, off its step, and its own vocabulary. */
function edgeValues(spec: ParamSpec): string[] {
	switch (spec.kind) {
		case 'int':
		case 'float': {
			const { min, max } = spec;
			const span = max - min;
			return [min, max, min - 1, max + 1, min - span, max * 10, (min + max) / 2 + 0.37, min + (spec.step ?? 1) / 3, -max].map(String);
		}
		case 'bool':
			return ['1', '0', 'true', 'false', 'yes', 'on', 'off', 'TRUE'];
		case 'enum':
			return [...spec.choices.map((c) => c.value), spec.choices[0].value.toUpperCase(), `${spec.choices[0].value} `];
		case 'intlist': {
			const n = spec.maxLength;
			return [
				Array.from({ length: n }, (_, i) => String(spec.min + (i % (spec.max - spec.min + 1)))).join(','),
				Array.from({ length: n * 3 }, (_, i) => String(i)).join(','),
				`${spec.min - 1},${spec.max + 1},1e400,-0`,
				''
			];
		}
	}
}

describe.each(Object.values(widgets))('the $name schema', ({ schema }) => {
	it('turns 3,000 hostile and edge queries into valid values, and writes back what it read', () => {
		const r = lcg(0x5eed + schema.length);
		const keys = [...schema.map((s) => s.name), '__proto__', 'constructor', 'x', ''];
		let noted = 0;
		for (let i = 0; i < 3000; i++) {
			const parts: string[] = [];
			for (let j = r.int(2 * schema.length); j > 0; j--) {
				const key = r.pick(keys);
				const spec = schema.find((s) => s.name === key);
				const value = spec && r.next() < 0.7 ? r.pick(edgeValues(spec)) : r.pick(GARBAGE);
				// Half raw (malformed escapes reach URLSearchParams as text), half encoded.
				parts.push(r.next() < 0.5 ? `${key}=${value}` : `${key}=${encodeURIComponent(value.replace(/[\ud800-\udfff]/g, '?'))}`);
			}
			const { values, notes } = parseParams(schema, new URLSearchParams(parts.join('&')));
			for (const spec of schema) expect(isValidValue(spec, (values as Record<string, unknown>)[spec.name]), `${spec.name}`).toBe(true);
			expect(notes.length).toBeLessThanOrEqual(MAX_NOTES);
			expect(Object.keys(values).sort()).toEqual(schema.map((s) => s.name).sort());
			if (notes.length) noted++;
			const again = parseParams(schema, new URLSearchParams(toQuery(schema, values)));
			expect(again.values).toEqual(values);
			expect(again.notes).toEqual([]);
		}
		expect(noted).toBeGreaterThan(1000);
	});

	it('accepts its own defaults without a note', () => {
		const { values, notes } = parseParams(schema, new URLSearchParams(toQuery(schema, defaults(schema))));
		expect(notes).toEqual([]);
		expect(values).toEqual(defaults(schema));
	});
});
