// Linear assignment (the Hungarian method with potentials, in the shortest-augmenting-path form of
// Jonker & Volgenant): given an n×n score matrix, the permutation p maximising Σ_i score[i][p[i]].
// O(n³) time, O(n) extra memory; n = 512 takes a fraction of a second in a browser.
//
// Written here rather than imported: the maintained npm candidate (`munkres`, MIT, typed, no deps)
// would fit, but this is ~40 lines, checked against brute force in tests/unit/stitching.test.ts, and
// it works in place on the Float32/Float64 arrays the rest of the code already has.

/**
 * `score` is row-major n×n (any array-like of numbers). Returns `perm` with perm[i] = the column
 * assigned to row i, maximising the total score. Throws on a non-finite score (a NaN would silently
 * corrupt the potentials).
 */
export function linearAssignment(score: ArrayLike<number>, n: number): Int32Array {
	if (!(Number.isInteger(n) && n >= 0) || score.length < n * n) throw new Error('linearAssignment: score must be n×n');
	for (let i = 0; i < n * n; i++) if (!Number.isFinite(score[i])) throw new Error('linearAssignment: non-finite score');
	// Minimise cost = −score. 1-based arrays; index 0 is the virtual start column.
	const u = new Float64Array(n + 1);
	const v = new Float64Array(n + 1);
	const p = new Int32Array(n + 1); // p[j] = row matched to column j (0 = none)
	const way = new Int32Array(n + 1);
	const minv = new Float64Array(n + 1);
	const used = new Uint8Array(n + 1);
	for (let i = 1; i <= n; i++) {
		p[0] = i;
		let j0 = 0;
		minv.fill(Infinity);
		used.fill(0);
		do {
			used[j0] = 1;
			const i0 = p[j0];
			const row = (i0 - 1) * n - 1;
			const ui0 = u[i0];
			let delta = Infinity;
			let j1 = 0;
			for (let j = 1; j <= n; j++) {
				if (used[j]) continue;
				const cur = -score[row + j] - ui0 - v[j];
				if (cur < minv[j]) {
					minv[j] = cur;
					way[j] = j0;
				}
				if (minv[j] < delta) {
					delta = minv[j];
					j1 = j;
				}
			}
			for (let j = 0; j <= n; j++) {
				if (used[j]) {
					u[p[j]] += delta;
					v[j] -= delta;
				} else minv[j] -= delta;
			}
			j0 = j1;
		} while (p[j0] !== 0);
		do {
			const j1 = way[j0];
			p[j0] = p[j1];
			j0 = j1;
		} while (j0 !== 0);
	}
	const perm = new Int32Array(n);
	for (let j = 1; j <= n; j++) perm[p[j] - 1] = j - 1;
	return perm;
}

/** Σ_i score[i][perm[i]] */
export function assignmentScore(score: ArrayLike<number>, n: number, perm: ArrayLike<number>): number {
	let s = 0;
	for (let i = 0; i < n; i++) s += score[i * n + perm[i]];
	return s;
}
