// Pure figure logic of the task-vector widget (no DOM, no tfjs; unit-tested): which domains the panels
// show and how they are coloured, lookups in a λ-plane, the chart series, the sample digits in every
// domain, the baselines table, and the sentences (summary, provenance) built from them.
import type { BarGroup, LineSeries } from '$lib/plots';
import { fixed, pct } from '$lib/plots/format';
import { DOMAINS, DOMAIN_LABEL, transformImages, type Domain } from '$lib/ml/domains';
import type { Curves, DomainAcc, Grid, VectorStats, VerdictData } from '$lib/ml/experiments/task-vectors-analysis';
import { CURVE_LAMBDAS, GRID_LAMBDAS, otherTask, type BaseKind, type Task } from '$lib/ml/experiments/task-vectors-defaults';
import type { Progress } from '$lib/ml/experiments/task-vectors';
import type { ShippedAccuracy, ShippedResults } from './shipped';

export type Lambdas = { la: number; lb: number; lr: number; lg: number; lo: number };

/** The nets of one experiment: which base, which two fine-tunes. Live numbers are tagged with it. */
export const vectorsKey = (kind: BaseKind, a: Task, b: Task): string => `${kind}:${a}+${b}`;

/** The transformed domain that is neither task A nor task B. */
export const otherDomain = (a: Task, b: Task): Domain => otherTask(a, b);

/** The domains in the order the panels show them: the two tasks, upright (the base skill), the third. */
export const shownDomains = (a: Task, b: Task): Domain[] => [a, b, 'upright', otherDomain(a, b)];

export function domainColor(d: Domain, a: Task, b: Task): string {
	return d === a ? 'var(--accent)' : d === b ? 'var(--accent-2)' : d === 'upright' ? 'var(--good)' : 'var(--muted)';
}

export function domainRole(d: Domain, a: Task, b: Task): string {
	return d === a ? 'task A' : d === b ? 'task B' : d === 'upright' ? 'base skill' : 'untouched';
}

export const PRESETS: readonly ({ label: string } & Lambdas)[] = [
	{ label: 'A + B', la: 1, lb: 1, lr: 0, lg: 0, lo: 0 },
	{ label: '½(A + B)', la: 0.5, lb: 0.5, lr: 0, lg: 0, lo: 0 },
	{ label: 'A only', la: 1, lb: 0, lr: 0, lg: 0, lo: 0 },
	{ label: '−A (forget A)', la: -1, lb: 0, lr: 0, lg: 0, lo: 0 },
	{ label: 'Random only', la: 0, lb: 0, lr: 1, lg: 0, lo: 0 },
	{ label: 'Generic only', la: 0, lb: 0, lr: 0, lg: 1, lo: 0 },
	{ label: 'Other task only', la: 0, lb: 0, lr: 0, lg: 0, lo: 1 },
	{ label: 'Base', la: 0, lb: 0, lr: 0, lg: 0, lo: 0 }
];

/** θ₀ + τA + τB, the merge the shipped sample predictions were made with. */
export const isPlainSum = (v: Lambdas): boolean => v.la === 1 && v.lb === 1 && v.lr === 0 && v.lg === 0 && v.lo === 0;

// ---- the λ-plane --------------------------------------------------------------------------------

/** Index of the value in `xs` nearest to `v` (the first one on a tie). */
export function nearestIndex(v: number, xs: readonly number[]): number {
	return xs.reduce((best, x, i) => (Math.abs(x - v) < Math.abs(xs[best] - v) ? i : best), 0);
}

/** The grid's accuracies for exactly these λ (the controls off), or null if they are not a cell. */
export function gridCellAt(grid: Grid | null, v: Lambdas): DomainAcc | null {
	if (!grid || v.lr !== 0 || v.lg !== 0 || v.lo !== 0) return null;
	const i = nearestIndex(v.la, grid.lambdas);
	const j = nearestIndex(v.lb, grid.lambdas);
	if (Math.abs(grid.lambdas[i] - v.la) > 1e-9 || Math.abs(grid.lambdas[j] - v.lb) > 1e-9) return null;
	return grid.acc[i][j];
}

// The heat maps draw λA upwards: row 0 on screen is the largest λA.

/** λA of each heat-map row, top to bottom. */
export const rowLambdas = (grid: Grid | null): number[] => (grid ? [...grid.lambdas].reverse() : []);

