// Double it: K nets trained at once equal K lone trainings (same seeds, cpu); the broke flag.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useCpu, smallMnist } from './setup';
import { Trainer, TrainingData } from '../../src/lib/ml/trainer';
import { BatchedTrainer } from '../../src/lib/ml/batched';
import { TestSet } from '../../src/lib/ml/test-set';
import { BASELINE, BROKE_MARGIN, LEARN_EVERY, ROWS, VERDICT_ROWS, type CellResult, cellResults, cellSetting, curveSteps, isBroke, planGrid, rowByKey, trainGroup, verdict } from '../../src/lib/ml/experiments/double-it';

beforeAll(useCpu);

describe('BatchedTrainer', () => {
	for (const residual of [true, false]) {
		it(`K ${residual ? 'residual' : 'plain'} nets trained at once follow K lone Trainers (same seeds, per-net learning rates)`, async () => {
			const before = tf.memory().numTensors;
			const data = new TrainingData(smallMnist(300, 50));
			const shape = { width: 16, depth: 2, residual, batchSize: 32 };
			const specs = [
				{ seed: 1, learningRate: 1e-3, nTrain: 300 },
				{ seed: 2, learningRate: 3e-3, nTrain: 300 },
				{ seed: 3, learningRate: 5e-4, nTrain: 300 }
			];
			const batched = new BatchedTrainer(shape, specs, data);
			await batched.train(20);
			for (let i = 0; i < specs.length; i++) {
				const lone = new Trainer({ ...shape, seed: specs[i].seed, learningRate: specs[i].learningRate, layerDrop: 0 }, data);
				await lone.train(20);
				const a = await lone.snapshot();
				const b = await batched.snapshot(i);
				let maxDiff = 0;
				let maxAbs = 0;
				for (let j = 0; j < a.length; j++) {
					maxDiff = Math.max(maxDiff, Math.abs(a[j] - b[j]));
					maxAbs = Math.max(maxAbs, Math.abs(a[j]));
				}
				expect(maxDiff).toBeLessThan(1e-4 * Math.max(1, maxAbs));
				lone.dispose();
			}
			batched.dispose();
			data.dispose();
			expect(tf.memory().numTensors).toBe(before);
		});
	}
});

describe('the broke flag', () => {
	it('is a non-finite loss, or a mean more than the margin below the baseline', () => {
		expect(isBroke(0.9, false, 0.92)).toBe(false);
		expect(isBroke(0.86, false, 0.92)).toBe(true);
		expect(isBroke(0.95, true, 0.92)).toBe(true);
		expect(isBroke(NaN, false, 0.92)).toBe(true);
		expect(BROKE_MARGIN).toBe(0.05);
	});

	it('triggers on a planted divergence (a learning rate of 10⁴) and not on the working net beside it', async () => {
		const data = new TrainingData(smallMnist(600, 200));
		const test = new TestSet(smallMnist(600, 200));
		const base = { ...BASELINE, width: 16, depth: 2, batchSize: 32, steps: 60, nTrain: 600 };
		const runs = [
			{ id: 'ok#1', setting: base, seed: 1, evalSteps: [30, 60] },
			{ id: 'boom#1', setting: { ...base, learningRate: 1e4 }, seed: 1, evalSteps: [30, 60] }
		];
		const results = await trainGroup({ key: 'g', runs }, data, test);
		expect(results).not.toBeNull();
		const [ok, boom] = results!;
		expect(ok.nonFinite).toBe(false);
		expect(ok.curve.at(-1)!.accuracy).toBeGreaterThan(0.6);
		const sources = [
			{ cell: 'width@1', key: 'width' as const, factor: 1, seed: 1, runId: 'ok#1', step: 60 },
			{ cell: 'learningRate@10000', key: 'learningRate' as const, factor: 1e4, seed: 1, runId: 'boom#1', step: 60 }
		];
		const cells = cellResults(sources, new Map(results!.map((r) => [r.id, r])));
		expect(cells.find((c) => c.cell === 'width@1')!.broke).toBe(false);
		const blown = cells.find((c) => c.cell === 'learningRate@10000')!;
		expect(blown.broke).toBe(true);
		// and for the stated reason: NaN/∞ loss, or far below the working net
		expect(blown.nonFinite || blown.acc.mean < ok.curve.at(-1)!.accuracy - BROKE_MARGIN).toBe(true);
		data.dispose();
		test.dispose();
	});
});

