// The stitching widget's pure figure logic: the bar chart, the permutation picture's choice of layer
// and matrix, the interpolation and width-sweep series, what counts as live, and the sentences around
// the figures. No DOM and no tfjs needed (PATHS and GRADIENT_FREE come from the experiment module).
import { describe, expect, it } from 'vitest';
import { CUTS, METHODS, METHOD_LABEL, DEFAULT_STITCH, type Method } from '../../src/lib/ml/experiments/stitching-defaults';
import { GRADIENT_FREE, PATHS, type AlignResult, type Interpolation, type SweepPoint } from '../../src/lib/ml/experiments/stitching';
import {
	METHOD_COLOR,
	PATH_LABEL,
	SWEEP_STITCH_LABEL,
	alignKindFor,
	barGroups,
	barSummary,
	barsReady,
	comparable,
	correlationView,
	diagramLayers,
	emptyStage,
	figureSummary,
	formatBarrier,
	formatObjective,
	interpolationSeries,
	jointLabel,
	numberIsLive,
	provenanceText,
	stitchLossSeries,
	stitchedAt,
	sweepBarrierSeries,
	sweepProgressLabel,
	sweepStitchSeries,
	trainingLossSeries,
	type Accuracies
} from '../../src/lib/widgets/stitching/figures';
import { shipped, shippedCorrelation } from '../../src/lib/widgets/stitching/shipped';

/** accuracy of method m at cut k: a distinct number per cell, so a swapped index shows */
const accOf = (m: Method, k: number) => 0.1 * METHODS.indexOf(m) + 0.01 * k;
const fullAcc = (): Accuracies => Object.fromEntries(METHODS.map((m) => [m, CUTS.map((k) => accOf(m, k))])) as Accuracies;
const nanAcc = (): Accuracies => Object.fromEntries(METHODS.map((m) => [m, CUTS.map(() => NaN)])) as Accuracies;

const align: AlignResult = {
	perms: { activation: [[1, 0], [0, 1], [1, 0]], weight: [[0, 1], [1, 0], [0, 1]] },
	meanCorr: { diagonal: [0.1, 0.2, 0.3], activation: [0.7, 0.8, 0.9], weight: [0.6, 0.65, 0.66] },
	weightSweeps: 3,
	weightRestarts: 2,
	weightObjectives: [5, 6],
	objective: { naive: 1, weight: 6, activation: 4, norms: 10 },
	activationMs: 1,
	weightMs: 2
};

const curve = (loss: number[], acc: number[]) => ({ loss, acc, barrier: Math.max(...loss), worstAcc: Math.min(...acc) });
const interp: Interpolation = {
	alphas: [0, 0.5, 1],
	naive: curve([0.1, 2, 0.1], [0.98, 0.2, 0.97]),
	weight: curve([0.1, 0.5, 0.1], [0.98, 0.8, 0.97]),
	activation: curve([0.1, 0.4, 0.1], [0.98, 0.85, 0.97])
};

const sweepPoint = (width: number, barrier: Record<'naive' | 'weight' | 'activation', number>): SweepPoint => ({
	width,
	accA: 0.97,
	accB: 0.97,
	barrier,
	worstAcc: { naive: 0.3, weight: 0.8, activation: 0.85 },
	stitch: { naive: 0.1, weight: 0.9, activation: 0.92 },
	weightMs: 5,
	objective: { naive: 0, weight: 3, activation: 2, norms: 10 },
	weightRestarts: 8
});

