import { test, expect } from './helpers';
import { essaySlugs } from './pages';

// After one visit, an essay reloads with no network: its text, its shipped figures, and (the data,
// tfjs and checkpoints being cached too) its live widget, with no console errors.
test.use({ serviceWorkers: 'allow' });

const slug = essaySlugs.includes('modularity') ? 'modularity' : essaySlugs[0];

test(`/essays/${slug} works offline after a first visit`, async ({ page, context }) => {
	test.setTimeout(180_000);
	await page.goto(`/essays/${slug}?backend=wasm`);
	await expect(page.locator('h1').first()).toBeVisible();
	// the service worker is active and has cached this deploy (app, pages, data, checkpoints)
	const cached = await page.evaluate(async () => {
		const reg = await navigator.serviceWorker.ready;
		// `ready` resolves once a worker is active, which may still be "activating" (dropping old caches)
		const sw = reg.active!;
		if (sw.state !== 'activated')
			await new Promise<void>((done) => sw.addEventListener('statechange', () => sw.state === 'activated' && done()));
		// one cache per deployment (base path) and build: nrs:<base>:<version>
		const names = (await caches.keys()).filter((n) => n.startsWith('nrs:/:'));
		const cache = await caches.open(names[0]);
		const keys = (await cache.keys()).map((r) => new URL(r.url).pathname);
		return { active: reg.active?.state, names, keys };
	});
	expect(cached.active).toBe('activated');
	expect(cached.names).toHaveLength(1);
	expect(cached.keys).toContain(`/essays/${slug}`);
	expect(cached.keys.some((k) => k.startsWith('/data/mnist'))).toBe(true);
	expect(cached.keys.some((k) => k.startsWith(`/checkpoints/`))).toBe(true);
	expect(cached.keys.some((k) => k.endsWith('.wasm'))).toBe(true);
	const heading = await page.locator('h1').first().textContent();
	const figures = await page.locator('[data-widget] figure').count();
	expect(figures).toBeGreaterThan(0);

	await context.setOffline(true);
	await page.reload();
	await expect(page.locator('h1').first()).toHaveText(heading ?? '');
	await expect(page.locator('article p').first()).toBeVisible();
	await expect(page.locator('[data-widget] figure')).toHaveCount(figures);
	await expect(page.locator('[data-widget] figure svg').first()).toBeVisible();
	// the widget goes live from the cache: tfjs, the data and the checkpoints all load offline
	await expect(page.locator('[data-widget]').first()).toHaveAttribute('data-phase', 'ready', { timeout: 90_000 });
	await expect(page.locator('[data-widget] [role="alert"]')).toHaveCount(0);
	await context.setOffline(false);
});
