// The params parser is the only door for untrusted text (shared URLs, embed attributes). These tests
// pin its two promises: valid values round-trip exactly, and no input whatsoever makes it throw
// or return an invalid value. Deterministic: a local LCG, no Math.random.

import { describe, expect, it } from 'vitest';
import { lcg } from './lcg';
import {
	coerceValue,
	defaults,
	defineSchema,
	isValidValue,
	MAX_NOTE_LENGTH,
	MAX_NOTES,
	parseParams,
	toQuery,
	type ParamSpec,
	type ParamValue,
	type ParamValues
} from '../../src/lib/params/schema';

type Rand = ReturnType<typeof lcg>;

const schema = defineSchema([
	{ name: 'depth', label: 'Depth', kind: 'int', min: 2, max: 12, default: 4 },
	{ name: 'width', label: 'Width', kind: 'int', min: 8, max: 256, step: 8, default: 64 },
	{ name: 'seed', label: 'Seed', kind: 'int', min: 0, max: 2 ** 31 - 1, default: 1 },
	{ name: 'neg', label: 'Negative', kind: 'int', min: -5, max: 5, default: 0 },
	{ name: 'lr', label: 'Learning rate', kind: 'float', min: 1e-5, max: 1, log: true, default: 0.01 },
	{ name: 'noise', label: 'Noise', kind: 'float', min: -1, max: 1, step: 0.01, default: 0, live: true },
	{ name: 'relu', label: 'ReLU', kind: 'bool', default: true },
	{ name: 'norm', label: 'Norm', kind: 'bool', default: false },
	{
		name: 'opt',
		label: 'Optimizer',
		kind: 'enum',
		choices: [
			{ value: 'sgd', label: 'SGD' },
			{ value: 'adam', label: 'Adam' },
			{ value: 'a b&c=d', label: 'Odd' }
		],
		default: 'adam'
	},
	{ name: 'order', label: 'Block order', kind: 'intlist', min: 0, max: 7, maxLength: 8, default: [0, 1, 2, 3] },
	{ name: 'keep', label: 'Kept', kind: 'intlist', min: 0, max: 3, maxLength: 4, minLength: 1, default: [0] }
]);

// Type-level check: names map to the right value types (compile error if ParamValues regresses).
const typed: ParamValues<typeof schema> = defaults(schema);
const _d: number = typed.depth;
const _o: 'sgd' | 'adam' | 'a b&c=d' = typed.opt;
const _b: boolean = typed.relu;
const _l: number[] = typed.order;
void [_d, _o, _b, _l];

function randomValid(spec: ParamSpec, r: Rand): ParamValue {
	switch (spec.kind) {
		case 'int': {
			const step = spec.step ?? 1;
			return spec.min + r.int(Math.floor((spec.max - spec.min) / step) + 1) * step;
		}
		case 'float': {
			const edge = r.int(6);
			if (edge === 0) return spec.min;
			if (edge === 1) return spec.max;
			const v = spec.log
				? Math.exp(Math.log(spec.min) + r.next() * (Math.log(spec.max) - Math.log(spec.min)))
				: spec.min + r.next() * (spec.max - spec.min);
			return Math.min(spec.max, Math.max(spec.min, v)) + 0;
		}
		case 'bool':
			return r.next() < 0.5;
		case 'enum':
			return r.pick(spec.choices).value;
		case 'intlist': {
			const min = spec.minLength ?? 0;
			const n = min + r.int(spec.maxLength - min + 1);
			return Array.from({ length: n }, () => spec.min + r.int(spec.max - spec.min + 1));
		}
	}
}

function assertAllValid(values: Record<string, unknown>, notes: string[]) {
	for (const spec of schema) {
		if (!isValidValue(spec, values[spec.name])) {
			throw new Error(`${spec.name} invalid: ${JSON.stringify(values[spec.name])}`);
		}
	}
	expect(Object.keys(values).sort()).toEqual(schema.map((s) => s.name).sort());
	expect(notes.length).toBeLessThanOrEqual(MAX_NOTES);
	for (const n of notes) {
		expect(typeof n).toBe('string');
		expect(n.length).toBeLessThanOrEqual(MAX_NOTE_LENGTH);
		expect(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/.test(n)).toBe(false);
	}
}

