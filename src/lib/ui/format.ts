// Number formatting shared by controls: short, stable strings for labels and aria-valuetext.
export { formatNumber, roundSig } from '$lib/format';
