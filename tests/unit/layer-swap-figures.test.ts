// The layer-swap widget's pure figure logic, and the small live-session helpers it uses.
import { describe, expect, it } from 'vitest';
import type { SurgeryReport } from '../../src/lib/ml/surgery';
import {
	curveSeries,
	describeOrder,
	horizonFloor,
	isIntact,
	knownAccuracy,
	presets,
	swapOf,
	swapped
} from '../../src/lib/widgets/layer-swap/figures';
import { orderFor } from '../../src/lib/widgets/layer-swap/schema';
import { describeMatch, maxDifference } from '../../src/lib/live/compare';
import { Latest } from '../../src/lib/live/latest';

const D = 4;
const report: SurgeryReport = {
	intact: 0.95,
	swap: Array.from({ length: D }, (_, i) => Array.from({ length: D }, (_, j) => (i === j ? 0.95 : 0.9 - 0.01 * (i + j)))),
	deleteOne: [0.5, 0.8, 0.85, 0.7],
	repeatOne: [0.9, 0.9, 0.9, 0.9],
	reverse: 0.2,
	horizonStrict: [0.1, 0.7, 0.85, 0.93, 0.95],
	horizonPatched: [0.1, 0.9, 0.93, 0.94, 0.95],
	horizon: [0.6, 0.8, 0.9, 0.94, 0.95],
	editRatio: [0.3, 0.4, 0.5, 0.3],
	streamNorm: [5, 6, 7.2, 8.6, 10.4],
	editNorm: [1.5, 2.4, 3.6, 2.6],
	directLogit: [2, 3, 4, 5],
	deleteLogit: [6, 2, 3, 5],
	logitNorm: 12
};

describe('layer-swap figures', () => {
	it('recognises the intact order, a single swap, and nothing else as a swap', () => {
		expect(isIntact([0, 1, 2, 3], D)).toBe(true);
		expect(isIntact([0, 1, 2], D)).toBe(false);
		expect(swapOf(swapped(D, 1, 3), D)).toEqual([1, 3]);
		expect(swapOf([1, 2, 0, 3], D)).toBeNull(); // a rotation of three is not a swap
		expect(swapOf([0, 1, 2], D)).toBeNull();
	});

	it('looks up what the report already knows: intact, swaps, reversal, one block dropped', () => {
		expect(knownAccuracy(report, [0, 1, 2, 3], D)).toBe(0.95);
		expect(knownAccuracy(report, swapped(D, 0, 2), D)).toBe(report.swap[0][2]);
		expect(knownAccuracy(report, [3, 2, 1, 0], D)).toBe(0.2);
		expect(knownAccuracy(report, [0, 2, 3], D)).toBe(0.8); // block 1 dropped
		expect(knownAccuracy(report, [0, 0, 1, 2, 3], D)).toBeNull(); // a repeat needs the worker
	});

	it('offers presets that are all valid orders for the depth', () => {
		for (const depth of [2, 4, 8, 12]) {
			for (const p of presets(depth)) {
				expect(p.order.every((b) => Number.isInteger(b) && b >= 0 && b < depth), `${p.label} at depth ${depth}`).toBe(true);
				expect(orderFor(p.order, depth).note).toBeUndefined();
			}
		}
		expect(presets(8).map((p) => p.label)).toContain('Swap 4↔5');
	});

	it('describes an order in words', () => {
		expect(describeOrder([0, 1, 2, 3], D)).toBe('Intact stack');
		expect(describeOrder(swapped(D, 0, 1), D)).toBe('Swap 1↔2');
		expect(describeOrder([3, 2], D)).toBe('Blocks in order 4, 3');
	});

	it('keeps the horizon floor below every point, in steps of 10 points', () => {
		const floor = horizonFloor(report, { ...report, intact: 0.7 });
		expect(floor).toBe(0.5);
		expect(horizonFloor({ ...report, horizon: [0.01] }, report)).toBe(0);
	});

	it('draws accuracy only where it was measured', () => {
		const curves = {
			residual: [
				{ step: 25, loss: 1, accuracy: null },
				{ step: 50, loss: 0.5, accuracy: 0.9 }
			],
			plain: []
		};
		const s = curveSeries(curves, { residual: 'red', plain: 'blue' });
		expect(s.loss[0].points).toHaveLength(2);
		expect(s.accuracy[0].points).toEqual([{ x: 50, y: 0.9 }]);
	});

	it('corrects an order naming blocks the nets do not have, and says so', () => {
		expect(orderFor([1, 0, 9], 4)).toEqual({ order: [1, 0], note: expect.stringContaining('beyond depth 4') });
		expect(orderFor([9, 10], 4).note).toContain('intact order');
	});
});

describe('live helpers', () => {
	it('compares live numbers with the shipped ones', () => {
		expect(maxDifference([0.5, 0.6], [0.5, 0.6])).toBe(0);
		expect(describeMatch([0.5, 0.6], [0.5, 0.6])).toBe('Identical to the shipped numbers.');
		expect(describeMatch([0.5, 0.6005], [0.5, 0.6])).toMatch(/Largest difference from the shipped numbers: 0\.05 points/);
		expect(describeMatch([0.5], [0.5, 0.6])).toMatch(/Not comparable/);
	});

	it('lets only the latest ticket through', () => {
		const l = new Latest();
		const a = l.take();
		const b = l.take();
		expect(l.stale(a)).toBe(true);
		expect(l.stale(b)).toBe(false);
		l.drop();
		expect(l.stale(b)).toBe(true);
	});
});
