// The task-vector widget's figure logic (pure, no DOM, no tfjs): λ-plane lookups and layout, the chart
// series, the sample digits in every domain, the baselines table and the sentences built from them.
import { describe, expect, it } from 'vitest';
import { DOMAINS, transformImages, type Domain } from '../../src/lib/ml/domains';
import type { Curves, DomainAcc, Grid, VerdictData } from '../../src/lib/ml/experiments/task-vectors-analysis';
import type { ShippedAccuracy } from '../../src/lib/widgets/task-vectors/shipped';
import { shipped, decodeBase64 } from '../../src/lib/widgets/task-vectors/shipped';
import {
	FIGURE_MODELS,
	PRESETS,
	barGroups,
	baselineRows,
	deltaVsBase,
	domainColor,
	domainRole,
	gridCellAt,
	gridEntries,
	gridHighlight,
	gridLandmarks,
	gridValues,
	isPlainSum,
	lambdaLabels,
	lossPoints,
	lossSeries,
	mergeSummary,
	nearestIndex,
	otherDomain,
	provenance,
	rowLambdas,
	sampleDigits,
	settingsDiffer,
	shownDomains,
	sumSeries,
	vectorASeries,
	vectorsKey,
	withLoss,
	type Held,
	type ProvenanceFacts
} from '../../src/lib/widgets/task-vectors/figures';

/** Accuracy that encodes where it came from: tenths by domain, hundredths/thousandths by position. */
const acc = (x: number): DomainAcc => ({ upright: 0.1 + x, rot90: 0.2 + x, inverted: 0.3 + x, flipped: 0.4 + x });
const LAMBDAS = [-1, 0, 0.5, 1];
/** grid.acc[i][j] = acc(i/100 + j/1000) */
const grid: Grid = { lambdas: LAMBDAS, acc: LAMBDAS.map((_, i) => LAMBDAS.map((_, j) => acc(i / 100 + j / 1000))) };

describe('domains on the panels', () => {
	it('shows the two tasks, then upright, then the third transformed domain', () => {
		expect(shownDomains('rot90', 'inverted')).toEqual(['rot90', 'inverted', 'upright', 'flipped']);
		expect(shownDomains('flipped', 'rot90')).toEqual(['flipped', 'rot90', 'upright', 'inverted']);
		expect(otherDomain('inverted', 'flipped')).toBe('rot90');
	});

	it('gives every shown domain its own colour and role', () => {
		const shown = shownDomains('rot90', 'inverted');
		expect(new Set(shown.map((d) => domainColor(d, 'rot90', 'inverted'))).size).toBe(4);
		expect(shown.map((d) => domainRole(d, 'rot90', 'inverted'))).toEqual(['task A', 'task B', 'base skill', 'untouched']);
	});

	it('tags live numbers with the base and the pair they were computed from', () => {
		expect(vectorsKey('generalist', 'rot90', 'inverted')).not.toBe(vectorsKey('generalist', 'inverted', 'rot90'));
		expect(vectorsKey('generalist', 'rot90', 'inverted')).not.toBe(vectorsKey('narrow', 'rot90', 'inverted'));
	});

	it('has presets for the sum, the average, one vector, forgetting, the random control and the base', () => {
		expect(PRESETS.map((p) => [p.la, p.lb, p.lr])).toContainEqual([1, 1, 0]);
		expect(PRESETS.find((p) => p.label === 'Base')).toMatchObject({ la: 0, lb: 0, lr: 0, lg: 0, lo: 0 });
		expect(PRESETS.find((p) => p.label === 'Generic only')).toMatchObject({ la: 0, lb: 0, lr: 0, lg: 1, lo: 0 });
		expect(PRESETS.filter((p) => isPlainSum(p)).map((p) => p.label)).toEqual(['A + B']);
	});
});