describe('the grid plan', () => {
	it('runs every identical setting once, reads the steps row off the baseline run, and groups by shape', () => {
		const { groups, sources } = planGrid(ROWS, [1, 2, 3]);
		const runs = groups.flatMap((g) => g.runs);
		expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length);
		// every row's ×1 (non-control) is the same run as the baseline
		const baseIds = new Set(sources.filter((s) => s.factor === 1 && !ROWS.find((r) => r.key === s.key)!.control && s.seed === 1).map((s) => s.runId));
		expect(baseIds.size).toBe(1);
		const stepCells = sources.filter((s) => s.key === 'steps' && s.seed === 1);
		expect(new Set(stepCells.map((s) => s.runId)).size).toBe(1);
		expect(stepCells.map((s) => s.step)).toEqual([100, 200, 400, 800, 1600]);
		for (const g of groups) {
			const s0 = g.runs[0].setting;
			for (const r of g.runs) expect([r.setting.width, r.setting.depth, r.setting.residual, r.setting.batchSize, r.setting.steps]).toEqual([s0.width, s0.depth, s0.residual, s0.batchSize, s0.steps]);
		}
		// one cell changes exactly one setting (two on the control rows)
		for (const row of ROWS)
			for (const f of row.factors) {
				const s = cellSetting(row.key, f);
				const changed = (Object.keys(BASELINE) as (keyof typeof BASELINE)[]).filter((k) => s[k] !== BASELINE[k]);
				expect(changed.length).toBeLessThanOrEqual(row.control ? 2 : 1);
			}
	});

	it('the width row reaches ×8 and its runs, the baseline run included, are read every 25 steps up to the baseline length', () => {
		expect(rowByKey('width').factors.at(-1)).toBe(8);
		expect(rowByKey('batchSize').factors.at(-1)).toBe(8);
		const { groups, sources } = planGrid(ROWS, [1]);
		const runs = new Map(groups.flatMap((g) => g.runs).map((r) => [r.id, r]));
		const every25 = Array.from({ length: BASELINE.steps / LEARN_EVERY }, (_, i) => (i + 1) * LEARN_EVERY);
		for (const src of sources.filter((x) => x.key === 'width')) {
			const run = runs.get(src.runId)!;
			for (const s of every25) expect(run.evalSteps).toContain(s);
		}
		// the baseline run goes on to 1,600 steps (the steps row) and is read more sparsely after 400
		const base = runs.get(sources.find((x) => x.cell === 'width@1')!.runId)!;
		expect(base.setting.steps).toBe(1600);
		expect(base.evalSteps.filter((s) => s <= BASELINE.steps)).toEqual(every25);
		expect(base.evalSteps.at(-1)).toBe(1600);
		// other rows keep the sparse curve
		const lr = runs.get(sources.find((x) => x.cell === 'learningRate@2')!.runId)!;
		expect(lr.evalSteps).toEqual(curveSteps(BASELINE.steps));
	});

	it('the verdict check plans exactly the cells the verdict reads, each run evaluated only where a cell reads it', () => {
		const { groups, sources } = planGrid(VERDICT_ROWS, [1, 2], BASELINE, { curves: false });
		const runs = groups.flatMap((g) => g.runs);
		// 6 rows × (×½, ×1, ×2) per seed; ×1 is one baseline run, and the steps row reads it at 200, 400, 800
		expect(new Set(sources.map((s) => s.cell)).size).toBe(18);
		expect(runs.length).toBe(2 * 11);
		const single = sources.filter((s) => s.factor !== 1 && s.seed === 1).map((s) => s.cell).sort();
		expect(single).toEqual(VERDICT_ROWS.flatMap((r) => [`${r.key}@0.5`, `${r.key}@2`]).sort());
		for (const r of runs) expect(r.evalSteps).toEqual([...new Set(sources.filter((s) => s.runId === r.id).map((s) => s.step))].sort((a, b) => a - b));
		const base = runs.find((r) => r.id === sources.find((s) => s.cell === 'width@1' && s.seed === 1)!.runId)!;
		expect(base.setting.steps).toBe(2 * BASELINE.steps);
		expect(base.evalSteps).toEqual([BASELINE.steps / 2, BASELINE.steps, 2 * BASELINE.steps]);
	});

	it('reading a run less often does not change it: the check scores a run exactly as the grid does', async () => {
		const data = new TrainingData(smallMnist(400, 100));
		const test = new TestSet(smallMnist(400, 100));
		const setting = { ...BASELINE, width: 16, depth: 2, batchSize: 32, steps: 40, nTrain: 400 };
		const often = await trainGroup({ key: 'g', runs: [{ id: 'a#1', setting, seed: 1, evalSteps: [10, 20, 30, 40] }] }, data, test);
		const once = await trainGroup({ key: 'g', runs: [{ id: 'a#1', setting, seed: 1, evalSteps: [40] }] }, data, test);
		expect(once![0].curve).toEqual([often![0].curve.at(-1)]);
		data.dispose();
		test.dispose();
	});

	it('the verdict counts only single doublings and halvings, and fails when too many broke', () => {
		const mk = (cell: string, broke: boolean) => {
			const [key, f] = cell.split('@');
			return { cell, key, factor: Number(f), broke } as unknown as CellResult;
		};
		const single = ROWS.filter((r) => !r.control).flatMap((r) => [mk(`${r.key}@0.5`, false), mk(`${r.key}@2`, false)]);
		expect(verdict(single, single.length).shown).toBe(true);
		const edges = [...single, mk('learningRate@32', true), mk('naiveDepth@4', true)];
		expect(verdict(edges, single.length).shown).toBe(true);
		const two = single.map((c, i) => (i < 2 ? { ...c, broke: true } : c));
		expect(verdict(two, single.length).shown).toBe(false);
		expect(verdict(single.slice(1), single.length).text).toMatch(/Not decided/);
	});
});
