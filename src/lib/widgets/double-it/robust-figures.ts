// What the robustness and drift panels draw, from shipped or live results (free of tfjs and of Svelte,
// so it is unit-tested in Node): the chart series, the table rows, the trend sentences and the essay's
// inline numbers.
import type { LineSeries } from '$lib/plots';
import type { Stat } from '$lib/ml/experiments/common';
import { BASELINE } from '$lib/ml/experiments/double-it-defaults';
import {
	DRIFT_LRS,
	DRIFT_REFERENCE_WIDTH,
	NOISE_EPS,
	ROBUST_DEPTHS,
	ROBUST_WIDTHS,
	type AxisPoint,
	type DriftRow,
	type RobustAxis,
	type RobustResult,
	type RobustRun,
	type Parametrisation,
	axisPoints,
	driftRows,
	robustSetting,
	runId,
	trendEnd
} from '$lib/ml/experiments/double-it-robust-defaults';

export const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#d55e00', '#56b4e9', '#999999'];

/** "0.001", "0.00025": a learning rate as a plain decimal, without float noise. */
export const lrText = (lr: number) => String(Number(lr.toPrecision(3)));

/** Chart series of one axis: the share of clean accuracy kept under each noise level and each surgery. */
export function robustSeries(points: readonly AxisPoint[]): LineSeries[] {
	const out: LineSeries[] = NOISE_EPS.map((e, i) => ({
		name: `weight noise ε = ${e}`,
		color: PALETTE[i],
		points: points.map((p) => ({ x: p.x, y: p.noiseKept[i].mean })).filter((p) => Number.isFinite(p.y))
	}));
	out.push({ name: 'neighbour swap', color: 'var(--fg)', dashed: true, points: points.filter((p) => p.swapKept).map((p) => ({ x: p.x, y: p.swapKept!.mean })) });
	out.push({ name: 'delete one block', color: 'var(--muted)', dashed: true, points: points.map((p) => ({ x: p.x, y: p.deleteKept.mean })) });
	return out.filter((s) => s.points.length > 0);
}

/** One sentence per measure: how far up the axis "bigger keeps more" holds, and where the best value is. */
export function trendSentences(points: readonly AxisPoint[], axis: RobustAxis): { key: string; text: string; holdsTo: number | null; peak: number | null }[] {
	const what = axis === 'width' ? 'width' : 'depth';
	const measures: { key: string; label: string; get: (p: AxisPoint) => Stat | null }[] = [
		...NOISE_EPS.map((e, i) => ({ key: `noise${e}`, label: `weight noise ε = ${e}`, get: (p: AxisPoint) => p.noiseKept[i] })),
		{ key: 'swap', label: 'neighbour swaps', get: (p: AxisPoint) => p.swapKept },
		{ key: 'delete', label: 'single deletions', get: (p: AxisPoint) => p.deleteKept }
	];
	return measures.map((m) => {
		const pts = points.filter((p) => m.get(p)).map((p) => ({ x: p.x, mean: m.get(p)!.mean }));
		const t = trendEnd(pts);
		if (!t) return { key: m.key, text: `${m.label}: not enough points yet.`, holdsTo: null, peak: null };
		const first = pts[0].x;
		const text = !t.rising
			? `${m.label}: no gain from ${what} ${first} to the next ${what}; best at ${t.peak}.`
			: t.holdsTo === pts.at(-1)!.x
				? `${m.label}: every doubling of the ${what} kept more, up to ${t.holdsTo}.`
				: `${m.label}: kept more with each doubling up to ${what} ${t.holdsTo}, then flat or less; best at ${t.peak}.`;
		return { key: m.key, text, holdsTo: t.holdsTo, peak: t.peak };
	});
}

/** Held-out accuracy against learning rate, one series per width. */
export function driftSeries(rows: readonly DriftRow[]): LineSeries[] {
	return rows.map((r, i) => ({ name: `width ${r.width}`, color: PALETTE[i % PALETTE.length], points: r.lrs.map((lr, j) => ({ x: lr, y: r.heldOut[j].mean })) }));
}

/** The live runs of the robustness panel: the axis's nets at the baseline, up to `max`, from one seed. */
export function robustLivePlan(axis: RobustAxis, max: number, seed: number): RobustRun[] {
	const xs = axis === 'width' ? ROBUST_WIDTHS.filter((w) => w <= max) : ROBUST_DEPTHS.filter((d) => d <= max);
	return xs.map((x) => {
		const s = axis === 'width' ? robustSetting(x, BASELINE.depth) : robustSetting(BASELINE.width, x);
		return { id: runId(s, seed), setting: s, seed, measure: true };
	});
}

