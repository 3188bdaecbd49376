// One typed params schema per widget. The same schema drives the controls (ParamControls), the URL
// query (parse/toQuery), validation, the embed snippets and the custom elements' attributes, so a
// parameter is declared once and cannot drift between those places.
//
// Everything here is pure and DOM-free so it runs in Node (unit tests, scripts), workers and SSR.
// parseParams() is the only door for untrusted text (URL query, element attributes): it never
// throws, always returns valid values, and explains each correction in a short plain-text note.
// (One file of ~400 lines on purpose: parse, coerce and serialise must agree exactly, and the fuzz test
// in tests/unit/params.test.ts holds them together.)

type Common = {
	/** URL key and attribute name: lowercase letters, digits, '-' or '_' (attributes are case-insensitive). */
	name: string;
	label: string;
	help?: string;
	/** true: the change applies at once; false/undefined: it needs a retrain. */
	live?: boolean;
};

export type IntSpec = Common & { kind: 'int'; min: number; max: number; step?: number; default: number };
export type FloatSpec = Common & {
	kind: 'float';
	min: number;
	max: number;
	step?: number;
	/** Slider moves on a log scale (min must be > 0). */
	log?: boolean;
	default: number;
};
export type BoolSpec = Common & { kind: 'bool'; default: boolean };
export type EnumSpec = Common & {
	kind: 'enum';
	choices: readonly { value: string; label: string }[];
	default: string;
};
export type IntListSpec = Common & {
	kind: 'intlist';
	/** Allowed range of every entry. */
	min: number;
	max: number;
	maxLength: number;
	/** Fewer valid entries than this falls back to the default (0 when omitted). */
	minLength?: number;
	/** e.g. a block order [0, 1, 3, 2] */
	default: readonly number[];
};

export type ParamSpec = IntSpec | FloatSpec | BoolSpec | EnumSpec | IntListSpec;
export type Schema = readonly ParamSpec[];
export type ParamValue = number | boolean | string | number[];

type ValueOf<P> = P extends { kind: 'int' | 'float' }
	? number
	: P extends { kind: 'bool' }
		? boolean
		: P extends { kind: 'enum'; choices: readonly { value: infer V }[] }
			? V extends string
				? V
				: string
			: P extends { kind: 'intlist' }
				? number[]
				: never;

/** Maps each param name of a schema to its value type (enum values become their literal union). */
export type ParamValues<S extends Schema> = { [P in S[number] as P['name']]: ValueOf<P> };

/** Untrusted input: a query string (already split) or attribute-like key/value pairs. */
export type ParamInput = URLSearchParams | Readonly<Record<string, string | null | undefined>>;

export type ParseResult<S extends Schema> = { values: ParamValues<S>; notes: string[] };

export type KeyOptions = {
	/** Prepended to every key so several widgets can share one query string, e.g. 'swap.'. */
	prefix?: string;
};

/** Longest note we ever produce; the echoed user text inside it is cut much shorter. */
export const MAX_NOTE_LENGTH = 200;
/** At most this many notes; a schema is small, so more would only come from abuse. */
export const MAX_NOTES = 12;
const MAX_ECHO = 32;
/** Raw values longer than this are not parsed at all: bounds the work a hostile URL can cause. */
const MAX_RAW_LENGTH = 2000;

const NAME_RE = /^[a-z][a-z0-9_-]*$/;

/**
 * Declare a schema. The `const` type parameter keeps names, kinds and enum values as literal types,
 * so `ParamValues<typeof schema>` is precise without `as const` at the call site. It also checks the
 * schema itself (a developer error, so it throws, unlike parseParams).
 */
export function defineSchema<const S extends Schema>(schema: S): S {
	const seen = new Set<string>();
	for (const spec of schema) {
		const where = `param "${spec.name}"`;
		if (!NAME_RE.test(spec.name)) throw new Error(`${where}: name must match ${NAME_RE}`);
		if (seen.has(spec.name)) throw new Error(`${where}: duplicate name`);
		seen.add(spec.name);
		if (!isValidValue(spec, spec.kind === 'intlist' ? [...spec.default] : spec.default))
			throw new Error(`${where}: default is not valid for its own spec`);
		if (spec.kind === 'int' || spec.kind === 'float' || spec.kind === 'intlist') {
			if (!(Number.isFinite(spec.min) && Number.isFinite(spec.max) && spec.min <= spec.max))
				throw new Error(`${where}: needs finite min <= max`);
		}
		if (spec.kind === 'float' && spec.log && !(spec.min > 0))
			throw new Error(`${where}: a log scale needs min > 0`);
		if (spec.kind === 'enum' && spec.choices.length === 0) throw new Error(`${where}: no choices`);
	}
	return schema;
}

