// The grid's results, the broke flag and the verdict, free of tfjs (the page imports it).
import { aggregate, type Stat, type Verdict } from './common';
import { BROKE_MARGIN, type CellSource, ROWS, type Row, type RowKey, cellId, isBaselineCell } from './double-it-defaults';

/** One point of a run's test curve. */
export type EvalPoint = { step: number; accuracy: number; testLoss: number };
/** A finished run: its test curve and whether its training loss ever went non-finite. */
export type RunResult = { id: string; seed: number; curve: EvalPoint[]; nonFinite: boolean; flops: number; ms: number };

export type CellResult = {
	cell: string;
	key: RowKey;
	factor: number;
	/** per seed, in seed order */
	accuracy: number[];
	testLoss: number[];
	seeds: number[];
	acc: Stat;
	nonFinite: boolean;
	broke: boolean;
};

/**
 * The broke flag of one cell: any seed's training loss went non-finite (NaN or ∞), or the mean test
 * accuracy fell more than BROKE_MARGIN below the baseline's mean.
 */
export function isBroke(meanAccuracy: number, nonFinite: boolean, baselineMean: number, margin = BROKE_MARGIN): boolean {
	return nonFinite || !Number.isFinite(meanAccuracy) || meanAccuracy < baselineMean - margin;
}

/** Cells from finished runs (cells whose runs are not all in yet are left out: partial results). */
export function cellResults(sources: readonly CellSource[], runs: ReadonlyMap<string, RunResult>): CellResult[] {
	const byCell = new Map<string, CellSource[]>();
	for (const s of sources) {
		if (!byCell.has(s.cell)) byCell.set(s.cell, []);
		byCell.get(s.cell)!.push(s);
	}
	const raw: Omit<CellResult, 'broke'>[] = [];
	for (const [cell, list] of byCell) {
		if (!list.every((s) => runs.has(s.runId))) continue;
		const points = list.map((s) => {
			const r = runs.get(s.runId)!;
			const p = r.curve.find((c) => c.step === s.step);
			return { seed: s.seed, accuracy: p?.accuracy ?? NaN, testLoss: p?.testLoss ?? NaN, nonFinite: r.nonFinite && (r.curve.at(-1)?.step ?? 0) >= 0 };
		});
		const acc = aggregate(points.map((p) => ({ a: p.accuracy })));
		raw.push({
			cell,
			key: list[0].key,
			factor: list[0].factor,
			accuracy: points.map((p) => p.accuracy),
			testLoss: points.map((p) => p.testLoss),
			seeds: points.map((p) => p.seed),
			acc: acc.a ?? { mean: NaN, sd: NaN, min: NaN, max: NaN, n: 0 },
			nonFinite: points.some((p) => p.nonFinite)
		});
	}
	const base = raw.find((c) => c.cell === cellId('width', 1)) ?? raw.find((c) => isBaselineCell(c.key, c.factor));
	const baseMean = base?.acc.mean ?? NaN;
	return raw.map((c) => ({ ...c, broke: Number.isFinite(baseMean) ? isBroke(c.acc.mean, c.nonFinite, baseMean) : c.nonFinite }));
}

/** The cells the verdict counts: exactly one doubling or halving of one setting, on a non-control row. */
export function singleStepCells(cells: readonly CellResult[], rows: readonly Row[] = ROWS): CellResult[] {
	const counted = new Set(rows.filter((r) => !r.control).map((r) => r.key));
	return cells.filter((c) => counted.has(c.key) && (c.factor === 2 || c.factor === 0.5));
}

/** At least this share of the single-step cells must train without breaking for the claim to stand. */
export const HOLD_SHARE = 6 / 7;

/**
 * The essay's falsifiable sentence: "a single doubling or halving of one setting, from a working
 * baseline, usually doesn't break training", where usually = at least 6 in 7 of those cells.
 */
export function verdict(cells: readonly CellResult[], expected: number): Verdict & { broken: CellResult[]; counted: number } {
	const single = singleStepCells(cells);
	const broken = single.filter((c) => c.broke);
	if (single.length < expected) {
		return { shown: false, broken, counted: single.length, text: `Not decided yet: ${single.length} of the ${expected} single-step cells are in.` };
	}
	const ok = single.length - broken.length;
	const shown = ok >= HOLD_SHARE * single.length;
	const names = broken.map((c) => c.cell).join(', ');
	return {
		shown,
		broken,
		counted: single.length,
		text: shown
			? `Holds in this run: ${ok} of ${single.length} single doublings or halvings trained without breaking${broken.length ? ` (broke: ${names})` : ''}.`
			: `Fails in this run: only ${ok} of ${single.length} single doublings or halvings trained without breaking (broke: ${names}); the claim needs at least 6 in 7.`
	};
}

/** Where a row's trend stops: the first factor (walking away from ×1, both ways) whose cell broke. */
export function firstBreak(cells: readonly CellResult[], key: RowKey): { up: number | null; down: number | null } {
	const row = cells.filter((c) => c.key === key).sort((a, b) => a.factor - b.factor);
	const up = row.filter((c) => c.factor > 1).find((c) => c.broke)?.factor ?? null;
	const down = [...row.filter((c) => c.factor < 1)].reverse().find((c) => c.broke)?.factor ?? null;
	return { up, down };
}

export const fmtFactor = (f: number) => (f >= 1 ? `×${f}` : `×1/${Math.round(1 / f)}`);
