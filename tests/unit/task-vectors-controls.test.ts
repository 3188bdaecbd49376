// The task-vector essay's controls and its paired test: McNemar against known values (scipy's
// binomtest and chi2.sf), the rescaled and layer-shuffled control directions, per-layer statistics,
// and the verdict's logic on hand-made measurements (each control can sink the claim).
import { describe, expect, it } from 'vitest';
import { mcnemarChiSquare, mcnemarExact, pairedCompare } from '../../src/lib/ml/paired-test';
import { TV_NET, cosine, layerStats, norm, rescaledLike, shuffledLike } from '../../src/lib/ml/task-vectors';
import { paramCount, paramLayout } from '../../src/lib/ml/net-layout';
import { CONTROLS, verdict, type DomainAcc, type VerdictData } from '../../src/lib/ml/experiments/task-vectors-analysis';

describe('McNemar', () => {
	// reference: scipy.stats.binomtest(min(b, c), b + c, 0.5).pvalue and chi2.sf((|b − c| − 1)² / (b + c), 1)
	const known: [number, number, number, number][] = [
		[10, 2, 0.03857421875, 0.04330814281079206],
		[0, 5, 0.0625, 0.07363827012030258],
		[30, 12, 0.007915897334896727, 0.008711912962379598],
		[150, 110, 0.01541558283317145, 0.015577051213613288],
		// equal counts: the statistic is clamped at 0 rather than giving (0 − 1)², so p = 1 (scipy's raw formula: 0.789)
		[7, 7, 1, 1]
	];
	it.each(known)('b = %i, c = %i', (b, c, exact, chi) => {
		expect(mcnemarExact(b, c)).toBeCloseTo(exact, 10);
		expect(mcnemarExact(c, b)).toBeCloseTo(exact, 10);
		expect(mcnemarChiSquare(b, c).p).toBeCloseTo(chi, 6);
	});
	it('no disagreements is no evidence; large samples do not underflow', () => {
		expect(mcnemarExact(0, 0)).toBe(1);
		expect(mcnemarChiSquare(0, 0).p).toBe(1);
		const p = mcnemarExact(2100, 1900);
		expect(p).toBeGreaterThan(0);
		expect(p).toBeLessThan(0.01);
		// the exact test and the chi-square agree for large counts
		expect(Math.abs(p - mcnemarChiSquare(2100, 1900).p) / p).toBeLessThan(0.1);
	});
	it('counts discordant items over the chosen rows only', () => {
		const a = [1, 1, 0, 0, 1, 1];
		const b = [1, 0, 1, 0, 0, 1];
		expect(pairedCompare(a, b, [0, 1, 2, 3])).toMatchObject({ onlyFirst: 1, onlySecond: 1, n: 4, p: 1 });
		expect(pairedCompare(a, b, [1, 4])).toMatchObject({ onlyFirst: 2, onlySecond: 0, n: 2, p: 0.5 });
	});
});

describe('control directions', () => {
	const n = paramCount(TV_NET);
	const tau = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * (i < 784 * 256 ? 0.01 : 0.1));
	it('the rescaled generic vector has τA’s norm and its own direction', () => {
		const g = Float64Array.from({ length: n }, (_, i) => Math.cos(i * 0.11));
		const r = rescaledLike(g, tau);
		expect(norm(r)).toBeCloseTo(norm(tau), 10);
		expect(cosine(r, g)).toBeCloseTo(1, 12);
	});
	it('shuffled τA keeps every layer’s entries (so its norms) but not their places; seeded', () => {
		const s = shuffledLike(tau, TV_NET, 5);
		expect(shuffledLike(tau, TV_NET, 5)).toEqual(s);
		expect(shuffledLike(tau, TV_NET, 6)).not.toEqual(s);
		for (const slot of paramLayout(TV_NET)) {
			const a = tau.slice(slot.offset, slot.offset + slot.size).sort();
			const b = s.slice(slot.offset, slot.offset + slot.size).sort();
			expect(b).toEqual(a);
		}
		expect(norm(s)).toBeCloseTo(norm(tau), 10);
		expect(Math.abs(cosine(s, tau))).toBeLessThan(0.1);
	});
	it('per-layer cosines and norms add up to the whole', () => {
		const s = shuffledLike(tau, TV_NET, 5);
		const ls = layerStats(tau, tau, TV_NET);
		expect(ls.map((l) => l.layer)).toEqual(['embed', 'block0', 'head']);
		for (const l of ls) expect(l.cos).toBeCloseTo(1, 12);
		expect(Math.hypot(...ls.map((l) => l.normA))).toBeCloseTo(norm(tau), 10);
		expect(layerStats(tau, s, TV_NET).every((l) => Math.abs(l.cos) < 0.2)).toBe(true);
	});
});