/** Fresh default values (arrays are copied so callers may mutate them). */
export function defaults<const S extends Schema>(schema: S): ParamValues<S> {
	const out: Record<string, ParamValue> = {};
	for (const spec of schema) out[spec.name] = spec.kind === 'intlist' ? [...spec.default] : spec.default;
	return out as ParamValues<S>;
}

/** Is `v` exactly a value this spec can hold (the form parseParams returns)? */
export function isValidValue(spec: ParamSpec, v: unknown): boolean {
	switch (spec.kind) {
		case 'int':
			return (
				typeof v === 'number' &&
				Number.isInteger(v) &&
				!Object.is(v, -0) &&
				v >= spec.min &&
				v <= spec.max &&
				onIntGrid(spec, v)
			);
		case 'float':
			return typeof v === 'number' && Number.isFinite(v) && !Object.is(v, -0) && v >= spec.min && v <= spec.max;
		case 'bool':
			return typeof v === 'boolean';
		case 'enum':
			return typeof v === 'string' && spec.choices.some((c) => c.value === v);
		case 'intlist':
			return (
				Array.isArray(v) &&
				v.length <= spec.maxLength &&
				v.length >= (spec.minLength ?? 0) &&
				v.every((x) => typeof x === 'number' && Number.isInteger(x) && !Object.is(x, -0) && x >= spec.min && x <= spec.max)
			);
	}
}

export function valuesEqual(spec: ParamSpec, a: unknown, b: unknown): boolean {
	if (spec.kind === 'intlist') {
		return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i]);
	}
	return a === b;
}

/** Human-readable value, used in notes and next to controls. */
export function formatValue(spec: ParamSpec, v: ParamValue): string {
	switch (spec.kind) {
		case 'bool':
			return v ? 'on' : 'off';
		case 'enum':
			return String(v);
		case 'intlist':
			return Array.isArray(v) ? v.join(',') : String(v);
		default:
			return typeof v === 'number' ? numToString(v) : String(v);
	}
}

/**
 * Parse untrusted input. Never throws: unknown keys are ignored, every schema param gets a valid
 * value, and each correction adds one short plain-text note (render it as text, never as HTML).
 */
export function parseParams<const S extends Schema>(
	schema: S,
	input: ParamInput,
	options: KeyOptions = {}
): ParseResult<S> {
	const values: Record<string, ParamValue> = {};
	const notes: string[] = [];
	const prefix = options.prefix ?? '';
	for (const spec of schema) {
		const key = prefix + spec.name;
		let raw: string | undefined;
		let note: string | undefined;
		try {
			const got = readRaw(input, key);
			raw = got.raw;
			if (got.count > 1) note = `${key} was given ${got.count} times; using the last one.`;
		} catch {
			raw = undefined; // a hostile getter or proxy: treat as absent
		}
		if (raw === undefined) {
			values[spec.name] = spec.kind === 'intlist' ? [...spec.default] : spec.default;
		} else {
			const r = parseOne(spec, key, raw);
			values[spec.name] = r.value;
			// The value problem is more useful than the duplicate-key one; keep one note per param.
			note = r.note ?? note;
		}
		if (note !== undefined && notes.length < MAX_NOTES) notes.push(clip(note, MAX_NOTE_LENGTH));
	}
	return { values: values as ParamValues<S>, notes };
}

/**
 * Check one value that did not come from text (a property set from code, an input event).
 * Returns a valid value and, if it had to change it, a note.
 */
