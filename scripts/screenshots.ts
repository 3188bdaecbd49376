// Full-page screenshots of the main routes at desktop and phone width, light and dark.
//
//   npx tsx scripts/screenshots.ts [baseURL] [extra routes…]
//
// baseURL defaults to http://127.0.0.1:4173; if nothing answers there, `npm run preview` is started
// (needs `npm run build` first) and stopped afterwards. Output: artifacts/screenshots/<route>-<width>-<theme>.png
import { chromium } from '@playwright/test';
import type { Browser } from '@playwright/test';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE_URL, chromiumLaunchOptions } from '../playwright.config';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT_DIR = join(ROOT, 'artifacts', 'screenshots');
const DEFAULT_ROUTES = ['/', '/about', '/essays/modularity', '/embed/layer-swap'];
const WIDTHS = [1280, 375];
const THEMES = ['light', 'dark'] as const;
const NETWORK_IDLE_MS = 15_000;
const READY_APPEAR_MS = 3_000; // see the data-ready convention in shoot()
const READY_MS = 60_000;

function parseArgs(argv: string[]): { baseURL: string; routes: string[]; explicitBase: boolean } {
	let baseURL = BASE_URL;
	let explicitBase = false;
	const extra: string[] = [];
	for (const arg of argv) {
		if (/^https?:\/\//.test(arg)) {
			baseURL = arg.replace(/\/+$/, '');
			explicitBase = true;
		} else if (arg === '-h' || arg === '--help') {
			console.log('usage: npx tsx scripts/screenshots.ts [baseURL] [extra routes…]');
			process.exit(0);
		} else {
			extra.push(arg.startsWith('/') ? arg : `/${arg}`);
		}
	}
	const routes = [...new Set([...DEFAULT_ROUTES, ...extra])];
	return { baseURL, routes, explicitBase };
}

function routeName(route: string): string {
	const name = route
		.replace(/[?#].*$/, '')
		.replace(/^\/+|\/+$/g, '')
		.replace(/[^a-zA-Z0-9._-]+/g, '-');
	return name || 'home';
}

async function reachable(url: string): Promise<boolean> {
	try {
		const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
		return res.status < 500;
	} catch {
		return false;
	}
}

async function startPreview(baseURL: string): Promise<ChildProcess> {
	console.log(`screenshots: nothing answers at ${baseURL}; starting \`npm run preview\`…`);
	const child = spawn('npm', ['run', 'preview'], { cwd: ROOT, stdio: 'ignore', detached: true });
	const deadline = Date.now() + 60_000;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error('`npm run preview` exited — did you run `npm run build`?');
		if (await reachable(baseURL)) return child;
		await new Promise((r) => setTimeout(r, 500));
	}
	stopPreview(child);
	throw new Error(`\`npm run preview\` did not answer at ${baseURL} within 60 s`);
}

function stopPreview(child: ChildProcess | undefined): void {
	if (!child?.pid || child.exitCode !== null) return;
	try {
		process.kill(-child.pid, 'SIGTERM'); // the process group we created (npm → sh → vite)
	} catch {
		/* already gone */
	}
}

async function shoot(
	browser: Browser,
	baseURL: string,
	route: string,
	width: number,
	theme: 'light' | 'dark',
	waitReady: boolean
) {
	const context = await browser.newContext({
		viewport: { width, height: width < 600 ? 800 : 900 },
		colorScheme: theme,
		reducedMotion: 'reduce'
	});
	const page = await context.newPage();
	const problems: string[] = [];
	page.on('console', (m) => {
		if (m.type() === 'error') problems.push(`console.error: ${m.text()}`);
	});
	page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
	try {
		await page.emulateMedia({ colorScheme: theme });
		const response = await page.goto(baseURL + route, { waitUntil: 'load', timeout: 60_000 });
		const status = response?.status() ?? 0;
		await page.waitForLoadState('networkidle', { timeout: NETWORK_IDLE_MS }).catch(() => {
			problems.push(`network not idle after ${NETWORK_IDLE_MS / 1000} s (shot anyway)`);
		});
		// Readiness convention: a page that does work after load (loading a model, training) renders
		// data-ready="false" on some element (e.g. <main>) and flips it to "true" (or any other value)
		// when it is worth a picture. An element that only gains `data-ready` when ready works too if
		// it appears within READY_APPEAR_MS. Pages without it are shot after network idle.
		let usesReady = false;
		if (waitReady) {
			usesReady = await page
				.waitForSelector('[data-ready]', { state: 'attached', timeout: READY_APPEAR_MS })
				.then(() => true)
				.catch(() => false);
			if (usesReady) {
				await page
					.waitForFunction(
						() => Array.from(document.querySelectorAll('[data-ready]')).every((el) => el.getAttribute('data-ready') !== 'false'),
						undefined,
						{ timeout: READY_MS }
					)
					.catch(() => problems.push(`[data-ready] still "false" after ${READY_MS / 1000} s (shot anyway)`));
			}
		}
		await page.evaluate(() => document.fonts.ready.then(() => undefined));
		const file = join(OUT_DIR, `${routeName(route)}-${width}-${theme}.png`);
		await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
		return { file, status, problems, usesReady };
	} finally {
		await context.close();
	}
}

async function main(): Promise<void> {
	const { baseURL, routes, explicitBase } = parseArgs(process.argv.slice(2));
	let preview: ChildProcess | undefined;
	if (!(await reachable(baseURL))) {
		if (explicitBase) throw new Error(`nothing answers at ${baseURL}`);
		preview = await startPreview(baseURL);
	}
	mkdirSync(OUT_DIR, { recursive: true });
	const browser = await chromium.launch(chromiumLaunchOptions);
	const written: string[] = [];
	let failures = 0;
	try {
		for (const route of routes) {
			// Wait for [data-ready] only until we learn the route doesn't use it (no 16 × timeout).
			let waitReady = true;
			for (const width of WIDTHS) {
				for (const theme of THEMES) {
					const label = `${route} @${width} ${theme}`;
					try {
						const { file, status, problems, usesReady } = await shoot(browser, baseURL, route, width, theme, waitReady);
						waitReady &&= usesReady;
						written.push(file);
						const note = status >= 400 ? `  [HTTP ${status}]` : '';
						console.log(`  ${relative(ROOT, file)}${note}`);
						for (const p of problems) console.log(`      ! ${p}`);
						if (status >= 400) failures++;
					} catch (err) {
						failures++;
						console.error(`  ✗ ${label}: ${(err as Error).message.split('\n')[0]}`);
					}
				}
			}
		}
	} finally {
		await browser.close();
		stopPreview(preview);
	}
	console.log(`\nscreenshots: ${written.length} written to ${relative(ROOT, OUT_DIR)}/${failures ? `, ${failures} failed or non-2xx` : ''}`);
	if (failures) process.exitCode = 1;
}

main().catch((err) => {
	console.error(`screenshots: ${(err as Error).message}`);
	process.exit(1);
});
