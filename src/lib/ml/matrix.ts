// Small dense-matrix helpers on plain arrays, free of tfjs (the page uses them on shipped results).

/** Permute the columns of a row-major n×n matrix: out[i][j] = m[i][perm[j]]. */
export function permuteColumns(m: ArrayLike<number>, n: number, perm: ArrayLike<number>): Float32Array {
	const out = new Float32Array(n * n);
	for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = m[i * n + perm[j]];
	return out;
}