export function coerceValue(spec: ParamSpec, v: unknown, key = spec.name): { value: ParamValue; note?: string } {
	if (isValidValue(spec, v)) return { value: Array.isArray(v) ? [...v] : (v as ParamValue) };
	let text: string;
	if (Array.isArray(v)) text = v.map((x) => (typeof x === 'number' ? numToString(x) : String(x))).join(',');
	else if (typeof v === 'number') text = numToString(v);
	else if (typeof v === 'boolean') text = v ? '1' : '0';
	else if (typeof v === 'string') text = v;
	else {
		const d = spec.kind === 'intlist' ? [...spec.default] : spec.default;
		return { value: d, note: clip(`${key} has an unusable value; using ${formatValue(spec, d)} (default).`, MAX_NOTE_LENGTH) };
	}
	const r = parseOne(spec, key, text);
	return r.note ? { value: r.value, note: clip(r.note, MAX_NOTE_LENGTH) } : r;
}

/**
 * Serialize the non-default values, in schema order, URL-encoded, without a leading '?'.
 * Returns '' when everything is default. parseParams(schema, new URLSearchParams(toQuery(...)))
 * returns exactly the same values. Invalid values are corrected first so the output always parses.
 */
export function toQuery<const S extends Schema>(
	schema: S,
	values: Partial<ParamValues<S>> | Readonly<Record<string, unknown>>,
	options: KeyOptions = {}
): string {
	const prefix = options.prefix ?? '';
	const parts: string[] = [];
	const vals = values as Record<string, unknown>;
	for (const spec of schema) {
		if (!Object.prototype.hasOwnProperty.call(vals, spec.name)) continue;
		const { value } = coerceValue(spec, vals[spec.name]);
		if (valuesEqual(spec, value, spec.default)) continue;
		parts.push(`${encode(prefix + spec.name)}=${encode(serialize(spec, value))}`);
	}
	return parts.join('&');
}

/** The query keys a schema owns (with prefix), e.g. to remove them from a URL. */
export function queryKeys(schema: Schema, options: KeyOptions = {}): string[] {
	return schema.map((s) => (options.prefix ?? '') + s.name);
}

// ---------------------------------------------------------------------------------------------

function serialize(spec: ParamSpec, v: ParamValue): string {
	switch (spec.kind) {
		case 'bool':
			return v ? '1' : '0';
		case 'enum':
			return String(v);
		case 'intlist':
			return (v as number[]).join(',');
		default:
			return numToString(v as number);
	}
}

// Commas stay readable in shared links ("order=0,1,3,2"); they are legal in a query string.
function encode(s: string): string {
	return encodeURIComponent(s).replace(/%2C/gi, ',');
}

function numToString(n: number): string {
	return Object.is(n, -0) ? '0' : String(n);
}

function readRaw(input: ParamInput, key: string): { raw: string | undefined; count: number } {
	if (input instanceof URLSearchParams) {
		const all = input.getAll(key);
		return { raw: all.length ? all[all.length - 1] : undefined, count: all.length };
	}
	if (input === null || typeof input !== 'object') return { raw: undefined, count: 0 };
	// Own properties only: '__proto__' or 'constructor' must not leak in from the prototype.
	if (!Object.prototype.hasOwnProperty.call(input, key)) return { raw: undefined, count: 0 };
	const v: unknown = (input as Record<string, unknown>)[key];
	if (v === null || v === undefined) return { raw: undefined, count: 0 };
	if (typeof v === 'string') return { raw: v, count: 1 };
	if (typeof v === 'number' || typeof v === 'boolean') return { raw: String(v), count: 1 };
	return { raw: '\u0000', count: 1 }; // objects etc.: unparseable, yields default + note
}

const NUM_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

// Stricter than Number(): '', ' ', '0x10', 'Infinity' and '1_000' are not numbers here.
function parseNumber(s: string): number | null {
	if (s.length > 64 || !NUM_RE.test(s)) return null;
	const n = Number(s);
	return Number.isNaN(n) ? null : n + 0; // + 0 turns -0 into 0
}

function onIntGrid(spec: IntSpec, v: number): boolean {
	const step = spec.step ?? 1;
	return !(step > 1 && Number.isInteger(step)) || (v - spec.min) % step === 0;
}

function snapInt(spec: IntSpec, v: number): number {
	const step = spec.step ?? 1;
	let out = Math.min(spec.max, Math.max(spec.min, Math.round(v)));
	if (step > 1 && Number.isInteger(step)) {
		out = spec.min + Math.round((out - spec.min) / step) * step;
		if (out > spec.max) out -= step;
	}
	return out + 0;
}