describe('verdict', () => {
	const acc = (A: number, B: number, up = 0.86): DomainAcc => ({ upright: up, rot90: A, inverted: B, flipped: 0.85 });
	const paired = (onlyFirst: number, onlySecond: number) => ({ onlyFirst, onlySecond, n: 4000, p: mcnemarExact(onlyFirst, onlySecond) });
	const data = (over: Partial<VerdictData> = {}): VerdictData => ({
		lambdas: { merge: 0.5, random: 1, shuffled: 0.25, generic: 0.75, neg: -1 },
		acc: { base: acc(0.86, 0.83), merge: acc(0.91, 0.86, 0.84), random: acc(0.86, 0.83), shuffled: acc(0.86, 0.83), generic: acc(0.87, 0.84, 0.87), neg: acc(0.67, 0.8, 0.81) },
		vs: { random: paired(300, 60), shuffled: paired(300, 60), generic: paired(250, 150) },
		digits: 2000,
		...over
	});
	it('shown when the merge beats every control on the paired test and negation is selective', () => {
		const v = verdict(data(), 'rot90', 'inverted');
		expect(v.shown).toBe(true);
		expect(v.text).toMatch(/^Shown/);
		expect(v.addGain).toBeCloseTo(0.04, 9);
		expect(v.genericGain).toBeCloseTo(0.01, 9);
		expect(v.pGeneric).toBeLessThan(0.001);
	});
	it('generic training of the same length sinks the claim when the merge does not beat it', () => {
		const v = verdict(data({ vs: { random: paired(300, 60), shuffled: paired(300, 60), generic: paired(180, 170) } }), 'rot90', 'inverted');
		expect(v.shown).toBe(false);
		expect(v.text).toMatch(/^Not shown/);
		expect(v.text).toContain('generic training');
		expect(v.text).toContain('not distinguishable');
		const worse = verdict(data({ vs: { random: paired(300, 60), shuffled: paired(300, 60), generic: paired(150, 260) } }), 'rot90', 'inverted');
		expect(worse.text).toContain('does worse than');
	});
	it('each control is checked in order, the weakest first', () => {
		expect(CONTROLS).toEqual(['random', 'shuffled', 'generic']);
		const r = verdict(data({ vs: { random: paired(100, 95), shuffled: paired(100, 95), generic: paired(100, 95) } }), 'rot90', 'inverted');
		expect(r.text).toContain('random direction');
		const s = verdict(data({ vs: { random: paired(300, 60), shuffled: paired(100, 99), generic: paired(100, 95) } }), 'rot90', 'inverted');
		expect(s.text).toContain('shuffled');
	});
	it('a merge that beats the controls but loses upright digits or cannot forget is not shown', () => {
		const d = data();
		expect(verdict({ ...d, acc: { ...d.acc, merge: acc(0.91, 0.86, 0.7) } }, 'rot90', 'inverted').text).toMatch(/upright digits/);
		const half = verdict({ ...d, acc: { ...d.acc, neg: acc(0.84, 0.8, 0.84) } }, 'rot90', 'inverted');
		expect(half.shown).toBe(false);
		expect(half.text).toMatch(/^Half shown/);
	});
});

describe('the essay quotes only numbers the scripts shipped', async () => {
	const { readFileSync } = await import('node:fs');
	const { longBase, shipped } = await import('../../src/lib/widgets/task-vectors/shipped');
	const essay = readFileSync('essays/task-vectors.md', 'utf8');
	const tags = [...essay.matchAll(/<Stat ([^>]*)\/>/g)].map((m) => m[1]);
	it('finds the tags', () => expect(tags.length).toBeGreaterThan(40));
	it.each(tags)('%s', (attrs) => {
		const key = /key="([^"]+)"/.exec(attrs)![1];
		const base = (/base="([^"]+)"/.exec(attrs)?.[1] ?? 'generalist') as 'generalist' | 'narrow';
		const long = /\blong\b/.test(attrs);
		const perSeed = /\bshippedRun\b/.test(attrs) || /format="p"/.test(attrs);
		const v = perSeed ? (long ? longBase.headlines[0][key] : shipped[base].headline[key]) : (long ? longBase.summary[key] : shipped.summary[base][key])?.mean;
		expect(Number.isFinite(v), `${long ? 'base-2000' : base}.${key}`).toBe(true);
	});
});
