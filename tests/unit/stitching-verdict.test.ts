// The stitching verdict checks the falsifier essays/stitching.md states in "How this could fail": every
// branch, with passing and failing inputs, and the thresholds as the essay words them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VERDICT_MARGINS, emptyAcc, verdict, type Interpolation } from '../../src/lib/ml/experiments/stitching-analysis';

/** A run that shows the claim at every cut (numbers like the shipped pair's). */
function passing() {
	const acc = emptyAcc();
	acc.naive = [0.12, 0.14, 0.1];
	acc.activation = [0.91, 0.92, 0.925];
	acc.weight = [0.65, 0.3, 0.67];
	acc.lstsq = [0.951, 0.95, 0.953];
	acc.lstsqRandom = [0.91, 0.876, 0.835];
	acc.lstsqPixels = [0.914, 0.883, 0.86];
	return { accA: 0.958, accB: 0.955, acc, interpolation: interp(1.02, 0.25, 0.009) };
}

function interp(naive: number, weight: number, activation: number): Interpolation {
	const path = (barrier: number) => ({ loss: [0.1, 0.1 + barrier, 0.1], acc: [0.95, 0.9, 0.95], barrier, worstAcc: 0.9 });
	return { alphas: [0, 0.5, 1], naive: path(naive), weight: path(weight), activation: path(activation) };
}

describe('stitching verdict', () => {
	it('is shown when all three checks pass, and says what was measured', () => {
		const v = verdict(passing(), 2);
		expect(v.shown).toBe(true);
		expect(v.text).toMatch(/^Shown by this run: at cut 2/);
		expect(v.text).toMatch(/95\.0\s%.*87\.6\s%.*88\.3\s%/); // least squares from A, random bottom, pixels
		expect(v.text).toMatch(/matching activations.*92\.0\s%/);
		expect(v.text).toMatch(/1\.02 nats to 0\.01 nats/);
	});

	it('waits while the stitches or their controls are still computing', () => {
		const r = passing();
		r.acc.lstsqPixels = [NaN, NaN, NaN];
		expect(verdict(r, 2)).toEqual({ shown: false, text: 'Still computing the stitches for this cut…' });
		const r2 = passing();
		r2.acc.activation = [NaN, NaN, NaN];
		r2.acc.weight = [NaN, NaN, NaN];
		expect(verdict(r2, 2).shown).toBe(false);
	});

	it('refuses to judge nets that did not learn', () => {
		const v = verdict({ ...passing(), accA: 0.3 }, 2);
		expect(v.shown).toBe(false);
		expect(v.text).toMatch(/cannot test the claim/);
	});

	it('fails when least squares from A is not clearly above the random-bottom control', () => {
		const r = passing();
		r.acc.lstsqRandom[1] = 0.94; // 1 point below A's fit
		const v = verdict(r, 2);
		expect(v.shown).toBe(false);
		expect(v.text).toMatch(/^Not shown by this run at cut 2: the least-squares map.*untrained random bottom \(94\.0\s%\)/);
	});

	it('fails when least squares from A is not clearly above the pixel control', () => {
		const r = passing();
		r.acc.lstsqPixels[0] = 0.935;
		const v = verdict(r, 1);
		expect(v.shown).toBe(false);
		expect(v.text).toMatch(/raw pixels \(93\.5\s%\)/);
	});

	it('fails a permutation stitch far above the naive weld but far below the parents (the old verdict passed it)', () => {
		const r = passing();
		r.acc.activation[1] = 0.53; // the shipped width-64 sweep's cut-2 stitch
		const v = verdict(r, 2);
		expect(v.shown).toBe(false);
		expect(v.text).toMatch(/best relabelling \(matching activations\) stitches at 53\.0\s%, more than 5\.0 points below the worse parent \(95\.5\s%/);
	});

	it('judges the better of the two relabellings against the worse parent, at the margin', () => {
		const r = passing();
		r.acc.activation[0] = 0.5;
		r.acc.weight[0] = 0.955 - VERDICT_MARGINS.permutation + 0.001; // weight matching within the margin
		expect(verdict(r, 1).shown).toBe(true);
		expect(verdict(r, 1).text).toMatch(/matching weights/);
		r.acc.weight[0] = 0.955 - VERDICT_MARGINS.permutation - 0.001;
		expect(verdict(r, 1).shown).toBe(false);
	});

	it('fails when aligning B does not cut the barrier, and lists every failed check', () => {
		const r = { ...passing(), interpolation: interp(1.0, 0.8, 0.7) };
		const v = verdict(r, 2);
		expect(v.shown).toBe(false);
		expect(v.text).toMatch(/loss barrier of 0\.70 nats on the straight path, against 1\.00 nats unaligned/);
		r.acc.activation[1] = 0.5;
		r.acc.weight[1] = 0.5;
		const both = verdict(r, 2).text;
		expect(both).toMatch(/below the worse parent.*; and aligning B leaves/);
		// identical nets have no barrier to remove: not evidence for the claim either
		expect(verdict({ ...passing(), interpolation: interp(0, 0, 0) }, 2).shown).toBe(false);
	});

	it('is not shown until the barrier is known, but says how the stitches came out', () => {
		const v = verdict({ ...passing(), interpolation: null }, 3);
		expect(v.shown).toBe(false);
		expect(v.text).toMatch(/^So far: at cut 3.*The barrier check waits for the interpolation\.$/);
	});

	it('adds the trained stitch beside its control once both are computed', () => {
		const r = passing();
		r.acc.trained = [0.94, 0.95, 0.953];
		r.acc.random = [0.905, 0.891, 0.834];
		expect(verdict(r, 2).text).toMatch(/trained stitch reaches 95\.0\s%, but the same training from an untrained bottom reaches 89\.1\s%/);
	});

	it('uses the thresholds the essay states in "How this could fail"', () => {
		const essay = readFileSync(join(process.cwd(), 'essays', 'stitching.md'), 'utf8');
		const section = essay.slice(essay.indexOf('## How this could fail'));
		const pts = (v: number) => `${Math.round(v * 100)} points`;
		expect(section).toContain(pts(VERDICT_MARGINS.control));
		expect(section).toContain(pts(VERDICT_MARGINS.permutation));
		expect(VERDICT_MARGINS.barrier).toBe(0.5);
		expect(section).toMatch(/halve/);
	});
});
