// Pure figure logic of the stitching widget (no DOM, no tfjs; unit-tested): colour and label tables,
// the chart series, which correlation picture to show, what is live, and the sentences around the
// figures. Lists that live in the tfjs-bearing experiment module (PATHS, GRADIENT_FREE) are passed in.
import type { BarGroup, LineSeries } from '$lib/plots';
import { pct } from '$lib/plots/format';
import { CUTS, METHODS, METHOD_LABEL, type Method, type StitchSettings } from '$lib/ml/experiments/stitching-defaults';
import type { CurvePoint } from '$lib/ml/experiments/common';
import type { AlignResult, Interpolation, SweepPoint } from '$lib/ml/experiments/stitching-analysis';
import type { PathName } from '$lib/ml/experiments/stitching-defaults';
import { shipped } from './shipped';

/** Where the figures' numbers come from: the shipped results, the shipped nets scored live, or the reader's nets. */
export type Source = 'shipped' | 'live' | 'trained';
/** Which parts of the pipeline have been recomputed live (tests and the export read it). */
export type Stage = { baseline: boolean; align: boolean; gradientFree: boolean; interpolation: boolean; trained: boolean };
export type Accuracies = Record<Method, number[]>;
export type LossPoint = { x: number; y: number };
export type StitchLoss = Record<'trained' | 'random', LossPoint[]>;

export const emptyStage = (): Stage => ({ baseline: false, align: false, gradientFree: false, interpolation: false, trained: false });

export const METHOD_COLOR: Record<Method, string> = {
	naive: '#7f7f7f',
	activation: 'var(--accent)',
	weight: '#009e73',
	lstsq: '#cc79a7',
	// its two controls: the same hue, light (random bottom) and dark (pixels), so the three read as one family
	lstsqRandom: '#e8b6d3',
	lstsqPixels: '#8a4a70',
	trained: '#e69f00',
	random: '#8c6d31'
};
export const PATH_COLOR: Record<PathName, string> = { naive: '#7f7f7f', weight: '#009e73', activation: 'var(--accent)' };
/** the three straight paths from A to B (B as trained, or permuted to line up with A) */
export const PATH_LABEL: Record<PathName, string> = { naive: 'naive (B as trained)', weight: 'B permuted: weights', activation: 'B permuted: activations' };
/** the same three ways to line B up with A, named as stitches (the sweep's right-hand chart) */
export const SWEEP_STITCH_LABEL: Record<PathName, string> = { naive: 'naive weld', weight: 'permutation: weights', activation: 'permutation: activations' };

/** Accuracy of `method` stitched at cut k (NaN until computed). */
export const stitchedAt = (acc: Accuracies, method: Method, k: number): number => acc[method]?.[k - 1] ?? NaN;

/** The joint drawn between A's and B's layers in the diagram. */
export function jointLabel(method: Method): 'weld' | 'affine' | 'permute' {
	if (method === 'naive') return 'weld';
	return method === 'activation' || method === 'weight' ? 'permute' : 'affine';
}

/** A's layers below the cut and B's above it, for the diagram. */
export function diagramLayers(k: number): { a: number[]; b: number[] } {
	return { a: CUTS.filter((l) => l <= k), b: CUTS.filter((l) => l > k) };
}

/**
 * Is the big number live? Gradient-free methods are once the gradient-free stage ran in this page; the
 * trained stitch (and its control) once the stitches were trained here.
 */
export function numberIsLive(source: Source, stage: Stage, gradientFree: boolean): boolean {
	if (source === 'shipped') return false;
	return gradientFree ? stage.gradientFree : stage.trained;
}

// ---- the bar chart ------------------------------------------------------------------------------------

export function barGroups(acc: Accuracies): BarGroup[] {
	return CUTS.map((cut, i) => ({
		label: `cut after layer ${cut}`,
		values: METHODS.map((m) => ({ name: METHOD_LABEL[m], value: acc[m][i], color: METHOD_COLOR[m] }))
	}));
}