describe('the λ-plane', () => {
	it('finds the nearest λ, the first one on a tie', () => {
		expect(nearestIndex(0.4, LAMBDAS)).toBe(2);
		expect(nearestIndex(-5, LAMBDAS)).toBe(0);
		expect(nearestIndex(0.25, [0, 0.5])).toBe(0);
	});

	it('reads a cell only for λ exactly on the grid and the random control off', () => {
		expect(gridCellAt(grid, { la: 1, lb: 0, lr: 0, lg: 0, lo: 0 })).toEqual(acc(3 / 100 + 1 / 1000));
		expect(gridCellAt(grid, { la: 0.5, lb: -1, lr: 0, lg: 0, lo: 0 })).toEqual(acc(2 / 100));
		expect(gridCellAt(grid, { la: 0.45, lb: 0, lr: 0, lg: 0, lo: 0 })).toBeNull();
		expect(gridCellAt(grid, { la: 1, lb: 1, lr: 0.05, lg: 0, lo: 0 })).toBeNull();
		expect(gridCellAt(grid, { la: 1, lb: 0, lr: 0, lg: 0.5, lo: 0 })).toBeNull();
		expect(gridCellAt(null, { la: 1, lb: 1, lr: 0, lg: 0, lo: 0 })).toBeNull();
	});

	it('draws λA upwards: rows, values, highlight and landmarks agree', () => {
		expect(rowLambdas(grid)).toEqual([1, 0.5, 0, -1]);
		const values = gridValues(grid, 'rot90');
		// top-left cell is λA = 1, λB = −1
		expect(values[0][0]).toBeCloseTo(acc(3 / 100).rot90, 12);
		const [r, c] = gridHighlight(grid, 0.9, 0.1)!;
		expect([rowLambdas(grid)[r], grid.lambdas[c]]).toEqual([1, 0]);
		expect(gridLandmarks(grid).map(([r, c]) => [rowLambdas(grid)[r], grid.lambdas[c]])).toEqual([
			[0, 0],
			[1, 1]
		]);
		expect(gridHighlight(null, 0, 0)).toBeNull();
		expect(gridLandmarks({ lambdas: [-1, 2], acc: [] })).toEqual([]);
	});

	it('labels λ compactly with a real minus sign', () => {
		expect(lambdaLabels([-2, -0.5, 0, 0.25, 0.5, 1])).toEqual(['−2', '−0.5', '0', '0.25', '0.5', '1']);
	});

	it('flattens every cell and domain for the live-vs-shipped comparison', () => {
		expect(gridEntries(grid)).toHaveLength(LAMBDAS.length ** 2 * DOMAINS.length);
	});

	it('finds every shipped cell the sliders can reach by a preset or a click', () => {
		const g = shipped.generalist.pairs[`${shipped.tasks.A}+${shipped.tasks.B}`].grid;
		for (const la of g.lambdas) for (const lb of g.lambdas) expect(gridCellAt(g, { la, lb, lr: 0, lg: 0, lo: 0 })).not.toBeNull();
		for (const p of PRESETS.filter((p) => p.lr === 0 && p.lg === 0 && p.lo === 0)) expect(gridCellAt(g, p)).not.toBeNull();
	});
});

describe('chart series', () => {
	const L = [-1, 0, 1];
	const curves: Curves = {
		lambdas: L,
		sum: L.map((_, i) => acc(i / 10)),
		a: L.map((_, i) => acc(i / 20)),
		b: L.map(() => acc(0)),
		random: L.map((_, i) => acc(i / 100)),
		generic: L.map((_, i) => acc(i / 50)),
		shuffled: L.map(() => acc(0))
	};

	it('plots the sum per shown domain, its mean on the two tasks, and the dashed generic and random controls', () => {
		const s = sumSeries(curves, 'rot90', 'inverted');
		expect(s).toHaveLength(7);
		expect(s[0].points.map((p) => p.x)).toEqual(L);
		expect(s[0].points[2].y).toBeCloseTo(0.2 + 0.2, 12);
		expect(s[4].dashed).toBeFalsy();
		expect(s[4].points[1].y).toBeCloseTo((0.2 + 0.3) / 2 + 0.1, 12);
		const [generic, random] = [s[5], s[6]];
		expect(generic.name).toMatch(/generic/);
		expect(generic.dashed).toBe(true);
		expect(generic.points[2].y).toBeCloseTo((0.2 + 0.3) / 2 + 0.04, 12);
		expect(random.dashed).toBe(true);
		expect(random.points[1].y).toBeCloseTo((0.2 + 0.3) / 2 + 0.01, 12);
		expect(sumSeries(null, 'rot90', 'inverted')).toEqual([]);
	});

	it('plots task vector A alone per shown domain', () => {
		const s = vectorASeries(curves, 'inverted', 'flipped');
		expect(s.map((x) => x.name)).toEqual(['inverted colours', 'upside down', 'upright', 'rotated 90°']);
		expect(s[0].points[2].y).toBeCloseTo(0.3 + 0.1, 12);
	});

	it('grows the loss curves one report at a time without changing the old object', () => {
		const p = (phase: string, step: number) => ({ phase, step, loss: 1 / step, totalSteps: 10, done: step, total: 20 });
		const one = withLoss({}, p('ft-rot90', 1));
		const two = withLoss(withLoss(one, p('ft-rot90', 2)), p('ft-inverted', 1));
		expect(one['ft-rot90']).toHaveLength(1);
		expect(two['ft-rot90'].map((q) => q.x)).toEqual([1, 2]);
		expect(lossPoints(two)).toBe(3);
		expect(lossSeries(two).map((s) => s.name)).toEqual(['ft-rot90', 'ft-inverted']);
	});
});

