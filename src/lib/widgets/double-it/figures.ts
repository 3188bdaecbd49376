// Pure figure logic of the "Double it" widget (no DOM, no tfjs; unit-tested in Node): the grid's cells
// from whichever runs are known (shipped, or the reader's live ones as they arrive), the table rows,
// a cell's curves beside the baseline's, the "bigger learns faster" curves with their compute, the
// summary sentence and the provenance line.
import { type CellResult, type RunResult, cellResults, fmtFactor } from '$lib/ml/experiments/double-it-analysis';
import {
	BASELINE,
	ROWS,
	type Row,
	type RowKey,
	type Setting,
	cellId,
	cellSetting,
	cellValue,
	curveSteps,
	learnSteps,
	macsPerExample,
	planGrid,
	rowByKey,
	settingKey,
	trainFlops,
	type GroupPlan
} from '$lib/ml/experiments/double-it-defaults';
import type { LineSeries } from '$lib/plots';
import { pct } from '$lib/plots/format';

export type Source = 'shipped' | 'live';

/**
 * The cells of the grid for `seeds`, from the runs known so far (cells still missing a run are left
 * out), as planned for `rows`: the whole grid, or VERDICT_ROWS for a check of the verdict alone.
 */
export function gridCells(runs: readonly RunResult[], seeds: readonly number[], rows: readonly Row[] = ROWS): CellResult[] {
	const { sources } = planGrid(rows, seeds);
	return cellResults(sources, new Map(runs.map((r) => [r.id, r])));
}

/** The cell ids a plan over `rows` computes. */
export const plannedCells = (rows: readonly Row[]): Set<string> => new Set(rows.flatMap((r) => r.factors.map((f) => cellId(r.key, f))));

/** `planned`: false for a cell the run on screen does not compute (a check of the verdict skips the edges). */
export type TableCell = { id: string; factor: number; value: number; result: CellResult | null; baseline: boolean; planned: boolean };
export type TableRow = { row: Row; cells: TableCell[] };

/** The grid as table rows: every factor of every row, with its result if known. */
export function tableRows(cells: readonly CellResult[], planned: ReadonlySet<string> | null = null): TableRow[] {
	const byId = new Map(cells.map((c) => [c.cell, c]));
	return ROWS.map((row) => ({
		row,
		cells: row.factors.map((f) => ({
			id: cellId(row.key, f),
			factor: f,
			value: cellValue(row.key, cellSetting(row.key, f)),
			result: byId.get(cellId(row.key, f)) ?? null,
			baseline: f === 1 && !row.control,
			planned: planned ? planned.has(cellId(row.key, f)) : true
		}))
	}));
}

/** Training and evaluation FLOPs of a plan (evaluation: 2 per multiply-add per test digit, each read). */
export function planFlops(groups: readonly GroupPlan[], testDigits: number): number {
	return groups.reduce((a, g) => a + g.runs.reduce((b, r) => b + trainFlops(r.setting) + r.evalSteps.length * testDigits * 2 * macsPerExample(r.setting), 0), 0);
}

/** All factors of all rows: the columns of the table (×1/8 … ×32). */
export function allFactors(): number[] {
	return [...new Set(ROWS.flatMap((r) => r.factors))].sort((a, b) => a - b);
}

/** A number for a cell's value: 0.004 (learning rate), 8,000 (digits), 64. */
export function valueText(key: RowKey, v: number): string {
	if (key === 'learningRate') return v.toPrecision(2).replace(/\.?0+e/, 'e');
	return v.toLocaleString('en');
}

/** "92.5 % ± 0.7" (mean ± sd over seeds); one seed has no spread to show: "92.5 %". */
export const cellText = (c: CellResult) => (c.seeds.length > 1 ? `${pct(c.acc.mean, 1)} ± ${(c.acc.sd * 100).toFixed(1)}` : pct(c.acc.mean, 1));
/** cellText for a sentence: the sd with its unit ("92.5 % ± 0.7 %"). */
export const cellSentence = (c: CellResult) => (c.seeds.length > 1 ? `${cellText(c)} %` : cellText(c));

export function parseCell(id: string): { key: RowKey; factor: number } {
	const [key, f] = id.split('@');
	return { key: key as RowKey, factor: Number(f) };
}