/**
 * The live runs of the drift panel: one width at every learning rate in one parametrisation, plus the
 * reference width's (the same nets in both: μP's base width).
 */
export function driftLivePlan(width: number, seed: number, param: Parametrisation = 'sp'): RobustRun[] {
	const widths = width === DRIFT_REFERENCE_WIDTH ? [width] : [DRIFT_REFERENCE_WIDTH, width];
	return widths.flatMap((w) =>
		DRIFT_LRS.map((lr) => {
			const s = robustSetting(w, BASELINE.depth, lr);
			const mup = param === 'mup' && w !== DRIFT_REFERENCE_WIDTH;
			return { id: runId(s, seed, mup), setting: s, seed, measure: false, ...(mup ? { mup } : {}) };
		})
	);
}

/** The key under which a live drift result replaces shipped ones: its width and parametrisation. */
export const driftKey = (r: RobustResult) => `${r.mup ? 'mup' : 'sp'}${r.width}`;

export const PARAM_LABEL: Record<Parametrisation, string> = { sp: 'standard', mup: 'μP' };

/**
 * One parametrisation's drift in two numbers: how many doublings apart the widths' best learning rates
 * lie (0: every width chose the same rate), and the most test accuracy any width loses by taking the
 * reference width's rate instead of its own (points as a fraction; null without the reference width).
 */
export function driftSummary(rows: readonly DriftRow[]): { spread: number; seedSpread: number; worstLost: number | null; worstWidth: number | null } | null {
	if (rows.length < 2) return null;
	const doublings = (lrs: number[]) => (lrs.length ? Math.round(Math.log2(Math.max(...lrs)) - Math.log2(Math.min(...lrs))) : 0);
	const spread = doublings(rows.map((r) => r.best));
	// each seed's own picks, pooled over the widths: how far a single run's choice can land
	const seedSpread = doublings(rows.flatMap((r) => r.seedBest.map((b) => b.lr)));
	let worstLost: number | null = null;
	let worstWidth: number | null = null;
	for (const r of rows) if (r.lost !== null && (worstLost === null || r.lost > worstLost)) [worstLost, worstWidth] = [r.lost, r.width];
	return { spread, seedSpread, worstLost, worstWidth };
}

/** Shipped results with the live ones in place of the shipped nets of the same width (drift) or axis value. */
export function mergeLive(shipped: readonly RobustResult[], live: readonly RobustResult[], key: (r: RobustResult) => string): RobustResult[] {
	const replaced = new Set(live.map(key));
	return [...shipped.filter((r) => !replaced.has(key(r))), ...live];
}

/**
 * The essay's inline numbers from the shipped results, by key:
 * `clean@w16`, `noise0.4@w256` (share of clean accuracy kept), `swap@w16`, `delete@d16`, … (w = width
 * axis, d = depth axis); `drop0.4@w16` (points lost); `best@32` (test accuracy at width 32's best
 * learning rate), `ref@256` (at width 64's best), `test0.000125@32` (test accuracy at one rate); the
 * drift's in μP with the prefix `mup:`.
 */
export function robustStats(results: readonly RobustResult[]): Map<string, Stat> {
	const out = new Map<string, Stat>();
	for (const axis of ['width', 'depth'] as const) {
		const a = axis === 'width' ? 'w' : 'd';
		for (const p of axisPoints(results, axis)) {
			out.set(`clean@${a}${p.x}`, p.clean);
			NOISE_EPS.forEach((e, i) => {
				out.set(`noise${e}@${a}${p.x}`, p.noiseKept[i]);
				out.set(`drop${e}@${a}${p.x}`, p.noiseDrop[i]);
			});
			if (p.swapKept) out.set(`swap@${a}${p.x}`, p.swapKept);
			out.set(`delete@${a}${p.x}`, p.deleteKept);
		}
	}
	for (const param of ['sp', 'mup'] as const) {
		const pre = param === 'mup' ? 'mup:' : '';
		for (const r of driftRows(results, param)) {
			out.set(`${pre}best@${r.width}`, r.bestTest);
			r.lrs.forEach((lr, i) => out.set(`${pre}test${lrText(lr)}@${r.width}`, r.test[i]));
			if (r.atReference) out.set(`${pre}ref@${r.width}`, r.atReference);
		}
	}
	return out;
}