describe('params schema', () => {
	it('defaults parse to defaults with no notes', () => {
		const r = parseParams(schema, new URLSearchParams(''));
		expect(r.values).toEqual(defaults(schema));
		expect(r.notes).toEqual([]);
		expect(toQuery(schema, defaults(schema))).toBe('');
	});

	it('round-trips random valid values exactly, with no notes', () => {
		const r = lcg(12345);
		for (let i = 0; i < 2000; i++) {
			const values: Record<string, ParamValue> = {};
			for (const spec of schema) values[spec.name] = randomValid(spec, r);
			const q = toQuery(schema, values);
			const back = parseParams(schema, new URLSearchParams(q));
			expect(back.notes).toEqual([]);
			expect(back.values).toEqual(values);
			// With a prefix too, and through the record form (embed attributes).
			const qp = toQuery(schema, values, { prefix: 'swap.' });
			expect(parseParams(schema, new URLSearchParams(qp), { prefix: 'swap.' }).values).toEqual(values);
			expect(parseParams(schema, Object.fromEntries(new URLSearchParams(q))).values).toEqual(values);
		}
	});

	it('writes only non-default values, in schema order, stably encoded', () => {
		const v = { ...defaults(schema), order: [0, 1, 3, 2], depth: 6, opt: 'a b&c=d' as const, relu: false };
		expect(toQuery(schema, v)).toBe('depth=6&relu=0&opt=a%20b%26c%3Dd&order=0,1,3,2');
		expect(toQuery(schema, { depth: 4 })).toBe('');
	});

	it('corrects bad values with short notes', () => {
		const r = parseParams(schema, new URLSearchParams('depth=99&width=13&lr=abc&relu=maybe&opt=rmsprop&order=0,9,x,2&neg=-0'));
		expect(r.values.depth).toBe(12);
		expect(r.values.width).toBe(16);
		expect(r.values.lr).toBe(0.01);
		expect(r.values.relu).toBe(true);
		expect(r.values.opt).toBe('adam');
		expect(r.values.order).toEqual([0, 2]);
		expect(Object.is(r.values.neg, 0)).toBe(true);
		expect(r.notes).toContain('depth=99 is out of range 2–12; using 12.');
		expect(r.notes.length).toBe(6);
	});

	it('accepts the documented bool spellings, bare keys and rounds ints', () => {
		for (const [s, v] of [['1', true], ['0', false], ['TRUE', true], ['no', false], ['on', true], ['off', false], ['', true], ['yes', true]] as const) {
			expect(parseParams(schema, new URLSearchParams(`norm=${s}`)).values.norm).toBe(v);
		}
		expect(parseParams(schema, new URLSearchParams('norm')).values.norm).toBe(true);
		const r = parseParams(schema, new URLSearchParams('depth=3.6'));
		expect(r.values.depth).toBe(4);
		expect(r.notes.length).toBe(1);
		expect(parseParams(schema, new URLSearchParams('depth=1e309')).values.depth).toBe(12);
		expect(parseParams(schema, new URLSearchParams('order=1 2  3,,4')).values.order).toEqual([1, 2, 3, 4]);
		expect(parseParams(schema, new URLSearchParams('keep=')).values.keep).toEqual([0]);
		expect(parseParams(schema, new URLSearchParams('order=')).values.order).toEqual([]);
	});

	it('ignores prototype keys and non-string record values', () => {
		const evil = JSON.parse('{"__proto__": {"depth": "7"}, "constructor": "x"}') as Record<string, string>;
		const r = parseParams(schema, evil);
		expect(r.values).toEqual(defaults(schema));
		const odd = { depth: 5 as unknown as string, relu: {} as unknown as string, order: null };
		const r2 = parseParams(schema, odd);
		expect(r2.values.depth).toBe(5);
		expect(r2.values.relu).toBe(true);
		assertAllValid(r2.values, r2.notes);
	});

	it('coerceValue fixes programmatic values', () => {
		const spec = schema[0];
		expect(coerceValue(spec, 7)).toEqual({ value: 7 });
		expect(coerceValue(spec, NaN).value).toBe(4);
		expect(coerceValue(spec, 100).value).toBe(12);
		expect(coerceValue(spec, {}).value).toBe(4);
	});

	it('rejects broken schemas at definition time', () => {
		expect(() => defineSchema([{ name: 'a', label: 'A', kind: 'int', min: 0, max: 3, default: 9 }])).toThrow();
		expect(() => defineSchema([{ name: 'Bad Name', label: 'A', kind: 'bool', default: true }])).toThrow();
		expect(() =>
			defineSchema([
				{ name: 'a', label: 'A', kind: 'bool', default: true },
				{ name: 'a', label: 'A', kind: 'bool', default: true }
			])
		).toThrow();
		expect(() => defineSchema([{ name: 'lr', label: 'A', kind: 'float', min: 0, max: 1, log: true, default: 0.1 }])).toThrow();
	});

	it('survives 10,000 random and hostile query strings', () => {
		const r = lcg(20240601);
		const keys = [...schema.map((s) => s.name), 'swap.depth', '__proto__', 'constructor', 'x', '', '%00', 'depth[]', 'DEPTH'];
		const atoms = [
			'', 'NaN', '1e309', '-1e309', '-0', '+0', '0x10', 'Infinity', '-Infinity', '1_000', '9007199254740993',
			'1e-400', '.5', '5.', '-.5e-3', ' 7 ', '<script>alert(1)</script>', '%00', '%', '%E0%A4%A', '%ZZ',
			'\u0000', '\u202e', '\ud800', '\udfff', '💥', 'true', 'off', 'adam', 'a b&c=d', '0,1,2,3,4,5,6,7,8,9',
			'[1,2]', '{"a":1}', 'null', 'undefined', '1,,2', ',', ' ', '+', '&', '=', '==', '\n', '\r\n', '\t'
		];
		const randomUnicode = (n: number) => {
			let s = '';
			for (let i = 0; i < n; i++) {
				const kind = r.int(4);
				const cp = kind === 0 ? r.int(0x80) : kind === 1 ? r.int(0x800) : kind === 2 ? r.int(0x10000) : r.int(0x110000);
				s += String.fromCodePoint(cp);
			}
			return s;
		};
		const randomValue = (): string => {
			switch (r.int(7)) {
				case 0:
					return r.pick(atoms);
				case 1:
					return randomUnicode(r.int(40));
				case 2:
					return String((r.next() - 0.5) * 10 ** r.int(400));
				case 3:
					return Array.from({ length: r.int(30) }, () => String(r.int(20) - 5)).join(r.pick([',', ' ', ', ', ';']));
				case 4:
					return r.pick(atoms) + randomUnicode(r.int(5)) + r.pick(atoms);
				case 5:
					return 'x'.repeat(r.int(5000));
				default:
					return String(r.int(300) - 20);
			}
		};
		// encodeURIComponent throws on lone surrogates; replace them so the harness itself can't throw.
		const enc = (s: string) =>
			encodeURIComponent(Array.from(s, (c) => (c.length === 1 && c >= '\ud800' && c <= '\udfff' ? '\ufffd' : c)).join(''));
		let noted = 0;
		for (let i = 0; i < 10_000; i++) {
			let q: string;
			const mode = r.int(4);
			if (mode === 0) {
				q = randomUnicode(r.int(200));
			} else {
				const pairs: string[] = [];
				const n = r.int(14);
				for (let j = 0; j < n; j++) {
					const k = r.pick(keys);
					const v = randomValue();
					// Some raw (possibly malformed escapes), some properly encoded, some bare keys.
					pairs.push(mode === 1 ? `${k}=${v}` : mode === 2 ? `${enc(k)}=${enc(v)}` : r.next() < 0.2 ? k : `${k}=${enc(v)}`);
				}
				q = (r.next() < 0.5 ? '?' : '') + pairs.join('&');
			}
			const res = parseParams(schema, new URLSearchParams(q));
			assertAllValid(res.values as Record<string, unknown>, res.notes);
			if (res.notes.length) noted++;
			// Record form, as embed attributes would arrive.
			const rec: Record<string, string> = {};
			for (const [k, v] of new URLSearchParams(q)) rec[k] = v;
			const res2 = parseParams(schema, rec, { prefix: r.next() < 0.3 ? 'swap.' : '' });
			assertAllValid(res2.values as Record<string, unknown>, res2.notes);
			// Whatever came in, what we write back parses to the same values without notes.
			const again = parseParams(schema, new URLSearchParams(toQuery(schema, res.values)));
			expect(again.values).toEqual(res.values);
			expect(again.notes).toEqual([]);
		}
		// The fuzzer must actually reach the correction paths, not just unknown keys.
		expect(noted).toBeGreaterThan(3000);
	});
});
