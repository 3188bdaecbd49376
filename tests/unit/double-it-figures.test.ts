// The "Double it" widget's pure figure logic, and the shipped grid it opens on.
import { describe, expect, it } from 'vitest';
import * as fig from '../../src/lib/widgets/double-it/figures';
import { shipped } from '../../src/lib/widgets/double-it/shipped';
import { BASELINE, ROWS, planGrid, settingKey, singleStepCells, verdict } from '../../src/lib/ml/experiments/double-it';
import type { RunResult } from '../../src/lib/ml/experiments/double-it-analysis';

const fakeRun = (id: string, seed: number, steps: number[], acc: (s: number) => number): RunResult => ({
	id,
	seed,
	curve: steps.map((step) => ({ step, accuracy: acc(step), testLoss: 1 - acc(step) })),
	nonFinite: false,
	flops: 1,
	ms: 1
});

describe('double-it figures', () => {
	it('a table row per grid row, a cell per factor, the baseline marked once per counted row', () => {
		const rows = fig.tableRows([]);
		expect(rows.map((r) => r.row.key)).toEqual(ROWS.map((r) => r.key));
		expect(rows.flatMap((r) => r.cells).filter((c) => c.baseline)).toHaveLength(ROWS.filter((r) => !r.control).length);
		expect(fig.allFactors()[0]).toBe(1 / 8);
		expect(fig.allFactors().at(-1)).toBe(32);
	});

	it('cells appear only once all their seeds are in (partial results), with the broke flag against the baseline', () => {
		const { groups } = planGrid(ROWS, [1, 2]);
		const runs = groups.flatMap((g) => g.runs);
		const some = runs.filter((r) => r.setting.width === BASELINE.width && r.setting.learningRate <= 0.004 && r.setting.residual).map((r) =>
			fakeRun(r.id, r.seed, r.evalSteps, () => (r.setting.learningRate === 0.004 ? 0.5 : 0.9))
		);
		const cells = fig.gridCells(some, [1, 2]);
		expect(cells.find((c) => c.cell === 'width@1')!.acc.mean).toBeCloseTo(0.9);
		expect(cells.find((c) => c.cell === 'learningRate@4')!.broke).toBe(true);
		expect(cells.find((c) => c.cell === 'learningRate@2')!.broke).toBe(false);
		expect(cells.find((c) => c.cell === 'width@2')).toBeUndefined();
	});

	it('a cell retrains beside the baseline from one seed: one run each, the steps row reads the baseline run', () => {
		const plan = fig.cellPlan('width@2', 5).flatMap((g) => g.runs);
		expect(plan.map((r) => r.setting.width)).toEqual([64, 128]);
		expect(plan.every((r) => r.seed === 5)).toBe(true);
		const steps = fig.cellPlan('steps@4', 1).flatMap((g) => g.runs);
		expect(steps).toHaveLength(1);
		expect(steps[0].evalSteps).toContain(1600);
		expect(fig.cellPlan('steps@0.25', 1).flatMap((g) => g.runs)[0].evalSteps).toContain(100);
		expect(fig.cellPlan('width@1', 1).flatMap((g) => g.runs)).toHaveLength(1);
		expect(settingKey(fig.settingOf('learningRate@32'))).toContain('0.032');
	});

	it('the learning panel: one curve per width in order, each with its compute, and examples to a loss', () => {
		const m = new Map([
			[64, [fakeRun('a', 1, [100, 200], (s) => s / 400)]],
			[16, [fakeRun('b', 1, [100, 200], (s) => s / 800)]]
		]);
		const curves = fig.learnCurves(m);
		expect(curves.map((c) => c.width)).toEqual([16, 64]);
		expect(curves[1].flops).toBeGreaterThan(curves[0].flops);
		expect(curves[0].series.points[0].x).toBe(100 * BASELINE.batchSize);
		// the live panel reads its runs every 25 steps, like the shipped width row
		expect(fig.learnPlan(128, 1).flatMap((g) => g.runs)[0].evalSteps.slice(0, 3)).toEqual([25, 50, 75]);
		expect(fig.examplesTo(curves[1], 0.6)).toBe(200 * BASELINE.batchSize);
		expect(fig.examplesTo(curves[0], 0.1)).toBeNull();
	});

	it('the shipped grid is complete: every cell of every row, three seeds each, and a decided verdict', () => {
		const cells = fig.gridCells(shipped.runs, shipped.seeds);
		expect(shipped.complete).toBe(true);
		// one path for every shipped number: each net trained alone (scripts/make-double-it.ts)
		expect((shipped as unknown as { netsAtOnce: number }).netsAtOnce).toBe(1);
		expect(cells).toHaveLength(ROWS.reduce((a, r) => a + r.factors.length, 0));
		expect(cells.every((c) => c.acc.n === shipped.seeds.length)).toBe(true);
		const v = verdict(cells, singleStepCells(cells).length);
		expect(v.counted).toBe(12);
		// the deliberate break is caught
		expect(cells.find((c) => c.cell === 'naiveDepth@4')!.broke).toBe(true);
		// what the essay's prose says of the shipped grid: of the counted rows only the learning rate ×32
		// broke (×4 and ×8 of width and batch size included); the width panel's examples-to-a-loss stop
		// falling at width 128, and every wider net ends above width 64's final test loss
		const counted = new Set(ROWS.filter((r) => !r.control).map((r) => r.key));
		expect(cells.filter((c) => counted.has(c.key) && c.broke).map((c) => c.cell)).toEqual(['learningRate@32']);
		const learn = fig.learnCurves(fig.shippedLearnRuns(shipped.runs, shipped.seeds));
		expect(learn.map((c) => c.width)).toEqual([16, 32, 64, 128, 256, 512]);
		const target = Math.max(...learn.map((c) => Math.min(...c.series.points.map((p) => p.y))));
		const ex = learn.map((c) => fig.examplesTo(c, target)!);
		for (let i = 1; i < 4; i++) expect(ex[i]).toBeLessThan(ex[i - 1]);
		expect(ex.slice(3)).toEqual([ex[3], ex[3], ex[3]]);
		const final = learn.map((c) => c.series.points.at(-1)!.y);
		for (const i of [3, 4, 5]) expect(final[i]).toBeGreaterThan(final[2]);
		// the baseline's early curve is as fine as the other widths' (every 25 steps)
		expect(learn[2].series.points.filter((p) => p.x <= 400 * BASELINE.batchSize)).toHaveLength(16);
	});
});
