// Number formatting shared by controls: short, stable strings for labels and aria-valuetext.

/** Up to `digits` significant digits, no trailing zeros, exponent only for tiny/huge values. */
export function formatNumber(v: number, digits = 3): string {
	if (!Number.isFinite(v)) return String(v);
	if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
	const a = Math.abs(v);
	if (a !== 0 && (a < 1e-3 || a >= 1e9)) {
		const [m, e] = v.toExponential(digits - 1).split('e');
		return `${String(Number(m))}e${Number(e)}`;
	}
	return String(Number(v.toPrecision(digits)));
}

/** Round to `digits` significant digits (keeps log-slider values and URLs short). */
export function roundSig(v: number, digits = 3): number {
	if (v === 0 || !Number.isFinite(v)) return v;
	return Number(v.toPrecision(digits));
}
