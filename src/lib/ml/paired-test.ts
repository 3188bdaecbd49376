// McNemar's test for two classifiers scored on the same items (paired data, so the noise allowance comes
// from the items on which they disagree, not from each accuracy's own sampling error). Plain TS, no tfjs.
//   onlyFirst  = items the first model gets right and the second wrong
//   onlySecond = the reverse
// Under the null (equal accuracy) each disagreement is a fair coin: onlyFirst ~ Binomial(n, 1/2), n = sum.

/** ln(k!) for k = 0..n (exact sums of logs; n here is at most a few tens of thousands). */
function logFactorials(n: number): Float64Array {
	const out = new Float64Array(n + 1);
	for (let k = 2; k <= n; k++) out[k] = out[k - 1] + Math.log(k);
	return out;
}

/** Two-sided exact McNemar p-value: 2·P(X ≤ min(b, c)) for X ~ Binomial(b + c, 1/2), capped at 1. */
export function mcnemarExact(onlyFirst: number, onlySecond: number): number {
	const n = onlyFirst + onlySecond;
	if (n === 0) return 1;
	const k = Math.min(onlyFirst, onlySecond);
	const lf = logFactorials(n);
	const logHalfN = -n * Math.LN2;
	// log-sum-exp over the lower tail, so large n does not underflow term by term
	const terms: number[] = [];
	for (let i = 0; i <= k; i++) terms.push(lf[n] - lf[i] - lf[n - i] + logHalfN);
	const m = Math.max(...terms);
	const tail = Math.exp(m) * terms.reduce((s, t) => s + Math.exp(t - m), 0);
	return Math.min(1, 2 * tail);
}

/** Complementary error function (Numerical Recipes' erfcc, |relative error| < 1.2e-7). */
function erfc(x: number): number {
	const z = Math.abs(x);
	const t = 1 / (1 + 0.5 * z);
	const r =
		t *
		Math.exp(
			-z * z -
				1.26551223 +
				t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
		);
	return x >= 0 ? r : 2 - r;
}

/**
 * McNemar's chi-square with continuity correction, (|b − c| − 1)² / (b + c), and its p-value (1 df). The
 * corrected difference is clamped at 0, so equal counts give χ² = 0 and p = 1.
 */
export function mcnemarChiSquare(onlyFirst: number, onlySecond: number): { chi2: number; p: number } {
	const n = onlyFirst + onlySecond;
	if (n === 0) return { chi2: 0, p: 1 };
	const d = Math.max(0, Math.abs(onlyFirst - onlySecond) - 1);
	const chi2 = (d * d) / n;
	return { chi2, p: Math.min(1, erfc(Math.sqrt(chi2 / 2))) };
}

export type Paired = { onlyFirst: number; onlySecond: number; n: number; p: number };

/** Discordant counts of two per-item correctness vectors (1 = right) over `rows`, and the exact p-value. */
export function pairedCompare(first: ArrayLike<number>, second: ArrayLike<number>, rows: readonly number[]): Paired {
	let onlyFirst = 0;
	let onlySecond = 0;
	for (const i of rows) {
		if (first[i] && !second[i]) onlyFirst++;
		else if (!first[i] && second[i]) onlySecond++;
	}
	return { onlyFirst, onlySecond, n: rows.length, p: mcnemarExact(onlyFirst, onlySecond) };
}
