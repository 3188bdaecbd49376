// Page weight and first figure, per page of the built site (used by `npm run bench`; standalone:
// `npx tsx scripts/page-weight.ts http://127.0.0.1:4173`).
//
// For each page, in a fresh browser context (no HTTP cache, service worker blocked so it does not
// precache the whole site in the background):
//   - time from navigation start to the first widget figure on screen (the shipped results are in
//     the prerendered HTML, so this is the "usable" moment) and to first contentful paint;
//   - bytes downloaded before any interaction: until the first figure ("to read"), and until the
//     network is idle ("to go live": tfjs, the digit data and the checkpoints load by themselves);
//     both as a host that compresses nothing would send them and as a gzip-ing host would (text, JS,
//     CSS, JSON, SVG and wasm gzipped at level 6; the shipped .gz data and float checkpoints as is).
import { readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { widgetNames } from '../src/lib/widgets/registry';

export type PageWeight = {
	path: string;
	firstFigureMs: number | null;
	fcpMs: number | null;
	toRead: { requests: number; bytes: number; gzipBytes: number };
	toLive: { requests: number; bytes: number; gzipBytes: number };
	biggest: { url: string; bytes: number }[];
};

export function sitePaths(root = process.cwd()): string[] {
	const essays = readdirSync(`${root}/essays`)
		.filter((f) => f.endsWith('.md'))
		.map((f) => `/essays/${f.replace(/\.md$/, '')}`)
		.sort();
	return ['/', '/about', ...essays, ...widgetNames.map((w) => `/embed/${w}`)];
}

const COMPRESSIBLE = /text\/|javascript|json|svg|wasm|xml/;

// Injected before page scripts: when the first widget figure (an <svg> or <canvas> inside a
// <figure> in a [data-widget]) has a size on screen, and first contentful paint.
const PROBE = `(() => {
	window.__firstFigure = null;
	const check = () => {
		if (window.__firstFigure !== null) return;
		for (const el of document.querySelectorAll('[data-widget] figure svg, [data-widget] figure canvas')) {
			const r = el.getBoundingClientRect();
			if (r.width > 20 && r.height > 20) {
				requestAnimationFrame(() => (window.__firstFigure ??= performance.now()));
				return;
			}
		}
	};
	new MutationObserver(check).observe(document, { subtree: true, childList: true });
	document.addEventListener('DOMContentLoaded', check);
})();`;

export async function measurePage(browser: Browser, baseUrl: string, path: string): Promise<PageWeight> {
	const ctx = await browser.newContext({ serviceWorkers: 'block' });
	const page = await ctx.newPage();
	await page.addInitScript(PROBE);
	type Row = { url: string; t: number; bytes: number; gzipBytes: number };
	const rows: Row[] = [];
	const pending: Promise<void>[] = [];
	const t0 = Date.now();
	page.on('response', (res) => {
		pending.push(
			(async () => {
				const t = Date.now() - t0;
				const body = await res.body().catch(() => null);
				if (!body) return;
				const headers = res.headers();
				const url = res.url().replace(baseUrl, '');
				// Independent of this server's own compression: "plain" is what a host that compresses
				// nothing sends, "gzip" what a gzip-ing host sends. A file shipped compressed (*.gz) is its
				// file size either way (body() is decoded when the host adds Content-Encoding).
				const shippedGz = new URL(res.url()).pathname.endsWith('.gz');
				const file = shippedGz ? (await res.request().sizes()).responseBodySize || body.length : body.length;
				const gz = shippedGz ? file : COMPRESSIBLE.test(headers['content-type'] ?? '') ? Math.min(body.length, gzipSync(body, { level: 6 }).length) : body.length;
				rows.push({ url, t, bytes: file, gzipBytes: gz });
			})()
		);
	});
	await page.goto(`${baseUrl}${path}`, { waitUntil: 'load' });
	const hasWidget = (await page.locator('[data-widget]').count()) > 0;
	let firstFigureMs: number | null = null;
	if (hasWidget) {
		await page.waitForFunction(() => (window as unknown as { __firstFigure: number | null }).__firstFigure !== null, null, { timeout: 30_000 }).catch(() => {});
		firstFigureMs = await page.evaluate(() => (window as unknown as { __firstFigure: number | null }).__firstFigure);
	}
	const fcpMs = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null);
	const loadMs = await page.evaluate(() => performance.getEntriesByType('navigation')[0]?.duration ?? 0);
	// "to read": what had arrived when the first figure was on screen (pages without one: the load event)
	const readAt = firstFigureMs ?? loadMs;
	// going live: wait for the network to settle (the widget fetches tfjs, data and checkpoints)
	await page.waitForLoadState('networkidle', { timeout: 60_000 }).catch(() => {});
	await page.waitForTimeout(1500);
	await Promise.all(pending);
	await ctx.close();
	const sum = (rs: Row[]) => ({ requests: rs.length, bytes: rs.reduce((n, r) => n + r.bytes, 0), gzipBytes: rs.reduce((n, r) => n + r.gzipBytes, 0) });
	return {
		path,
		firstFigureMs: firstFigureMs === null ? null : Math.round(firstFigureMs),
		fcpMs: fcpMs === null ? null : Math.round(fcpMs),
		toRead: sum(rows.filter((r) => r.t <= readAt)),
		toLive: sum(rows),
		biggest: [...rows]
			.sort((a, b) => b.bytes - a.bytes)
			.slice(0, 4)
			.map((r) => ({ url: r.url, bytes: r.bytes }))
	};
}

const kB = (n: number) => `${(n / 1000).toFixed(0)} kB`;

export function weightTable(rows: PageWeight[]): string[] {
	const pad = (s: string, n: number) => s.padEnd(n);
	const padL = (s: string, n: number) => s.padStart(n);
	const lines = [
		'',
		'Pages (fresh cache): first figure / FCP after navigation start; bytes before interaction, plain host | gzip-ing host',
		`  ${pad('page', 24)} ${padL('figure', 8)} ${padL('FCP', 7)}   ${pad('to read (until the first figure)', 34)} ${'to go live (network idle)'}`
	];
	for (const r of rows)
		lines.push(
			`  ${pad(r.path, 24)} ${padL(r.firstFigureMs === null ? '–' : `${r.firstFigureMs} ms`, 8)} ${padL(r.fcpMs === null ? '–' : `${r.fcpMs} ms`, 7)}   ` +
				`${pad(`${r.toRead.requests} req ${kB(r.toRead.bytes)} | ${kB(r.toRead.gzipBytes)}`, 34)} ${r.toLive.requests} req ${kB(r.toLive.bytes)} | ${kB(r.toLive.gzipBytes)}`
		);
	return lines;
}

/** Every page of the site served at `url`, one after the other, in its own headless Chromium. */
export async function measureSite(url: string, log: (s: string) => void = () => {}): Promise<PageWeight[]> {
	const { chromium } = await import('playwright-core');
	const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--no-first-run'] });
	const rows: PageWeight[] = [];
	try {
		for (const p of sitePaths()) {
			log(`page weight: ${p}`);
			rows.push(await measurePage(browser, url, p));
		}
	} finally {
		await browser.close();
	}
	return rows;
}

// standalone
if (import.meta.url === `file://${process.argv[1]}`) {
	const rows = await measureSite((process.argv[2] ?? 'http://127.0.0.1:4173').replace(/\/$/, ''));
	console.log(weightTable(rows).join('\n'));
	for (const r of rows) console.log(`  ${r.path}: largest ${r.biggest.map((b) => `${b.url} ${kB(b.bytes)}`).join(', ')}`);
}
