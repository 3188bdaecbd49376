import { describe, expect, it } from 'vitest';
import type { SurgeryReport } from '../../src/lib/ml/surgery';
import { headline, horizonReach, normGrowth, verdict } from '../../src/lib/ml/experiments/modularity-analysis';

const D = 4;
/** A report whose swaps keep `swap`, deletions keep `del`, intact `intact`. */
function report(intact: number, swap: number, del: number): SurgeryReport {
	return {
		intact,
		swap: Array.from({ length: D }, (_, i) => Array.from({ length: D }, (_, j) => (i === j ? intact : swap))),
		deleteOne: new Array(D).fill(del),
		repeatOne: new Array(D).fill(intact),
		reverse: 0.5,
		horizonStrict: [0.1, 0.8, 0.9, 0.94, intact],
		horizonPatched: [0.1, 0.9, 0.93, 0.94, intact],
		horizon: [0.6, 0.8, 0.9, 0.94, intact],
		editRatio: [0.3, 0.4, 0.5, 0.3],
		streamNorm: [1, 2, 4, 8, 16],
		editNorm: [1, 2, 4, 8],
		directLogit: [2, 2, 2, 2],
		deleteLogit: [1, 1, 2, 2],
		logitNorm: 10
	};
}

describe('modularity verdict checks exactly the stated falsifier', () => {
	it('is shown when swaps and deletions both cost little and beat the control', () => {
		expect(verdict(report(0.95, 0.94, 0.93), report(0.95, 0.1, 0.1)).shown).toBe(true);
	});
	it('fails when deletions cost more than five points, even if swaps are cheap', () => {
		const v = verdict(report(0.95, 0.94, 0.85), report(0.95, 0.1, 0.1));
		expect(v.shown).toBe(false);
		expect(v.text).toMatch(/deleting one block/);
	});
	it('fails when swaps cost more than five points', () => {
		const v = verdict(report(0.95, 0.85, 0.94), report(0.95, 0.1, 0.1));
		expect(v.shown).toBe(false);
		expect(v.text).toMatch(/swapping neighbouring blocks/);
	});
	it('fails when the control survives deletions about as well', () => {
		const v = verdict(report(0.95, 0.94, 0.93), report(0.95, 0.1, 0.9));
		expect(v.shown).toBe(false);
		expect(v.text).toMatch(/control without skips/);
	});
	it('cannot judge an untrained net', () => {
		expect(verdict(report(0.3, 0.3, 0.3), report(0.3, 0.1, 0.1)).text).toMatch(/cannot test/);
	});
});

describe('modularity summary numbers', () => {
	it('norm growth is the per-block geometric mean', () => {
		expect(normGrowth([1, 2, 4, 8, 16])).toBeCloseTo(2, 10);
		expect(normGrowth([5, 5, 5])).toBeCloseTo(1, 10);
	});
	it('horizon reach is the first k within tolerance of intact', () => {
		expect(horizonReach([0.1, 0.8, 0.945, 0.95], 0.95)).toBe(2);
		expect(horizonReach([0.1, 0.2], 0.95)).toBe(1);
	});
	it('headline names every horizon point, the norms and the deletion effects', () => {
		const h = headline(report(0.95, 0.94, 0.93));
		expect(h.strict1).toBe(0.8);
		expect(h.patched1).toBe(0.9);
		expect(h.horizon0).toBe(0.6);
		expect(h.norm4).toBe(16);
		expect(h.normGrowth).toBeCloseTo(2, 10);
		expect(h.embedShare).toBeCloseTo(1 / 16, 10);
		expect(h.deleteOverDirect).toBeCloseTo(0.75, 10);
	});
});
