// Pure figure logic of the layer-swap widget (no DOM, no tfjs; unit-tested): what an order of blocks
// is, what the shipped/live report already knows about it, and the preset surgeries.
import type { SurgeryReport } from '$lib/ml/surgery';
import type { BarGroup, LineSeries } from '$lib/plots';
import type { CurvePoint } from '$lib/ml/experiments/common';
import { ARCHS, type Arch } from '$lib/ml/experiments/modularity-defaults';

export const intactOrder = (depth: number): number[] => Array.from({ length: depth }, (_, i) => i);

export const isIntact = (order: readonly number[], depth: number): boolean => order.length === depth && order.every((b, i) => b === i);

/** The two blocks exchanged, if `order` is the intact order with exactly one pair swapped. */
export function swapOf(order: readonly number[], depth: number): [number, number] | null {
	if (order.length !== depth) return null;
	const diff = order.map((b, i) => (b !== i ? i : -1)).filter((i) => i >= 0);
	return diff.length === 2 && order[diff[0]] === diff[1] && order[diff[1]] === diff[0] ? [diff[0], diff[1]] : null;
}

/** The intact order with blocks i and j exchanged. */
export function swapped(depth: number, i: number, j: number): number[] {
	const o = intactOrder(depth);
	[o[i], o[j]] = [o[j], o[i]];
	return o;
}

/** What a report already says about `order` (intact, one swap, reversed, one block dropped), or null. */
export function knownAccuracy(r: SurgeryReport, order: readonly number[], depth: number): number | null {
	if (isIntact(order, depth)) return r.intact;
	const s = swapOf(order, depth);
	if (s) return r.swap[s[0]][s[1]];
	if (order.length === depth && order.every((b, i) => b === depth - 1 - i)) return r.reverse;
	if (order.length === depth - 1) {
		for (let d = 0; d < depth; d++) if (order.every((b, i) => b === (i < d ? i : i + 1))) return r.deleteOne[d];
	}
	return null;
}

export type Preset = { label: string; order: number[] };

/** One-click surgeries: a neighbour swap in the middle, a far swap, drops, a repeat, the reversal. */
export function presets(depth: number): Preset[] {
	const mid = Math.floor(depth / 2) - 1;
	const id = intactOrder(depth);
	return [
		{ label: 'Intact', order: id },
		{ label: `Swap ${mid + 1}↔${mid + 2}`, order: swapped(depth, mid, mid + 1) },
		{ label: `Swap 1↔${depth} (far)`, order: swapped(depth, 0, depth - 1) },
		{ label: 'Drop first', order: id.slice(1) },
		{ label: 'Drop middle', order: id.filter((i) => i !== mid) },
		{ label: `Repeat ${mid + 1}`, order: id.flatMap((i) => (i === mid ? [i, i] : [i])) },
		{ label: 'Reverse all', order: [...id].reverse() }
	];
}

/** Words for an order, e.g. "Swap 4↔5" or "Blocks in order 2, 1, 3". */
export function describeOrder(order: readonly number[], depth: number): string {
	if (isIntact(order, depth)) return 'Intact stack';
	const s = swapOf(order, depth);
	return s ? `Swap ${s[0] + 1}↔${s[1] + 1}` : `Blocks in order ${order.map((b) => b + 1).join(', ')}`;
}

/** Every swap-matrix entry of both nets, flattened (for the shipped-vs-live comparison). */
export const swapEntries = (reports: readonly SurgeryReport[]): number[] => reports.flatMap((r) => r.swap.flat());

/** The horizon plot's floor: a little below the lowest point from k = 1 on (k = 0 of the strict
 * definitions is a block reading nothing, near chance, and would flatten the rest), so differences of
 * a few points show; points below it are clipped at the floor. */
export function horizonFloor(residual: SurgeryReport, plain: SurgeryReport): number {
	const shown = [...residual.horizon, ...residual.horizonStrict.slice(1), ...residual.horizonPatched.slice(1), plain.intact, residual.intact];
	return Math.max(0, Math.floor((Math.min(...shown) - 0.05) * 10) / 10);
}

/** Loss and accuracy curves of both nets, as line-chart series (accuracy only where it was measured). */
export function curveSeries(curves: Record<Arch, CurvePoint[]>, colors: Record<Arch, string>): { loss: LineSeries[]; accuracy: LineSeries[] } {
	return {
		loss: ARCHS.map((a) => ({ name: a, color: colors[a], points: curves[a].map((p) => ({ x: p.step, y: p.loss })) })),
		accuracy: ARCHS.map((a) => ({
			name: a,
			color: colors[a],
			points: curves[a].filter((p) => p.accuracy !== null).map((p) => ({ x: p.step, y: p.accuracy as number }))
		}))
	};
}

/**
 * Accuracy against horizon k for the residual net, three definitions (see SurgeryReport), with both
 * intact accuracies as flat references. The strict curves start at k = 1: at k = 0 a block reads nothing.
 */
export function horizonSeries(reports: Record<Arch, SurgeryReport>, depth: number, colors: Record<Arch, string>, floor = 0): LineSeries[] {
	const flat = (y: number) => [
		{ x: 0, y },
		{ x: depth, y }
	];
	const line = (ys: number[], from: number) => ys.slice(from).map((y, i) => ({ x: i + from, y: Math.max(floor, y) }));
	return [
		{ name: 'strict (last k parts of the stream)', color: colors.residual, points: line(reports.residual.horizonStrict, 1) },
		{ name: 'strict, clean run patched in', color: 'var(--good)', points: line(reports.residual.horizonPatched, 1) },
		{ name: 'variant: embedding + last k edits', color: 'var(--muted)', points: line(reports.residual.horizon, 0) },
		{ name: 'intact residual', color: 'var(--muted)', dashed: true, points: flat(reports.residual.intact) },
		{ name: 'control, intact', color: colors.plain, dashed: true, points: flat(reports.plain.intact) }
	];
}

/** Mean ‖h‖ of the stream after each number of blocks (both nets; for the control, each layer's output). */
export function normSeries(reports: Record<Arch, SurgeryReport>, colors: Record<Arch, string>): LineSeries[] {
	return ARCHS.map((a) => ({ name: a === 'residual' ? 'residual stream' : 'control, layer output', color: colors[a], points: reports[a].streamNorm.map((y, k) => ({ x: k, y })) }));
}

/**
 * Per residual block: the size of its edit, how far that edit alone moves the logits (direct effect),
 * and how far the logits move when the block is deleted and everything downstream recomputes (total).
 */
export function deletionGroups(r: SurgeryReport, colors: { edit: string; direct: string; total: string }): BarGroup[] {
	return r.editNorm.map((e, i) => ({
		label: String(i + 1),
		values: [
			{ name: '‖edit‖', value: e, color: colors.edit },
			{ name: 'direct Δlogits', value: r.directLogit[i] ?? NaN, color: colors.direct },
			{ name: 'Δlogits on deletion', value: r.deleteLogit[i], color: colors.total }
		]
	}));
}

/** Relative edit size per block, both nets side by side. */
export function ratioGroups(reports: Record<Arch, SurgeryReport>, depth: number, colors: Record<Arch, string>): BarGroup[] {
	return intactOrder(depth).map((i) => ({
		label: String(i + 1),
		values: ARCHS.map((a) => ({ name: a, value: reports[a].editRatio[i], color: colors[a] }))
	}));
}