/** The drift rows of both parametrisations, computed once for everything the panel derives from them. */
export type DriftByParam = Record<Parametrisation, DriftRow[]>;
export const driftByParam = (results: readonly RobustResult[]): DriftByParam => ({ sp: driftRows(results, 'sp'), mup: driftRows(results, 'mup') });

/** One parametrisation's summary as the line under the drift table, or null with fewer than two widths. */
export function driftSummaryLine(param: Parametrisation, rows: readonly DriftRow[]): { param: Parametrisation; sum: NonNullable<ReturnType<typeof driftSummary>>; text: string } | null {
	const sum = driftSummary(rows);
	if (!sum) return null;
	const d = (n: number) => `${n} doubling${n === 1 ? '' : 's'}`;
	const cost =
		sum.worstLost === null
			? '.'
			: sum.worstLost < 0.0005
				? `; width ${DRIFT_REFERENCE_WIDTH}'s rate costs no width any test accuracy.`
				: `; width ${DRIFT_REFERENCE_WIDTH}'s rate costs at most ${(sum.worstLost * 100).toFixed(1)} points (width ${sum.worstWidth}).`;
	const text = `${param === 'mup' ? 'μP' : 'Standard'} (widths ${rows[0].width}–${rows.at(-1)!.width}): ${sum.spread === 0 ? 'every width picks the same rate' : `the best rates lie ${d(sum.spread)} apart`}, ${sum.seedSpread === 0 ? 'and so does every seed' : `single seeds' picks ${d(sum.seedSpread)} apart`}${cost}`;
	return { param, sum, text };
}

/**
 * The drift section's test: μP removes the drift here if its widths' best rates lie fewer doublings
 * apart than the standard parametrisation's, and carrying width 64's rate costs no width more in μP
 * than the worst it costs in the standard one. Undecided until both parametrisations have two widths.
 */
export function driftVerdict(rows: DriftByParam): { decided: boolean; holds: boolean | null; text: string } {
	const [sp, mup] = [driftSummary(rows.sp), driftSummary(rows.mup)];
	if (!sp || !mup || sp.worstLost === null || mup.worstLost === null) return { decided: false, holds: null, text: 'Not decided yet: each parametrisation needs width 64 and another width.' };
	const holds = mup.spread < sp.spread && mup.worstLost <= Math.max(0, sp.worstLost);
	const text = holds
		? `Holds in this run: μP's best rates lie ${mup.spread} doubling${mup.spread === 1 ? '' : 's'} apart against ${sp.spread} in the standard parametrisation, and width ${DRIFT_REFERENCE_WIDTH}'s rate costs no width more than there.`
		: `Does not hold in this run: μP's best rates lie ${mup.spread} doubling${mup.spread === 1 ? '' : 's'} apart against ${sp.spread} in the standard parametrisation, and width ${DRIFT_REFERENCE_WIDTH}'s rate costs up to ${(mup.worstLost * 100).toFixed(1)} points against ${(Math.max(0, sp.worstLost) * 100).toFixed(1)}.`;
	return { decided: true, holds, text };
}

/**
 * Single shipped values: each width's chosen learning rate (`lr@32`), the accuracy lost by carrying
 * width 64's over (`lost@256`), and the summary (`spread` and `seedspread`, in doublings; `worst`, points
 * as a fraction);
 * the same in μP with the prefix `mup:` (`mup:lr@32`).
 */
export function driftValues(results: readonly RobustResult[]): Map<string, number> {
	const out = new Map<string, number>();
	const byParam = driftByParam(results);
	for (const param of ['sp', 'mup'] as const) {
		const pre = param === 'mup' ? 'mup:' : '';
		const rows = byParam[param];
		for (const r of rows) {
			out.set(`${pre}lr@${r.width}`, r.best);
			if (r.lost !== null) out.set(`${pre}lost@${r.width}`, r.lost);
		}
		const sum = driftSummary(rows);
		if (sum) out.set(`${pre}spread`, sum.spread);
		if (sum) out.set(`${pre}seedspread`, sum.seedSpread);
		if (sum?.worstLost != null) out.set(`${pre}worst`, sum.worstLost);
	}
	return out;
}
