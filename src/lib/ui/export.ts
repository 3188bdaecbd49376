// Saving what a widget shows: its figures as SVG or PNG and its current results as JSON.
// Figures are found in the widget's DOM (every <figure> with an <svg> or <canvas>), so a new plot
// or widget needs no export code of its own; a widget only supplies its numbers (WidgetResults).
import { version as buildVersion } from '$app/environment';
// named imports: Vite bundles only these two fields of package.json
import { name as siteName, version as siteVersion } from '../../../package.json';

/** What a widget reports about its current state; ExportMenu adds the envelope (time, site, page). */
export type WidgetResults = {
	params: Record<string, unknown>;
	seed: number | Record<string, number> | null;
	/** tfjs backend the numbers were computed on, or null when they are the shipped ones */
	backend: string | null;
	/** where the numbers come from: 'shipped', 'live' (recomputed here), 'trained' (the reader's nets) */
	source: string;
	/** the numbers on screen, keyed by what they are */
	numbers: Record<string, unknown>;
};

export type ResultsFile = WidgetResults & {
	widget: string;
	exportedAt: string;
	page: string;
	site: { name: string; version: string; build: string };
};

export function resultsFile(widget: string, r: WidgetResults, page: string, now = new Date()): ResultsFile {
	return {
		widget,
		exportedAt: now.toISOString(),
		page,
		site: { name: siteName, version: siteVersion, build: buildVersion },
		...r
	};
}

export type ExportableFigure = { el: HTMLElement; name: string; svg: SVGSVGElement | null };

/** The figures of a widget that can be saved: <figure>s holding a plot (an <svg> or a <canvas>). */
export function findFigures(root: Element): ExportableFigure[] {
	const out: ExportableFigure[] = [];
	root.querySelectorAll<HTMLElement>('figure').forEach((el, i) => {
		const svg = mainSvg(el);
		if (!svg && !el.querySelector('canvas')) return;
		const named = el.getAttribute('aria-label') ?? el.querySelector('[role="img"][aria-label]')?.getAttribute('aria-label') ?? svg?.getAttribute('aria-label');
		out.push({ el, name: named || `figure ${i + 1}`, svg });
	});
	return out;
}

/** The plot's own <svg>: the largest one that is not an icon inside a button or a legend swatch. */
function mainSvg(fig: Element): SVGSVGElement | null {
	let best: SVGSVGElement | null = null;
	let bestArea = 0;
	fig.querySelectorAll<SVGSVGElement>('svg').forEach((s) => {
		if (s.parentElement?.closest('svg, button')) return;
		const r = s.getBoundingClientRect();
		const area = r.width * r.height;
		if (area > bestArea) {
			best = s;
			bestArea = area;
		}
	});
	return bestArea >= 2500 ? best : null;
}

// Properties that decide how SVG looks. Computed values resolve CSS variables (theme colours) and
// class rules, so the saved file looks the same opened on its own.
const SVG_STYLE_PROPS = [
	'fill',
	'fill-opacity',
	'stroke',
	'stroke-width',
	'stroke-opacity',
	'stroke-dasharray',
	'stroke-linecap',
	'stroke-linejoin',
	'opacity',
	'font-family',
	'font-size',
	'font-weight',
	'font-style',
	'text-anchor',
	'dominant-baseline',
	'paint-order',
	'visibility',
	'display'
];

/** A standalone SVG document of the figure's plot, with computed styles inlined and the theme background. */
export function svgMarkup(svg: SVGSVGElement, background = true): { markup: string; width: number; height: number } {
	const { width, height } = svg.getBoundingClientRect();
	const clone = svg.cloneNode(true) as SVGSVGElement;
	const src = [svg, ...svg.querySelectorAll<SVGElement>('*')];
	const dst = [clone, ...clone.querySelectorAll<SVGElement>('*')];
	src.forEach((el, i) => {
		const cs = getComputedStyle(el);
		const style = SVG_STYLE_PROPS.map((p) => `${p}:${cs.getPropertyValue(p)}`).join(';');
		dst[i].setAttribute('style', style);
		dst[i].removeAttribute('class');
		dst[i].removeAttribute('tabindex');
	});
	clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
	clone.setAttribute('width', String(Math.round(width)));
	clone.setAttribute('height', String(Math.round(height)));
	if (!clone.getAttribute('viewBox')) clone.setAttribute('viewBox', `0 0 ${Math.round(width)} ${Math.round(height)}`);
	if (background) {
		const bg = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
		bg.setAttribute('width', '100%');
		bg.setAttribute('height', '100%');
		bg.setAttribute('fill', pageBackground());
		clone.insertBefore(bg, clone.firstChild);
	}
	return { markup: '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(clone), width, height };
}

/** The theme's background (--bg), not body's: embeds make body transparent. */
function pageBackground(): string {
	return getComputedStyle(document.documentElement).getPropertyValue('--bg').trim() || '#ffffff';
}

function loadImage(url: string): Promise<HTMLImageElement> {
	return new Promise((resolve, reject) => {
		const img = new Image();
		img.onload = () => resolve(img);
		img.onerror = () => reject(new Error('the figure could not be rasterised'));
		img.src = url;
	});
}

/**
 * The figure as a PNG at `scale`× its on-screen size: its plot <svg> (styles inlined) and every
 * <canvas> drawn where they sit on screen, over the theme background.
 */
export async function figurePng(fig: ExportableFigure, scale = 2): Promise<Blob> {
	const box = (fig.svg ?? fig.el).getBoundingClientRect();
	const canvases = [...fig.el.querySelectorAll('canvas')];
	const w = Math.max(1, Math.round(box.width));
	const h = Math.max(1, Math.round(box.height));
	const out = document.createElement('canvas');
	out.width = w * scale;
	out.height = h * scale;
	const ctx = out.getContext('2d');
	if (!ctx) throw new Error('no 2D canvas');
	ctx.scale(scale, scale);
	ctx.fillStyle = pageBackground();
	ctx.fillRect(0, 0, w, h);
	// pixel images (digits, correlation maps) stay crisp when scaled up
	ctx.imageSmoothingEnabled = false;
	for (const c of canvases) {
		const r = c.getBoundingClientRect();
		if (r.width && r.height) ctx.drawImage(c, r.left - box.left, r.top - box.top, r.width, r.height);
	}
	if (fig.svg) {
		const { markup } = svgMarkup(fig.svg, false);
		const url = URL.createObjectURL(new Blob([markup], { type: 'image/svg+xml' }));
		try {
			ctx.imageSmoothingEnabled = true;
			ctx.drawImage(await loadImage(url), 0, 0, w, h);
		} finally {
			URL.revokeObjectURL(url);
		}
	}
	return new Promise((resolve, reject) => out.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'));
}

/** Save a blob under a file name (an <a download> click: works without any permission). */
export function download(blob: Blob, filename: string): void {
	const url = URL.createObjectURL(blob);
	const a = document.createElement('a');
	a.href = url;
	a.download = filename;
	a.rel = 'noopener';
	document.body.append(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A file-name-safe slug: "Swap matrix, residual net" → "swap-matrix-residual-net". */
export function slug(s: string): string {
	return (
		s
			.toLowerCase()
			.normalize('NFKD')
			.replace(/[^a-z0-9]+/g, '-')
			.replace(/^-+|-+$/g, '')
			.slice(0, 60) || 'figure'
	);
}