describe('the bar chart of every joint at every cut', () => {
	it('has one group per cut and one bar per method, labelled and coloured by method, valued by that cut', () => {
		const groups = barGroups(fullAcc());
		expect(groups.map((g) => g.label)).toEqual(CUTS.map((c) => `cut after layer ${c}`));
		for (const [i, g] of groups.entries()) {
			expect(g.values.map((v) => v.name)).toEqual(METHODS.map((m) => METHOD_LABEL[m]));
			expect(g.values.map((v) => v.color)).toEqual(METHODS.map((m) => METHOD_COLOR[m]));
			expect(g.values.map((v) => v.value)).toEqual(METHODS.map((m) => accOf(m, CUTS[i])));
		}
	});

	it('is partial while a method has no number at any cut, and ready once every method has one', () => {
		const acc = nanAcc();
		expect(barsReady(acc)).toBe('partial');
		for (const m of GRADIENT_FREE) acc[m] = CUTS.map((k) => accOf(m, k));
		expect(barsReady(acc)).toBe('partial'); // the trained stitch and its control are still missing
		acc.trained[1] = 0.9;
		acc.random[2] = 0.5;
		expect(barsReady(acc)).toBe('true');
	});

	it('is ready at first paint with the shipped results, the least-squares controls included', () => {
		expect(barsReady(shipped.report.acc)).toBe('true');
		for (const m of ['lstsqRandom', 'lstsqPixels'] as const) expect(shipped.report.acc[m].every(Number.isFinite)).toBe(true);
	});

	it('sets both least-squares controls beside the least-squares bar, in its colour family', () => {
		const names = barGroups(fullAcc())[0].values.map((v) => v.name);
		const at = names.indexOf(METHOD_LABEL.lstsq);
		expect(names.slice(at, at + 3)).toEqual([METHOD_LABEL.lstsq, METHOD_LABEL.lstsqRandom, METHOD_LABEL.lstsqPixels]);
		expect(new Set([METHOD_COLOR.lstsq, METHOD_COLOR.lstsqRandom, METHOD_COLOR.lstsqPixels]).size).toBe(3);
	});

	it('summarises every cut for screen readers, with a dash for numbers not computed yet', () => {
		const text = barSummary(nanAcc());
		for (const c of CUTS) expect(text).toContain(`Cut ${c}:`);
		expect(text).toContain(`${METHOD_LABEL.naive} –`);
		expect(barSummary(fullAcc())).toMatch(/Cut 1: naive weld \(control\) 1\.0\s%/);
	});
});

describe('the weld panel', () => {
	it('reads the stitched accuracy of the chosen method at cut k (index k − 1), NaN when unknown', () => {
		expect(stitchedAt(fullAcc(), 'weight', 3)).toBe(accOf('weight', 3));
		expect(stitchedAt(nanAcc(), 'weight', 3)).toBeNaN();
		expect(stitchedAt(fullAcc(), 'weight', 9)).toBeNaN();
	});

	it('draws A’s layers up to the cut and B’s after it', () => {
		expect(diagramLayers(1)).toEqual({ a: [1], b: [2, 3] });
		expect(diagramLayers(3)).toEqual({ a: [1, 2, 3], b: [] });
	});

	it('names the joint: a weld for the naive control, a permutation for matching, an affine map otherwise', () => {
		expect(jointLabel('naive')).toBe('weld');
		expect(jointLabel('activation')).toBe('permute');
		expect(jointLabel('weight')).toBe('permute');
		expect(jointLabel('lstsq')).toBe('affine');
		expect(jointLabel('lstsqRandom')).toBe('affine');
		expect(jointLabel('lstsqPixels')).toBe('affine');
		expect(jointLabel('trained')).toBe('affine');
	});

	it('calls a number live only once the stage that computes its method ran in this page', () => {
		const stage = emptyStage();
		expect(numberIsLive('live', stage, true)).toBe(false);
		stage.gradientFree = true;
		expect(numberIsLive('live', stage, true)).toBe(true);
		expect(numberIsLive('live', stage, false)).toBe(false); // the trained stitch is still training
		stage.trained = true;
		expect(numberIsLive('trained', stage, false)).toBe(true);
		expect(numberIsLive('shipped', { ...stage }, true)).toBe(false);
	});
});

