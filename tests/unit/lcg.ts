// Numerical Recipes LCG for the fuzz tests: tiny and deterministic; quality is irrelevant for fuzzing.
export function lcg(seed: number) {
	let s = seed >>> 0;
	const next = () => {
		s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
		return s / 2 ** 32;
	};
	const int = (n: number) => Math.floor(next() * n);
	const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
	return { next, int, pick };
}