describe('sample digits', () => {
	it('shows the same upright digits transformed into every domain, domain after domain', () => {
		const upright = decodeBase64(shipped.samples.pixelsBase64);
		const n = 3;
		const s = sampleDigits(upright, shipped.samples.labels, n);
		expect(s.pixels).toHaveLength(DOMAINS.length * n * 784);
		expect(s.labels).toEqual(DOMAINS.flatMap(() => shipped.samples.labels.slice(0, n)));
		DOMAINS.forEach((d: Domain, k) => {
			expect(s.pixels.subarray(k * n * 784, (k + 1) * n * 784)).toEqual(transformImages(upright, d, 0, n));
		});
		expect(s.pixels.subarray(0, n * 784)).toEqual(upright.subarray(0, n * 784));
	});
});

describe('the baselines table', () => {
	const shippedAcc = {
		base: acc(0),
		ft: { rot90: acc(0.01), inverted: acc(0.02) },
		multitask: acc(0.03),
		multitask4: acc(0.04),
		generic: acc(0.05),
		probe: { rot90: 0.9, inverted: 0.8 }
	} as unknown as ShippedAccuracy;
	const paired = { onlyFirst: 1, onlySecond: 1, n: 2, p: 1 };
	const verdictData: VerdictData = {
		lambdas: { merge: 0.5, random: 2, shuffled: 1, generic: 0.75, neg: -1 },
		acc: { base: acc(0), merge: acc(0.06), random: acc(0.07), shuffled: acc(0.08), generic: acc(0.09), neg: acc(0.1) },
		vs: { random: paired, shuffled: paired, generic: paired },
		digits: 2000
	};
	const rowsOf = (over: Partial<Parameters<typeof baselineRows>[0]> = {}) =>
		baselineRows({ a: 'rot90', b: 'inverted', shipped: shippedAcc, shippedBaselines: true, summary: null, baselines: null, merge: null, verdictData: null, ...over });
	const ids = ['base', 'ftA', 'ftB', 'current', 'merge', 'ctl-generic', 'ctl-shuffled', 'ctl-random', 'generic', 'multitask', 'multitask4', 'probe'];
	const at = (rows: ReturnType<typeof rowsOf>, id: string) => rows.find((r) => r.id === id)!;

	it('lists base, both fine-tunes, the merges, the controls, generic training, multi-task and probes, shipped numbers first', () => {
		const rows = rowsOf();
		expect(rows.map((r) => r.id)).toEqual(ids);
		expect(rows[1].label).toContain('rotated 90°');
		expect(rows[2].acc).toEqual(acc(0.02));
		expect(at(rows, 'current').acc).toBeNull();
		expect(at(rows, 'merge').acc).toBeNull();
		expect(at(rows, 'multitask').acc).toEqual(acc(0.03));
		expect(at(rows, 'multitask4').acc).toEqual(acc(0.04));
		expect(at(rows, 'generic').acc).toEqual(acc(0.05));
		// a probe only exists for the two tasks
		expect(at(rows, 'probe').acc).toEqual({ rot90: 0.9, inverted: 0.8 });
		// the verdict's models, each labelled with its own held-out λ
		const v = rowsOf({ verdictData });
		expect(at(v, 'merge').acc).toEqual(acc(0.06));
		expect(at(v, 'merge').label).toContain('λ = 0.5');
		expect(at(v, 'ctl-generic').acc).toEqual(acc(0.09));
		expect(at(v, 'ctl-generic').label).toContain('λ = 0.75');
		expect(at(v, 'ctl-random').acc).toEqual(acc(0.07));
		expect(at(v, 'ctl-shuffled').acc).toEqual(acc(0.08));
	});

	it('prefers live numbers, and leaves shipped baselines out where they do not apply', () => {
		const summary = { base: acc(0.5), ftA: acc(0.51), ftB: acc(0.52), generic: acc(0.53), stats: { cosAB: 0, cosAR: 0, cosBR: 0, cosAG: 0, cosBG: 0, normA: 1, normB: 1, normGen: 1 } };
		const rows = rowsOf({ summary, shippedBaselines: false, merge: acc(0.6) });
		expect(rows.map((r) => r.acc)).toEqual([acc(0.5), acc(0.51), acc(0.52), acc(0.6), null, null, null, null, acc(0.53), null, null, null]);
		const trained = rowsOf({ baselines: { multitask: acc(0.7), multitask4: acc(0.75), probe: { rot90: 0.5, inverted: 0.4, flipped: 0.3 } } });
		expect(at(trained, 'multitask').acc).toEqual(acc(0.7));
		expect(at(trained, 'multitask4').acc).toEqual(acc(0.75));
		// a live run on the narrow base has no four-domain run, and the shipped one does not stand in for it
		const narrow = rowsOf({ baselines: { multitask: acc(0.7), multitask4: null, probe: {} } });
		expect(at(narrow, 'multitask4').acc).toBeNull();
		expect(at(trained, 'probe').acc).toEqual({ rot90: 0.5, inverted: 0.4 });
	});

	it('draws base, merge and multi-task bars per shown domain (missing ones as NaN)', () => {
		const groups = barGroups(rowsOf({ shippedBaselines: false }), acc(0.05), 'rot90', 'inverted');
		expect(groups.map((g) => g.label)).toEqual(['rotated 90°', 'inverted colours', 'upright', 'upside down']);
		expect(groups[0].values.map((v) => v.value)).toEqual([0.2, 0.25, NaN]);
	});

	it('writes the change against the base in points with a real minus sign', () => {
		expect(deltaVsBase(0.95, 0.9)).toBe('+5.0 vs base');
		expect(deltaVsBase(0.8, 0.9)).toBe('−10.0 vs base');
		expect(deltaVsBase(undefined, 0.9)).toBe('');
		expect(deltaVsBase(0.8, NaN)).toBe('');
	});
});