/** The setting behind a cell id (the steps row reads the baseline run at fewer or more steps). */
export function settingOf(id: string): Setting {
	const { key, factor } = parseCell(id);
	return cellSetting(key, factor);
}

const planCache = new Map<number, ReturnType<typeof planGrid>['sources']>();
/** Run ids of a cell for one seed, as planGrid names them. */
export function runIdOf(id: string, seed: number): { runId: string; step: number } {
	// the whole grid's plan: its baseline run is trained on to the steps row's longest length
	let sources = planCache.get(seed);
	if (!sources) planCache.set(seed, (sources = planGrid(ROWS, [seed]).sources));
	const s = sources.find((x) => x.cell === id)!;
	return { runId: s.runId, step: s.step };
}

/**
 * The plan to retrain one cell and the baseline from one seed (the baseline run is trained to the
 * cell's steps when the cell is on the steps row, else to its own).
 */
export function cellPlan(id: string, seed: number): GroupPlan[] {
	const cell = settingOf(id);
	// a steps cell is the baseline stopped earlier or later: one run, trained to the longer of the two
	const base: Setting = { ...BASELINE, steps: parseCell(id).key === 'steps' ? Math.max(cell.steps, BASELINE.steps) : BASELINE.steps };
	if (parseCell(id).key === 'steps') {
		const evalSteps = [...new Set([...curveSteps(base.steps), cell.steps, BASELINE.steps])].sort((a, b) => a - b);
		return [{ key: 'steps', runs: [{ id: `live:${settingKey(base)}#${seed}`, setting: base, seed, evalSteps }] }];
	}
	const runs = [base, cell]
		.filter((s, i, a) => a.findIndex((t) => settingKey(t) === settingKey(s)) === i)
		.map((s) => ({ id: `live:${settingKey(s)}#${seed}`, setting: s, seed, evalSteps: curveSteps(s.steps) }));
	const groups = new Map<string, GroupPlan>();
	for (const r of runs) {
		const k = JSON.stringify([r.setting.width, r.setting.depth, r.setting.residual, r.setting.batchSize, r.setting.steps]);
		if (!groups.has(k)) groups.set(k, { key: k, runs: [] });
		groups.get(k)!.runs.push(r);
	}
	return [...groups.values()];
}

/** The plan for the "bigger learns faster" panel: widths 16 … maxWidth at the baseline's other settings. */
export function learnPlan(maxWidth: number, seed: number): GroupPlan[] {
	const out: GroupPlan[] = [];
	for (let w = 16; w <= maxWidth; w *= 2) {
		const s: Setting = { ...BASELINE, width: w };
		out.push({ key: `learn:${w}`, runs: [{ id: `learn:${settingKey(s)}#${seed}`, setting: s, seed, evalSteps: learnSteps(s.steps) }] });
	}
	return out;
}

const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#7f7f7f'];

/** Mean test accuracy (or loss) against steps over the runs given (points present in all). */
function meanCurve(runs: readonly RunResult[], y: 'accuracy' | 'testLoss', x: (step: number) => number = (s) => s, upTo = Infinity) {
	if (!runs.length) return [];
	const steps = runs[0].curve.map((p) => p.step).filter((s) => s <= upTo && runs.every((r) => r.curve.some((p) => p.step === s)));
	return steps.map((s) => ({ x: x(s), y: runs.reduce((a, r) => a + r.curve.find((p) => p.step === s)![y], 0) / runs.length }));
}

/** The selected cell's test-accuracy curve (mean over the seeds known) beside the baseline's. */
export function cellSeries(id: string, runs: readonly RunResult[], seeds: readonly number[], live: readonly RunResult[] = []): LineSeries[] {
	const { key } = parseCell(id);
	const cellRuns = seeds.map((s) => runs.find((r) => r.id === runIdOf(id, s).runId)).filter((r): r is RunResult => !!r);
	const baseRuns = seeds.map((s) => runs.find((r) => r.id === runIdOf(cellId('width', 1), s).runId)).filter((r): r is RunResult => !!r);
	const cellSteps = settingOf(id).steps;
	const out: LineSeries[] = [
		{ name: `baseline (shipped, ${baseRuns.length} seeds)`, color: 'var(--muted)', points: meanCurve(baseRuns, 'accuracy', undefined, key === 'steps' ? Infinity : BASELINE.steps) },
		{ name: `${cellLabel(id)} (shipped, ${cellRuns.length} seeds)`, color: 'var(--accent)', points: meanCurve(cellRuns, 'accuracy', undefined, cellSteps) }
	];
	const [liveBase, liveCell] = live;
	if (liveBase) out.push({ name: 'baseline (live)', color: 'var(--muted)', dashed: true, points: liveBase.curve.map((p) => ({ x: p.step, y: p.accuracy })) });
	if (liveCell) out.push({ name: `${cellLabel(id)} (live)`, color: '#d55e00', dashed: true, points: liveCell.curve.filter((p) => p.step <= cellSteps).map((p) => ({ x: p.step, y: p.accuracy })) });
	return out.filter((s) => s.points.length > 0);
}

