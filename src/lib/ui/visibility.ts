// Whether a widget can be seen: on screen (IntersectionObserver) and in a visible tab
// (visibilitychange). Widgets use it to pause training the reader cannot watch.

/** Calls `onChange(visible)` whenever the answer may have changed; returns a function that stops watching. */
export function watchVisibility(el: Element | undefined, onChange: (visible: boolean) => void): () => void {
	let onScreen = true;
	const report = () => onChange(onScreen && document.visibilityState !== 'hidden');
	const io = new IntersectionObserver((entries) => {
		onScreen = entries.some((en) => en.isIntersecting);
		report();
	});
	if (el) io.observe(el);
	document.addEventListener('visibilitychange', report);
	return () => {
		io.disconnect();
		document.removeEventListener('visibilitychange', report);
	};
}
