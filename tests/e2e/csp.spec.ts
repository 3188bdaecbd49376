// The pages' Content-Security-Policy (svelte.config.js kit.csp: a <meta> with hashes) blocks nothing
// the site itself does: the theme script, SvelteKit's start-up script, the ML worker, tfjs's wasm,
// the data and checkpoint downloads, KaTeX fonts, figures. Violations are caught both as the
// document's securitypolicyviolation events and as the console reports (which also come from workers).
import type { Page } from '@playwright/test';
import { test, expect } from './helpers';
import { essaySlugs } from './pages';

async function watchCsp(page: Page): Promise<() => Promise<string[]>> {
	await page.addInitScript(() => {
		const seen: string[] = ((window as unknown as { __csp: string[] }).__csp = []);
		document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.effectiveDirective} blocked ${e.blockedURI}`));
	});
	const logged: string[] = [];
	page.on('console', (m) => {
		if (/Content.Security.Policy|Refused to/i.test(m.text())) logged.push(m.text());
	});
	return async () => [...logged, ...(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp))];
}

/** Every widget on the page has its worker, backend and data (phase ready), then its first results. */
async function widgetsLive(page: Page, timeout = 120_000) {
	const widgets = page.locator('[data-widget]');
	for (let i = 0; i < (await widgets.count()); i++) await expect(widgets.nth(i)).toHaveAttribute('data-phase', 'ready', { timeout });
}

test('every page carries the CSP, with the theme script allowed by its hash', async ({ page }) => {
	const violations = await watchCsp(page);
	await page.goto('/about');
	const meta = page.locator('meta[http-equiv="content-security-policy"]');
	await expect(meta).toHaveAttribute('content', /script-src 'self'[^;]* 'sha256-/, { timeout: 5000 });
	await expect(meta).toHaveAttribute('content', /worker-src 'self' blob: data:/);
	// the theme script ran before first paint: a saved choice shows on reload
	await page.evaluate(() => localStorage.setItem('nrs-theme', 'dark'));
	await page.reload();
	await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
	expect(await violations()).toEqual([]);
});

for (const path of ['/', '/about', ...essaySlugs.map((s) => `/essays/${s}`), '/embed/layer-swap']) {
	test(`nothing is blocked on ${path}`, async ({ page }) => {
		test.setTimeout(180_000);
		const violations = await watchCsp(page);
		await page.goto(`${path}?backend=wasm`);
		await expect(page.locator('h1, [data-widget]').first()).toBeVisible();
		await widgetsLive(page);
		// every KaTeX font and image the page asked for arrived
		await page.evaluate(() => document.fonts.ready);
		expect(await violations()).toEqual([]);
	});
}

// A CSP can break one backend and not another (wasm compiles code, WebGL and WebGPU load shaders).
for (const backend of ['wasm', 'webgl', 'webgpu', 'cpu'] as const) {
	test(`the ${backend} backend runs under the CSP`, async ({ page }) => {
		test.setTimeout(180_000);
		const violations = await watchCsp(page);
		await page.goto(`/essays/modularity?backend=${backend}`);
		const widget = page.locator('[data-widget="layer-swap"]');
		await expect(widget).toHaveAttribute('data-phase', 'ready', { timeout: 150_000 });
		await expect(widget).toHaveAttribute('data-backend', backend);
		await expect(page.getByTestId('acc-residual')).toHaveAttribute('data-live', 'true', { timeout: 150_000 });
		expect(await violations()).toEqual([]);
	});
}