export function barSummary(acc: Accuracies): string {
	return CUTS.map((c, i) => `Cut ${c}: ` + METHODS.map((m) => `${METHOD_LABEL[m]} ${pct(acc[m][i], 1)}`).join(', ')).join('. ');
}

/** 'true' once every method has a number at some cut; 'partial' while some are still being computed. */
export const barsReady = (acc: Accuracies): 'true' | 'partial' => (METHODS.every((m) => acc[m].some(Number.isFinite)) ? 'true' : 'partial');

// ---- the permutation picture ------------------------------------------------------------------------

/** The permutation shown in the "after" heat map: weight matching if chosen, else activation matching. */
export const alignKindFor = (method: Method): 'weight' | 'activation' => (method === 'weight' ? 'weight' : 'activation');

export type CorrelationView = {
	/** the hidden layer pictured (the cut's, once the browser computed every layer; else the shipped one) */
	layer: number;
	/** A × B correlation before alignment */
	before: Float32Array;
	/** the permutation of B's units for the "after" picture (new unit i = old unit perm[i]) */
	perm: number[];
	kind: 'weight' | 'activation';
	meanBefore: number;
	meanAfter: number;
	/** the cut asks for a layer the shipped picture does not have */
	waitingFor: number | null;
};

export function correlationView(opts: {
	k: number;
	method: Method;
	align: AlignResult;
	liveCorr: Float32Array[] | null;
	shippedCorr: Float32Array;
	shippedLayer: number;
}): CorrelationView {
	const { k, align, liveCorr } = opts;
	const kind = alignKindFor(opts.method);
	const layer = liveCorr ? k : opts.shippedLayer;
	return {
		layer,
		before: liveCorr ? liveCorr[k - 1] : opts.shippedCorr,
		perm: align.perms[kind][layer - 1],
		kind,
		meanBefore: align.meanCorr.diagonal[layer - 1],
		meanAfter: align.meanCorr[kind][layer - 1],
		waitingFor: liveCorr || k === opts.shippedLayer ? null : k
	};
}

// ---- interpolation and the width sweep --------------------------------------------------------------

/** Loss or accuracy along the straight paths from A (α = 0) to B (α = 1), one series per path. */
export function interpolationSeries(interp: Interpolation | null, what: 'loss' | 'acc', paths: readonly PathName[]): LineSeries[] {
	if (!interp) return [];
	return paths.map((p) => ({
		name: PATH_LABEL[p],
		color: PATH_COLOR[p],
		dashed: p === 'naive',
		points: interp.alphas.map((a, i) => ({ x: a, y: interp[p][what][i] }))
	}));
}

/** Loss barrier against width; widths where a path has no barrier are left out, negative barriers shown as 0. */
export function sweepBarrierSeries(sweep: readonly SweepPoint[], paths: readonly PathName[]): LineSeries[] {
	return paths.map((p) => ({
		name: PATH_LABEL[p],
		color: PATH_COLOR[p],
		dashed: p === 'naive',
		points: sweep.filter((s) => Number.isFinite(s.barrier[p])).map((s) => ({ x: s.width, y: Math.max(s.barrier[p], 0) }))
	}));
}

/** Stitch accuracy at the default cut against width, with and without permuting B. */
export function sweepStitchSeries(sweep: readonly SweepPoint[], paths: readonly PathName[]): LineSeries[] {
	return paths.map((p) => ({
		name: SWEEP_STITCH_LABEL[p],
		color: PATH_COLOR[p],
		dashed: p === 'naive',
		points: sweep.map((s) => ({ x: s.width, y: s.stitch[p] }))
	}));
}

/** What the sweep is doing now, for its progress bar. */
export function sweepProgressLabel(e: { width: number; phase: 'training' | 'aligning' | 'done' }): string {
	const doing = e.phase === 'training' ? 'training' : e.phase === 'aligning' ? 'aligning' : 'done with';
	return `Width sweep: ${doing} width ${e.width}`;
}