describe('sentences', () => {
	it('summarises the merge for screen readers, or says it is computing', () => {
		expect(mergeSummary({ la: -1, lb: 0.5, lr: 0, lg: 0, lo: 0 }, null, 'rot90', 'inverted')).toBe('Merge λA −1.00, λB 0.50, λr 0.00, λg 0.00: computing.');
		const s = mergeSummary({ la: 1, lb: 1, lr: 0, lg: 0, lo: 0 }, acc(0.5), 'rot90', 'inverted');
		expect(s).toMatch(/^Merge λA 1\.00, λB 1\.00, λr 0\.00, λg 0\.00: rotated 90° 70\.0\s%, inverted colours 80\.0\s%, upright 60\.0\s%, upside down 90\.0\s%\.$/);
	});

	it('counts the merged models behind the curves and the λ-plane', () => {
		expect(FIGURE_MODELS).toBe(6 * shipped.curveLambdas.length + shipped.gridLambdas.length ** 2);
	});

	it('says where the numbers come from', () => {
		const facts: ProvenanceFacts = {
			source: 'shipped',
			backend: 'wasm',
			seed: 7,
			tableLive: true,
			shipped: { settings: { ...shipped.settings, seed: 1 }, backend: 'cpu', figureDigits: 500, testDigits: 2000 },
			grid: null,
			match: null
		};
		expect(provenance(facts)).toMatch(/^Shipped results: .*seed 1, cpu backend.*500 test digits.*all 2000/);
		expect(provenance({ ...facts, source: 'live', grid: { models: 121, ms: 812.4 }, match: 'Identical to the shipped numbers.' })).toBe(
			'Computed in your browser (wasm) from the shipped checkpoints. λ-plane: 121 models in 812 ms. Identical to the shipped numbers.'
		);
		expect(provenance({ ...facts, source: 'live', tableLive: false })).toMatch(/^The merge panel is computed in your browser \(wasm\).*the table, curves and heat maps are the shipped results/);
		expect(provenance({ ...facts, source: 'trained' })).toBe('Your task vectors: fine-tuned in this page on wasm (seed 7).');
	});

	it('notices when the form describes other nets than the ones in the worker', () => {
		const held: Held = { kind: 'generalist', seed: 1, steps: 400, lr: 1e-4, a: 'rot90', b: 'inverted' };
		const same = { kind: 'generalist' as const, seed: 1, steps: 400, lr: 1e-4 };
		expect(settingsDiffer(held, same)).toBe(false);
		expect(settingsDiffer(held, { ...same, lr: 1e-4 + 1e-15 })).toBe(false);
		expect(settingsDiffer(held, { ...same, kind: 'narrow' })).toBe(true);
		expect(settingsDiffer(held, { ...same, steps: 30 })).toBe(true);
		expect(settingsDiffer(null, { ...same, seed: 2 })).toBe(false);
	});
});
