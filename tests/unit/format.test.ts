// The one number-format module: percentages, signed decimals, control labels, and the essays' inline stats.
import { describe, expect, it } from 'vitest';
import { fixed, formatNumber, pct, roundSig, statText, statValue } from '../../src/lib/format';

const s = (mean: number, sd: number) => ({ mean, sd, min: mean - sd, max: mean + sd, n: 3 });

describe('format', () => {
	it('writes percentages with a non-breaking space and a dash for missing values', () => {
		expect(pct(0.941, 1)).toBe('94.1\u00a0%');
		expect(pct(NaN)).toBe('–');
	});

	it('writes a real minus sign, but never a negative zero', () => {
		expect(fixed(-0.5)).toBe('\u22120.50');
		expect(fixed(-0.001, 2)).toBe('0.00');
	});

	it('keeps control labels short and round-trips log-slider values', () => {
		expect(formatNumber(0.0012345)).toBe('0.00123');
		expect(formatNumber(1e-5)).toBe('1e-5');
		expect(roundSig(0.123456)).toBe(0.123);
	});

	it('writes a multi-seed stat in each essay format', () => {
		expect(statText(s(0.948, 0.003), 'percent')).toBe('94.8\u00a0% ± 0.3');
		expect(statText(s(0.121, 0.005), 'points')).toBe('12.1 ± 0.5 points');
		expect(statText(s(0.4612, 0.09), 'slope')).toBe('0.46 ± 0.09');
		expect(statText(s(0.0251, 0.005), 'cos')).toBe('0.025 ± 0.005');
		expect(statText(s(0.6, 0), 'lambda')).toBe('0.6');
		expect(statText(s(1500, 20), 'ms')).toBe('1.5 s ± 20 ms');
		expect(statValue(Infinity, 'percent')).toBe('–');
	});
});