/** Accuracy on one domain per heat-map cell, rows top to bottom. */
export const gridValues = (grid: Grid | null, d: Domain): number[][] => (grid ? [...grid.acc].reverse().map((row) => row.map((c) => c[d])) : []);

/** Axis labels: "−2", "0.5", "0.25", "1". */
export const lambdaLabels = (xs: readonly number[]): string[] =>
	xs.map((x) => (Number.isInteger(x) ? String(x) : x.toFixed(2).replace(/0$/, '')).replace('-', '−'));

/** The [row, column] of the cell nearest the sliders. */
export function gridHighlight(grid: Grid | null, la: number, lb: number): [number, number] | null {
	if (!grid) return null;
	return [grid.lambdas.length - 1 - nearestIndex(la, grid.lambdas), nearestIndex(lb, grid.lambdas)];
}

/** The cells of the base (0, 0) and the plain sum (1, 1), where the grid has them. */
export function gridLandmarks(grid: Grid | null): [number, number][] {
	if (!grid) return [];
	const k = grid.lambdas.length;
	return [0, 1].map((l) => grid.lambdas.indexOf(l)).filter((i) => i >= 0).map((i) => [k - 1 - i, i] as [number, number]);
}

/** Every accuracy of the grid, flattened (for the live-vs-shipped comparison). */
export const gridEntries = (grid: Grid): number[] => grid.acc.flat().flatMap((c) => DOMAINS.map((d) => c[d]));

// ---- the curves ---------------------------------------------------------------------------------

/**
 * θ₀ + λ(τA + τB): each shown domain and its mean on the two tasks, and the controls' means on the two
 * tasks (dashed): generic training g and random r, both of τA's length (shuffled τA is in the table).
 */
export function sumSeries(curves: Curves | null, a: Task, b: Task): LineSeries[] {
	if (!curves) return [];
	const mean = (rows: DomainAcc[]) => curves.lambdas.map((x, i) => ({ x, y: (rows[i][a] + rows[i][b]) / 2 }));
	return [
		...shownDomains(a, b).map((d) => ({
			name: DOMAIN_LABEL[d],
			color: domainColor(d, a, b),
			points: curves.lambdas.map((x, i) => ({ x, y: curves.sum[i][d] }))
		})),
		{ name: 'A+B: mean of A, B', color: 'var(--fg)', points: mean(curves.sum) },
		{ name: 'generic g: mean of A, B', color: 'var(--fg)', dashed: true, points: mean(curves.generic) },
		{ name: 'random r: mean of A, B', color: 'var(--bad)', dashed: true, points: mean(curves.random) }
	];
}

/** θ₀ + λτA per shown domain. */
export function vectorASeries(curves: Curves | null, a: Task, b: Task): LineSeries[] {
	if (!curves) return [];
	return shownDomains(a, b).map((d) => ({ name: DOMAIN_LABEL[d], color: domainColor(d, a, b), points: curves.lambdas.map((x, i) => ({ x, y: curves.a[i][d] })) }));
}

export type LossCurves = Record<string, { x: number; y: number }[]>;

/** The live loss curves with one more progress report (a new object: the page's state is replaced). */
export function withLoss(loss: LossCurves, p: Progress): LossCurves {
	return { ...loss, [p.phase]: [...(loss[p.phase] ?? []), { x: p.step, y: p.loss }] };
}

const LOSS_COLORS = ['var(--accent)', 'var(--accent-2)', 'var(--good)', 'var(--muted)'];
export const lossSeries = (loss: LossCurves): LineSeries[] =>
	Object.entries(loss).map(([name, points], i) => ({ name, points, color: LOSS_COLORS[i % LOSS_COLORS.length] }));

export const lossPoints = (loss: LossCurves): number => Object.values(loss).reduce((n, p) => n + p.length, 0);

// ---- sample digits ------------------------------------------------------------------------------

/** The first `perDomain` upright sample digits shown in every domain, domain after domain (DOMAINS order). */
export function sampleDigits(upright: Uint8Array, labels: readonly number[], perDomain: number): { pixels: Uint8Array; labels: number[] } {
	const pixels = new Uint8Array(DOMAINS.length * perDomain * 784);
	DOMAINS.forEach((d, k) => pixels.set(transformImages(upright, d, 0, perDomain), k * perDomain * 784));
	return { pixels, labels: DOMAINS.flatMap(() => labels.slice(0, perDomain)) };
}

