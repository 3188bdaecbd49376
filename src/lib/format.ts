// Number formats shared by the page, the plots, the verdict sentences in src/lib/ml and the essays'
// inline numbers: one place, no DOM, no d3 (the plots' d3-based formats build on these).
import type { Stat } from './ml/experiments/common';

/** Non-breaking space between a number and its unit ("94.1 %"). */
export const NBSP = '\u00a0';

/** A fraction in [0, 1] as a percentage: pct(0.941, 1) → "94.1 %". Not finite → "–". */
export function pct(v: number, digits = 0): string {
	if (!Number.isFinite(v)) return '–';
	return `${(v * 100).toFixed(digits)}${NBSP}%`;
}

/** Fixed decimals with a real minus sign: fixed(-0.5) → "−0.50". */
export function fixed(v: number, digits = 2): string {
	if (!Number.isFinite(v)) return '–';
	const s = Math.abs(v).toFixed(digits);
	return v < 0 && Number(s) !== 0 ? `\u2212${s}` : s;
}

/** Up to `digits` significant digits, no trailing zeros, exponent only for tiny/huge values (controls' labels). */
export function formatNumber(v: number, digits = 3): string {
	if (!Number.isFinite(v)) return String(v);
	if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
	const a = Math.abs(v);
	if (a !== 0 && (a < 1e-3 || a >= 1e9)) {
		const [m, e] = v.toExponential(digits - 1).split('e');
		return `${String(Number(m))}e${Number(e)}`;
	}
	return String(Number(v.toPrecision(digits)));
}

/** Round to `digits` significant digits (keeps log-slider values and URLs short). */
export function roundSig(v: number, digits = 3): number {
	if (v === 0 || !Number.isFinite(v)) return v;
	return Number(v.toPrecision(digits));
}

/** How an inline number from the shipped results is written. */
export type StatFormat = 'percent' | 'points' | 'ratio' | 'nats' | 'corr' | 'slope' | 'cos' | 'number' | 'lambda' | 'ms' | 'count';

/** One value in a stat's format: 0.948 → "94.8 %" (percent), "94.8" (points), "0.95" (ratio). */
export function statValue(v: number, format: StatFormat): string {
	if (!Number.isFinite(v)) return '–';
	switch (format) {
		case 'percent':
			return pct(v, 1);
		case 'points':
			return (v * 100).toFixed(1);
		case 'ratio':
		case 'nats':
		case 'corr':
		case 'slope':
			return v.toFixed(2);
		case 'cos':
		case 'number':
			return v.toFixed(3);
		case 'lambda':
			return Number.isInteger(v) ? String(v) : v.toFixed(2);
		case 'ms':
			return v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`;
		case 'count':
			return v.toFixed(0);
	}
}

/** Mean ± standard deviation over seeds: "94.8 % ± 0.3", "12.1 ± 0.5 points", "0.46 ± 0.09". */
export function statText(s: Stat, format: StatFormat): string {
	if (format === 'percent') return `${pct(s.mean, 1)} ± ${(s.sd * 100).toFixed(1)}`;
	if (format === 'points') return `${statValue(s.mean, format)} ± ${statValue(s.sd, format)} points`;
	if (format === 'lambda' && s.sd === 0) return String(s.mean);
	return `${statValue(s.mean, format)} ± ${statValue(s.sd, format)}`;
}
