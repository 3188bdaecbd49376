// Shared number formatters and the categorical palette for every plot.
import * as d3 from 'd3';

// pct, fixed and NBSP live in $lib/format (no d3: the ml verdicts and the essays use them too).
import { fixed } from '$lib/format';
export { NBSP, pct, fixed } from '$lib/format';

const fmtSI = d3.format('.3~s');
const fmtG = d3.format('.3~g');
const fmtInt = d3.format(',.4~g');

/** Short general-purpose number: 3 significant digits (4 for 1000–9999), SI suffixes from 10k (12k, 1.5M). */
export function num(v: number): string {
	if (!Number.isFinite(v)) return '–';
	const a = Math.abs(v);
	const s = a >= 1e4 ? fmtSI(v) : a >= 1 ? fmtInt(v) : fmtG(v);
	return s.replace('-', '\u2212');
}

/** Integer with thousands separators: int(12345) → "12,345". */
export function int(v: number): string {
	if (!Number.isFinite(v)) return '–';
	return d3.format(',d')(Math.round(v));
}

/** A ratio like ‖f(h)‖/‖h‖: two significant decimals for small values, fewer for big ones. */
export function ratio(v: number): string {
	if (!Number.isFinite(v)) return '–';
	const a = Math.abs(v);
	if (a === 0) return '0';
	if (a < 0.01) return d3.format('.1~e')(v).replace('-', '\u2212');
	if (a < 10) return fixed(v, 2);
	return num(v);
}

/** Leading digit of a positive number (1 for 0.1, 2 for 200, 5 for 0.05). */
function lead(v: number): number {
	const k = Math.floor(Math.round(Math.log10(v) * 1e6) / 1e6);
	return Math.round((v / 10 ** k) * 1000) / 1000;
}

/** Tick formatter for a log axis: only 1, 2, 5 × 10^k get a label. */
export function logTick(v: number): string {
	const m = lead(v);
	if (m === 1 || m === 2 || m === 5) return num(v);
	return '';
}

/**
 * Tick values for a log axis that stay readable: powers of ten when there are many decades,
 * 1-2-5 steps when there are few, every tick when the range is under a decade.
 */
export function logTicks(domain: number[], count: number): number[] {
	const [a, b] = [Math.min(domain[0], domain[1]), Math.max(domain[0], domain[1])];
	const all = d3.scaleLog().domain([a, b]).ticks(Math.max(count, 10));
	if (all.length <= count + 1) return all;
	const e125 = all.filter((v) => [1, 2, 5].includes(lead(v)));
	if (e125.length <= count + 1) return e125;
	const p10 = all.filter((v) => lead(v) === 1);
	if (p10.length <= count + 1 || p10.length < 3) return p10;
	const step = Math.ceil(p10.length / (count + 1));
	return p10.filter((_, i) => i % step === 0);
}

/**
 * Categorical palette for block identity. Okabe–Ito (colour-blind safe) without black, extended with
 * a few Tableau hues that stay distinguishable on light and dark backgrounds. Indices past the end wrap.
 */
export const CATEGORICAL: readonly string[] = [
	'#0072b2', // blue
	'#e69f00', // orange
	'#009e73', // bluish green
	'#cc79a7', // reddish purple
	'#56b4e9', // sky blue
	'#d55e00', // vermillion
	'#c9b81e', // yellow (darkened for light backgrounds)
	'#8c6d31', // brown
	'#7f7f7f', // grey
	'#9467bd', // purple
	'#17becf', // cyan
	'#bcbd22' // olive
];

/** Colour for original block index i (stable across reorders, so swapped/repeated blocks stand out). */
export function categorical(i: number): string {
	const n = CATEGORICAL.length;
	return CATEGORICAL[((i % n) + n) % n];
}

/**
 * Default colour for the i-th series of a chart: residual accent, plain/control accent, then the
 * categorical palette. Returned as CSS (may contain var()), so apply it with style:, not attributes.
 */
export function seriesColor(i: number): string {
	if (i === 0) return 'var(--accent, #1d5bbf)';
	if (i === 1) return 'var(--accent-2, #b8480f)';
	return categorical(i);
}