// ---- the baselines table ------------------------------------------------------------------------

export type Baselines = { multitask: DomainAcc | null; multitask4: DomainAcc | null; probe: Partial<Record<Task, number>> };
export type LiveSummary = { base: DomainAcc; ftA: DomainAcc; ftB: DomainAcc; generic: DomainAcc; stats: VectorStats };
export type Row = { id: string; label: string; note?: string; acc: Partial<DomainAcc> | null };

export type RowSources = {
	a: Task;
	b: Task;
	/** the shipped accuracies of the base in use */
	shipped: ShippedAccuracy | null;
	/** the shipped multi-task and probe numbers apply (the shipped checkpoints, the default pair) */
	shippedBaselines: boolean;
	/** live numbers for the nets on screen, where computed */
	summary: LiveSummary | null;
	baselines: Baselines | null;
	/** the sliders' merge, scored live */
	merge: DomainAcc | null;
	/** the verdict's models (each direction at its held-out λ), live or shipped */
	verdictData: VerdictData | null;
};

const lam = (l: number | undefined) => (l === undefined ? '' : ` at λ = ${l}`);

/**
 * One row per model: base, the two fine-tunes, the reader's merge, the verdict's merge and controls
 * (each at its own λ chosen on held-out digits), generic training itself, multi-task training (two and
 * four domains), linear probes.
 */
export function baselineRows(s: RowSources): Row[] {
	const { a, b, shipped } = s;
	const v = s.verdictData;
	const multi = s.baselines ? s.baselines.multitask : s.shippedBaselines ? (shipped?.multitask ?? null) : null;
	const multi4 = s.baselines ? s.baselines.multitask4 : s.shippedBaselines ? (shipped?.multitask4 ?? null) : null;
	const probeFrom = s.baselines ? s.baselines.probe : s.shippedBaselines ? shipped?.probe : undefined;
	const probe = probeFrom ? ({ [a]: probeFrom[a], [b]: probeFrom[b] } as Partial<DomainAcc>) : null;
	return [
		{ id: 'base', label: 'Base θ₀ alone', acc: s.summary?.base ?? shipped?.base ?? null },
		{ id: 'ftA', label: `Fine-tune on ${DOMAIN_LABEL[a]} (θ₀ + τA)`, acc: s.summary?.ftA ?? shipped?.ft[a] ?? null },
		{ id: 'ftB', label: `Fine-tune on ${DOMAIN_LABEL[b]} (θ₀ + τB)`, acc: s.summary?.ftB ?? shipped?.ft[b] ?? null },
		{ id: 'current', label: 'Your merge (sliders)', acc: s.merge },
		{ id: 'merge', label: `Merge θ₀ + λ(τA + τB)${lam(v?.lambdas.merge)}`, note: 'λ chosen on held-out training digits', acc: v?.acc.merge ?? null },
		{ id: 'ctl-generic', label: `Control: generic g${lam(v?.lambdas.generic)}`, note: 'more training on the base’s own mix, τA’s length; its own held-out λ', acc: v?.acc.generic ?? null },
		{ id: 'ctl-shuffled', label: `Control: shuffled τA${lam(v?.lambdas.shuffled)}`, note: 'τA’s entries shuffled within each layer', acc: v?.acc.shuffled ?? null },
		{ id: 'ctl-random', label: `Control: random r${lam(v?.lambdas.random)}`, note: 'a Gaussian direction of τA’s length', acc: v?.acc.random ?? null },
		{ id: 'generic', label: 'Generic training, one fine-tune’s steps', note: 'θ₀ trained on its own mix: the net g comes from', acc: s.summary?.generic ?? shipped?.generic ?? null },
		{ id: 'multitask', label: 'Multi-task training on A and B, same compute', note: 'continues θ₀ on a mix of A and B for as many steps as both fine-tunes', acc: multi },
		{ id: 'multitask4', label: 'Multi-task training on all four domains', note: 'the same, on the base’s own four-domain mix (generalist base only)', acc: multi4 },
		{ id: 'probe', label: 'Linear probe on θ₀’s features', note: 'only the last layer trained, per task', acc: probe }
	];
}

const rowAcc = (rows: Row[], id: string, d: Domain) => rows.find((r) => r.id === id)?.acc?.[d] ?? NaN;