describe('the permutation picture', () => {
	const shippedCorr = new Float32Array([1, 0, 0, 1]);
	const liveCorr = [new Float32Array([0.1, 0, 0, 0.1]), new Float32Array([0.2, 0, 0, 0.2]), new Float32Array([0.3, 0, 0, 0.3])];

	it('shows the shipped layer until the browser has computed every layer, and says which layer it waits for', () => {
		const v = correlationView({ k: 3, method: 'activation', align, liveCorr: null, shippedCorr, shippedLayer: 2 });
		expect(v.layer).toBe(2);
		expect(v.before).toBe(shippedCorr);
		expect(v.waitingFor).toBe(3);
		expect(correlationView({ k: 2, method: 'activation', align, liveCorr: null, shippedCorr, shippedLayer: 2 }).waitingFor).toBeNull();
	});

	it('follows the cut once live, with that layer’s matrix, permutation and mean correlations', () => {
		const v = correlationView({ k: 3, method: 'activation', align, liveCorr, shippedCorr, shippedLayer: 2 });
		expect(v).toMatchObject({ layer: 3, kind: 'activation', meanBefore: 0.3, meanAfter: 0.9, waitingFor: null });
		expect(v.before).toBe(liveCorr[2]);
		expect(v.perm).toBe(align.perms.activation[2]);
	});

	it('pictures weight matching only when it is the chosen method, activation matching otherwise', () => {
		expect(alignKindFor('weight')).toBe('weight');
		for (const m of ['activation', 'naive', 'lstsq', 'trained'] as const) expect(alignKindFor(m)).toBe('activation');
		const v = correlationView({ k: 1, method: 'weight', align, liveCorr, shippedCorr, shippedLayer: 2 });
		expect(v.perm).toBe(align.perms.weight[0]);
		expect(v.meanAfter).toBe(0.6);
	});

	it('gets brighter on the diagonal after aligning the shipped nets', () => {
		const v = correlationView({ k: shipped.corr.layer, method: 'activation', align: shipped.report.align, liveCorr: null, shippedCorr: shippedCorrelation(), shippedLayer: shipped.corr.layer });
		expect(v.before).toHaveLength(shipped.corr.width ** 2);
		expect(v.perm).toHaveLength(shipped.corr.width);
		expect(v.meanAfter).toBeGreaterThan(v.meanBefore + 0.3);
	});
});

describe('the straight paths from A to B', () => {
	it('has no series before an interpolation exists', () => {
		expect(interpolationSeries(null, 'loss', PATHS)).toEqual([]);
	});

	it('draws one series per path, in the given order, over α, with the naive path dashed', () => {
		const loss = interpolationSeries(interp, 'loss', PATHS);
		expect(loss.map((s) => s.name)).toEqual(PATHS.map((p) => PATH_LABEL[p]));
		expect(loss.map((s) => !!s.dashed)).toEqual(PATHS.map((p) => p === 'naive'));
		expect(loss[PATHS.indexOf('naive')].points).toEqual([
			{ x: 0, y: 0.1 },
			{ x: 0.5, y: 2 },
			{ x: 1, y: 0.1 }
		]);
		expect(interpolationSeries(interp, 'acc', PATHS)[PATHS.indexOf('activation')].points.map((p) => p.y)).toEqual([0.98, 0.85, 0.97]);
	});

	it('writes a barrier in nats, and a dash when there is none', () => {
		expect(formatBarrier(1.234)).toBe('1.23 nats');
		expect(formatBarrier(NaN)).toBe('–');
		expect(formatObjective(align, 'weight')).toBe('6 (cos 0.60)');
		expect(formatObjective(align, 'naive')).toBe('1 (cos 0.10)');
		expect(formatObjective({ objective: { ...align.objective, naive: -2, norms: 1862 } }, 'naive')).toBe('-2 (cos 0.00)');
		expect(formatObjective({ objective: { ...align.objective, activation: NaN } }, 'activation')).toBe('–');
		expect(formatBarrier(undefined)).toBe('–');
	});
});

describe('the width sweep', () => {
	const sweep = [sweepPoint(64, { naive: 2, weight: -0.05, activation: NaN }), sweepPoint(128, { naive: 1.5, weight: 0.2, activation: 0.1 })];

	it('plots the barrier against width, leaving out missing barriers and showing negative ones as 0', () => {
		const series = sweepBarrierSeries(sweep, PATHS);
		const by = Object.fromEntries(PATHS.map((p, i) => [p, series[i].points]));
		expect(by.naive).toEqual([
			{ x: 64, y: 2 },
			{ x: 128, y: 1.5 }
		]);
		expect(by.weight[0]).toEqual({ x: 64, y: 0 });
		expect(by.activation).toEqual([{ x: 128, y: 0.1 }]);
	});

	it('plots the stitch at the default cut against width, named as stitches', () => {
		const series = sweepStitchSeries(sweep, PATHS);
		expect(series.map((s) => s.name)).toEqual(PATHS.map((p) => SWEEP_STITCH_LABEL[p]));
		expect(series[PATHS.indexOf('weight')].points).toEqual([
			{ x: 64, y: 0.9 },
			{ x: 128, y: 0.9 }
		]);
	});

	it('draws the shipped sweep at every shipped width', () => {
		for (const s of sweepStitchSeries(shipped.sweep, PATHS)) expect(s.points).toHaveLength(shipped.sweep.length);
	});

	it('says what the sweep is doing at which width', () => {
		expect(sweepProgressLabel({ width: 256, phase: 'training' })).toBe('Width sweep: training width 256');
		expect(sweepProgressLabel({ width: 256, phase: 'aligning' })).toBe('Width sweep: aligning width 256');
		expect(sweepProgressLabel({ width: 512, phase: 'done' })).toBe('Width sweep: done with width 512');
	});
});