export function cellLabel(id: string): string {
	const { key, factor } = parseCell(id);
	return `${rowByKey(key).label} ${fmtFactor(factor)}`;
}

export type LearnCurve = { width: number; flops: number; series: LineSeries };

/** Test loss against examples seen, one curve per width (mean over the runs given for that width). */
export function learnCurves(byWidth: ReadonlyMap<number, RunResult[]>): LearnCurve[] {
	return [...byWidth.entries()]
		.sort((a, b) => a[0] - b[0])
		.map(([width, runs], i) => {
			const s: Setting = { ...BASELINE, width };
			return {
				width,
				flops: trainFlops(s),
				series: { name: `width ${width}`, color: PALETTE[i % PALETTE.length], points: meanCurve(runs, 'testLoss', (step) => step * s.batchSize) }
			};
		});
}

/** The width row's shipped runs, by width. */
export function shippedLearnRuns(runs: readonly RunResult[], seeds: readonly number[]): Map<number, RunResult[]> {
	const out = new Map<number, RunResult[]>();
	for (const f of rowByKey('width').factors) {
		const id = cellId('width', f);
		const width = cellSetting('width', f).width;
		const rs = seeds.map((s) => runs.find((r) => r.id === runIdOf(id, s).runId)).filter((r): r is RunResult => !!r);
		// the baseline run goes on past the baseline's steps (the steps row): cut it to the same length
		if (rs.length) out.set(width, rs.map((r) => ({ ...r, curve: r.curve.filter((p) => p.step <= BASELINE.steps) })));
	}
	return out;
}

/** Examples seen until each curve's test loss first reaches `target` (null if it never does). */
export function examplesTo(curve: LearnCurve, target: number): number | null {
	return curve.series.points.find((p) => p.y <= target)?.x ?? null;
}

export const flopsText = (f: number) => (f >= 1e12 ? `${(f / 1e12).toFixed(1)} TFLOP` : `${(f / 1e9).toFixed(0)} GFLOP`);

export function figureSummary(cells: readonly CellResult[]): string {
	const broke = cells.filter((c) => c.broke);
	return `${cells.length} grid cells shown, ${broke.length} flagged as broken${broke.length ? ` (${broke.map((c) => cellLabel(c.cell)).join(', ')})` : ''}.`;
}

export function provenance(complete: boolean, seconds: number, backend: string, live: string | null): string {
	const shippedText = `Shipped grid: scripts/make-double-it.ts, seeds fixed, ${backend} in Node, ${Math.round(seconds / 60)} min on a shared 2-core machine${complete ? '' : ' (incomplete)'}.`;
	return live ? `${shippedText} Live results: trained in your browser (${live}).` : shippedText;
}

/**
 * The workers that shared a live plan (the ML worker and its helpers on wasm/cpu): the most at once,
 * how many now, and how many helpers failed during it (their nets were trained again elsewhere).
 */
export type Workers = { most: number; now: number; lost: number };
export const oneWorker = (): Workers => ({ most: 1, now: 1, lost: 0 });
/** The plan now runs on `count` workers. */
export const workersNow = (w: Workers, count: number): Workers => ({ most: Math.max(w.most, count), now: count, lost: w.lost + Math.max(0, w.now - count) });
/** The progress bar's label while `count` workers share a plan. */
export const workersLabel = (label: string, count: number) => (count > 1 ? `${label}, on ${count} workers` : label);

/** Where a live plan ran, for its closing status: the backend, and the workers when helpers shared it. */
export const ranOn = (backend: string | undefined, w: Workers) => `${backend ?? '?'}${w.most > 1 ? `, on ${w.most} workers` : ''}`;