/** The bar chart: base, the merge on the panel, and the multi-task baseline, per shown domain. */
export function barGroups(rows: Row[], merge: DomainAcc | null, a: Task, b: Task): BarGroup[] {
	return shownDomains(a, b).map((d) => ({
		label: DOMAIN_LABEL[d],
		values: [
			{ name: 'base θ₀', value: rowAcc(rows, 'base', d) },
			{ name: 'your merge', value: merge?.[d] ?? NaN },
			{ name: 'multi-task (same compute)', value: rowAcc(rows, 'multitask', d) }
		]
	}));
}

/** "+1.2 vs base" / "−3.4 vs base" (points), or '' when either number is missing. */
export function deltaVsBase(v: number | undefined, base: number | undefined): string {
	if (v === undefined || base === undefined || !Number.isFinite(v) || !Number.isFinite(base)) return '';
	return `${v - base >= 0 ? '+' : '−'}${Math.abs((v - base) * 100).toFixed(1)} vs base`;
}

// ---- sentences ----------------------------------------------------------------------------------

/** What the merge panel shows now (the header's live summary, for screen readers). */
export function mergeSummary(v: Lambdas, acc: DomainAcc | null, a: Task, b: Task): string {
	const merge = `λA ${fixed(v.la, 2)}, λB ${fixed(v.lb, 2)}, λr ${fixed(v.lr, 2)}, λg ${fixed(v.lg, 2)}${v.lo !== 0 ? `, λo ${fixed(v.lo, 2)}` : ''}`;
	if (!acc) return `Merge ${merge}: computing.`;
	return `Merge ${merge}: ${shownDomains(a, b)
		.map((d) => `${DOMAIN_LABEL[d]} ${pct(acc[d], 1)}`)
		.join(', ')}.`;
}

export type Source = 'shipped' | 'live' | 'trained';

/** Merged models behind the λ-curves (sum, τA, τB, random, generic, shuffled) and the λ-plane. */
export const FIGURE_MODELS = 6 * CURVE_LAMBDAS.length + GRID_LAMBDAS.length ** 2;

export type ProvenanceFacts = {
	source: Source;
	backend: string | null;
	seed: number;
	/** the table's base and fine-tune rows were recomputed live (a slow backend skips them for the shipped nets) */
	tableLive: boolean;
	shipped: Pick<ShippedResults, 'settings' | 'backend' | 'figureDigits' | 'testDigits'>;
	/** the live λ-plane, when computed */
	grid: { models: number; ms: number } | null;
	/** how the live numbers compare with the shipped ones (describeMatch), when comparable */
	match: string | null;
};

export function provenance(f: ProvenanceFacts): string {
	const s = f.shipped;
	const plane = f.grid ? ` λ-plane: ${f.grid.models} models in ${Math.round(f.grid.ms)} ms.` : '';
	const shippedBy = `scripts/make-task-vectors.ts (seed ${s.settings.seed}, ${s.backend} backend in Node)`;
	if (f.source === 'shipped')
		return `Shipped results: ${shippedBy}; curves and heat maps on ${s.figureDigits} test digits per domain, the panel, table and verdict on all ${s.testDigits}.`;
	if (f.source === 'live' && !f.tableLive)
		return `The merge panel is computed in your browser (${f.backend ?? '?'}) from the shipped checkpoints; the table, curves and heat maps are the shipped results: ${shippedBy}.`;
	if (f.source === 'live') return `Computed in your browser (${f.backend ?? '?'}) from the shipped checkpoints.${plane}${f.match ? ` ${f.match}` : ''}`;
	return `Your task vectors: fine-tuned in this page on ${f.backend ?? '?'} (seed ${f.seed}).${plane}`;
}

/** The nets the worker holds (base kind and its settings, and the task pair of its vectors). */
export type Held = { kind: BaseKind; seed: number; steps: number; lr: number; a: Task; b: Task };

/** Do the settings on the form describe other nets than the ones held? (then: "fine-tune to apply") */
export function settingsDiffer(held: Held | null, want: { kind: BaseKind; seed: number; steps: number; lr: number }): boolean {
	if (!held) return false;
	return held.kind !== want.kind || held.seed !== want.seed || held.steps !== want.steps || Math.abs(held.lr - want.lr) > 1e-12;
}
