// How far live numbers are from the shipped ones computed from the same checkpoints (pure; tested).

/** Largest absolute difference between two equally long lists of accuracies (fractions). */
export function maxDifference(live: readonly number[], shipped: readonly number[]): number {
	if (live.length !== shipped.length) return Infinity;
	let m = 0;
	for (let i = 0; i < live.length; i++) m = Math.max(m, Math.abs(live[i] - shipped[i]));
	return m;
}

/** One sentence for the provenance line. */
export function describeMatch(live: readonly number[], shipped: readonly number[]): string {
	const d = maxDifference(live, shipped);
	if (d === 0) return 'Identical to the shipped numbers.';
	if (!Number.isFinite(d)) return 'Not comparable with the shipped numbers (different shapes).';
	return `Largest difference from the shipped numbers: ${(d * 100).toFixed(2)} points (floating-point differences between backends).`;
}