function range(spec: { min: number; max: number }): string {
	return `${numToString(spec.min)}–${numToString(spec.max)}`;
}

function parseOne(spec: ParamSpec, key: string, rawIn: string): { value: ParamValue; note?: string } {
	const def = (why: string) => {
		const d = spec.kind === 'intlist' ? [...spec.default] : spec.default;
		return { value: d, note: `${key}=${echo(rawIn)} ${why}; using ${formatValue(spec, d)} (default).` };
	};
	if (rawIn.length > MAX_RAW_LENGTH) return def('is too long');
	const raw = rawIn.trim();
	switch (spec.kind) {
		case 'int': {
			const n = parseNumber(raw);
			if (n === null) return def('is not a number');
			const v = snapInt(spec, n);
			if (n < spec.min || n > spec.max) return { value: v, note: `${key}=${echo(raw)} is out of range ${range(spec)}; using ${v}.` };
			if (!Number.isInteger(n)) return { value: v, note: `${key}=${echo(raw)} is not a whole number; using ${v}.` };
			if (v !== n) return { value: v, note: `${key}=${echo(raw)} is not a step of ${spec.step}; using ${v}.` };
			return { value: v };
		}
		case 'float': {
			const n = parseNumber(raw);
			if (n === null) return def('is not a number');
			if (n < spec.min || n > spec.max) {
				const v = n < spec.min ? spec.min : spec.max;
				return { value: v + 0, note: `${key}=${echo(raw)} is out of range ${range(spec)}; using ${numToString(v)}.` };
			}
			return { value: n };
		}
		case 'bool': {
			const s = raw.toLowerCase();
			// A bare key ("?relu") means on, like an HTML boolean attribute.
			if (s === '' || s === '1' || s === 'true' || s === 'yes' || s === 'on') return { value: true };
			if (s === '0' || s === 'false' || s === 'no' || s === 'off') return { value: false };
			return def('is not on/off');
		}
		case 'enum': {
			const hit = spec.choices.find((c) => c.value === raw);
			if (hit) return { value: hit.value };
			return def(`is not one of ${spec.choices.map((c) => c.value).join(', ')}`);
		}
		case 'intlist': {
			const tokens = raw === '' ? [] : raw.split(/[\s,]+/).filter((t) => t !== '');
			const kept: number[] = [];
			const dropped: string[] = [];
			let rounded = false;
			for (const t of tokens) {
				const n = parseNumber(t);
				if (n === null || n < spec.min || n > spec.max) {
					dropped.push(t);
					continue;
				}
				const r = Math.round(n) + 0;
				if (r !== n) rounded = true;
				kept.push(r);
			}
			const issues: string[] = [];
			if (dropped.length) issues.push(`dropped ${echo(dropped.join(','))} (allowed ${range(spec)})`);
			if (rounded) issues.push('rounded to whole numbers');
			if (kept.length > spec.maxLength) {
				issues.push(`kept the first ${spec.maxLength} of ${kept.length} entries`);
				kept.length = spec.maxLength;
			}
			if (kept.length < (spec.minLength ?? 0)) return def(`has fewer than ${spec.minLength} valid entries`);
			if (!issues.length) return { value: kept };
			return { value: kept, note: `${key}=${echo(raw)}: ${issues.join('; ')}; using ${kept.join(',') || '(empty)'}.` };
		}
	}
}

// User text echoed in a note: no control/format characters (NUL, newlines, bidi overrides,
// zero-width), no lone surrogates, whitespace collapsed, and short.
function echo(s: string): string {
	const cleaned = s
		.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
		.replace(/[\p{Cc}\p{Cf}\p{Co}\p{Cn}\u2028\u2029]/gu, '')
		.replace(/\s+/g, ' ')
		.trim();
	return clip(cleaned, MAX_ECHO) || '""';
}

// Cut by code points so a surrogate pair is never split.
function clip(s: string, max: number): string {
	if (s.length <= max) return s;
	let out = '';
	for (const cp of s) {
		if (out.length + cp.length > max - 1) break;
		out += cp;
	}
	return out + '…';
}
