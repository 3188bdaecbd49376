// Theme helpers for plots that need real colour values (canvas pixels, computed scales, contrast).
// SVG parts use CSS custom properties directly; this is only for the few places that must resolve them.

let version = $state(0);
let started = false;

/**
 * A number that changes whenever the theme may have changed (data-theme / class / style on <html>,
 * or the system colour scheme). Read it inside $derived/$effect to re-resolve colours.
 */
export function themeVersion(): number {
	if (!started && typeof window !== 'undefined') {
		started = true;
		const bump = () => {
			version += 1;
		};
		new MutationObserver(bump).observe(document.documentElement, {
			attributes: true,
			attributeFilter: ['data-theme', 'class', 'style']
		});
		window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', bump);
	}
	return version;
}

/** Whether the user asked for reduced motion (false on the server). */
export function prefersReducedMotion(): boolean {
	return typeof window !== 'undefined' && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
}

let probe: CanvasRenderingContext2D | null = null;

/** Resolve any CSS colour string (hex, rgb(), hsl(), oklch(), named…) to sRGB bytes; null if invalid. */
export function cssColorToRgb(color: string): [number, number, number] | null {
	if (typeof document === 'undefined' || !color) return null;
	if (!probe) {
		const c = document.createElement('canvas');
		c.width = c.height = 1;
		probe = c.getContext('2d', { willReadFrequently: true });
		if (!probe) return null;
	}
	const sentinel = '#010203';
	probe.fillStyle = sentinel;
	probe.fillStyle = color;
	if (String(probe.fillStyle) === sentinel && color.trim().toLowerCase() !== sentinel) return null;
	probe.clearRect(0, 0, 1, 1);
	probe.fillRect(0, 0, 1, 1);
	const d = probe.getImageData(0, 0, 1, 1).data;
	return [d[0], d[1], d[2]];
}

/** Value of a CSS custom property as seen from `el` (already var()-substituted), or '' if unset. */
export function cssVar(el: Element, name: string): string {
	return getComputedStyle(el).getPropertyValue(name).trim();
}

/** WCAG relative luminance of sRGB bytes. */
export function luminance([r, g, b]: [number, number, number]): number {
	const f = (c: number) => {
		const s = c / 255;
		return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
	};
	return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
}

/** Black-ish or white text, whichever contrasts more with the given background. */
export function textOn(bg: [number, number, number]): string {
	const L = luminance(bg);
	// contrast with #111 (L≈0.0056) vs #fff (L=1)
	return (L + 0.05) / (0.0056 + 0.05) >= 1.05 / (L + 0.05) ? '#111' : '#fff';
}