export const formatBarrier = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '–' : `${v.toFixed(2)} nats`);

/**
 * Weight matching's objective under a path's relabelling, ⟨θ_A, π(θ_B)⟩, with its cosine (divided by
 * ‖θ_A‖·‖θ_B‖) in brackets; '–' for results made before it was recorded.
 */
export function formatObjective(align: Pick<AlignResult, 'objective'>, p: PathName): string {
	const o = align.objective;
	const v = o?.[p];
	if (v === undefined || !Number.isFinite(v) || !(o.norms > 0)) return '–';
	const cos = v / o.norms;
	// no "−0.00" for a cosine that rounds to zero
	return `${v.toFixed(0)} (cos ${(Math.abs(cos) < 0.005 ? 0 : cos).toFixed(2)})`;
}

// ---- training curves ----------------------------------------------------------------------------------

export function trainingLossSeries(curves: Record<'A' | 'B', readonly CurvePoint[]>): LineSeries[] {
	return (['A', 'B'] as const).map((n, i) => ({
		name: `net ${n}`,
		color: i === 0 ? 'var(--accent)' : 'var(--accent-2)',
		points: curves[n].map((p) => ({ x: p.step, y: p.loss }))
	}));
}

export function stitchLossSeries(loss: StitchLoss): LineSeries[] {
	return [
		{ name: 'trained stitch on A', color: METHOD_COLOR.trained, points: loss.trained },
		{ name: 'same, on a random bottom', color: METHOD_COLOR.random, points: loss.random, dashed: true }
	];
}

// ---- sentences ------------------------------------------------------------------------------------------

/** What the weld's numbers show now, for screen readers (the header's live summary). */
export function figureSummary(o: { method: Method; k: number; acc: Accuracies; accA: number; accB: number }): string {
	const stitched = stitchedAt(o.acc, o.method, o.k);
	const i = o.k - 1;
	const random =
		o.method === 'trained'
			? `, random bottom ${pct(o.acc.random[i], 1)}`
			: o.method === 'lstsq'
				? `, same fit from a random bottom ${pct(o.acc.lstsqRandom[i], 1)}, from raw pixels ${pct(o.acc.lstsqPixels[i], 1)}`
				: '';
	return (
		`${METHOD_LABEL[o.method]}, cut after layer ${o.k}: ${Number.isFinite(stitched) ? pct(stitched, 1) : 'computing'}; ` +
		`naive weld ${pct(o.acc.naive[o.k - 1], 1)}${random}; A alone ${pct(o.accA, 1)}, B alone ${pct(o.accB, 1)}.`
	);
}

/** Where the numbers on screen come from (the footer's provenance line). */
export function provenanceText(source: Source, backend: string | undefined, nets: StitchSettings, liveMatch: string | null = null): string {
	const s = shipped.settings;
	if (source === 'shipped')
		return `Shipped results: nets trained by scripts/make-stitching.ts (seeds ${s.seedA} and ${s.seedB}, width ${s.width}, ${shipped.backend} backend in Node), scored on ${shipped.testDigits} test digits.`;
	if (source === 'live') return `Recomputed in your browser (${backend ?? '?'}) from the shipped nets.${liveMatch ? ` ${liveMatch}` : ''}`;
	return `Your nets, trained in this page on ${backend ?? '?'} (seeds ${nets.seedA} and ${nets.seedB}, width ${nets.width}).`;
}

/** The deterministic numbers of a run (A, B and the given gradient-free stitches at every cut), for the shipped-vs-live comparison. */
export function comparable(r: { accA: number; accB: number; acc: Accuracies }, methods: readonly Method[]): number[] {
	return [r.accA, r.accB, ...methods.flatMap((m) => r.acc[m])];
}