describe('training curves', () => {
	it('draws the training loss of A and B against the step', () => {
		const series = trainingLossSeries({ A: [{ step: 10, loss: 2, accuracy: null }], B: [] });
		expect(series.map((s) => s.name)).toEqual(['net A', 'net B']);
		expect(series[0].points).toEqual([{ x: 10, y: 2 }]);
		expect(series[1].points).toEqual([]);
	});

	it('draws the trained stitch solid and its random-bottom control dashed', () => {
		const [trained, random] = stitchLossSeries({ trained: [{ x: 1, y: 2 }], random: [{ x: 1, y: 3 }] });
		expect(trained).toMatchObject({ color: METHOD_COLOR.trained, points: [{ x: 1, y: 2 }] });
		expect(random).toMatchObject({ color: METHOD_COLOR.random, dashed: true, points: [{ x: 1, y: 3 }] });
	});
});

describe('sentences around the figures', () => {
	const acc = fullAcc();

	it('summarises the weld for screen readers, with the controls of the least-squares and trained stitches', () => {
		const s = figureSummary({ method: 'activation', k: 2, acc, accA: 0.98, accB: 0.97 });
		expect(s).toMatch(/^permutation: activations, cut after layer 2: 12\.0\s%; naive weld 2\.0\s%; A alone 98\.0\s%, B alone 97\.0\s%\.$/);
		expect(s).not.toContain('random bottom');
		expect(figureSummary({ method: 'trained', k: 1, acc, accA: 0.98, accB: 0.97 })).toMatch(/random bottom 71\.0\s%/);
		expect(figureSummary({ method: 'lstsq', k: 3, acc, accA: 0.98, accB: 0.97 })).toMatch(
			/^least-squares affine, cut after layer 3: 33\.0\s%; naive weld 3\.0\s%, same fit from a random bottom 43\.0\s%, from raw pixels 53\.0\s%;/
		);
		expect(figureSummary({ method: 'weight', k: 1, acc: nanAcc(), accA: 0.98, accB: 0.97 })).toContain('cut after layer 1: computing;');
	});

	it('tells where the numbers come from: the shipped script, the shipped nets in this browser, or the reader’s nets', () => {
		const mine = { ...DEFAULT_STITCH, seedA: 7, seedB: 8, width: 32 };
		expect(provenanceText('shipped', 'webgl', mine)).toContain(`seeds ${shipped.settings.seedA} and ${shipped.settings.seedB}, width ${shipped.settings.width}`);
		expect(provenanceText('live', 'wasm', mine)).toBe('Recomputed in your browser (wasm) from the shipped nets.');
		expect(provenanceText('live', 'wasm', mine, 'Identical to the shipped numbers.')).toBe('Recomputed in your browser (wasm) from the shipped nets. Identical to the shipped numbers.');
		expect(provenanceText('trained', undefined, mine)).toBe('Your nets, trained in this page on ? (seeds 7 and 8, width 32).');
	});

	it('compares A, B and the given methods at every cut with the shipped numbers, in a fixed order', () => {
		expect(comparable({ accA: 0.9, accB: 0.8, acc }, ['naive', 'weight'])).toEqual([0.9, 0.8, ...CUTS.map((k) => accOf('naive', k)), ...CUTS.map((k) => accOf('weight', k))]);
		expect(comparable(shipped.report, GRADIENT_FREE)).toHaveLength(2 + GRADIENT_FREE.length * CUTS.length);
	});
});
