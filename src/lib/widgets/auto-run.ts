// What a link may start without a click. Every widget's schema.ts measures the work its settings ask
// for (in its own unit: multiply–adds, or training steps of one net), next to the params; a view
// starts that work on load only if it is at most AUTO_RUN_FACTOR times the work of the widget's own
// shipped settings. Anything bigger shows the widget's run button instead, with a note saying why.
// The page's defaults never ask for more than the shipped work, so plain pages behave as before.
// Free of tfjs: the views import it.

/**
 * On a fast backend (WebGPU on a real GPU, WebGL, wasm) a link may ask for up to 4× the shipped work
 * (minutes at most); on a slow one (cpu, software WebGPU, ~10× slower) a quarter of it.
 */
export const AUTO_RUN_FACTOR = { fast: 4, slow: 0.25 } as const;

export type AutoRun = { run: boolean; ratio: number };

/** Should a link's `work` start on load? `ratio` is how many times the shipped work it is. */
export function autoRun(work: number, shippedWork: number, slow: boolean): AutoRun {
	const ratio = work / shippedWork;
	return { run: ratio <= (slow ? AUTO_RUN_FACTOR.slow : AUTO_RUN_FACTOR.fast), ratio };
}

/** "about 12× the work of the shipped …" in words, for the held-back status line. */
export function workRatioText(ratio: number): string {
	return ratio >= 10 ? `about ${Math.round(ratio)}×` : ratio >= 1 ? `about ${ratio.toFixed(1)}×` : `${Math.round(ratio * 100)} % of`;
}
