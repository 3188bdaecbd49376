// Faults a reader or a blogger actually meets (issue 16): a malformed query in the page's URL, a worker
// script that never loads, a worker that dies mid-job, and a paused embed that must not start the
// worker. Each page must keep its text and shipped figures, say what is wrong, and throw nothing.
import type { Locator, Page } from '@playwright/test';
import { FIXTURE_URL } from '../../playwright.config';
import { test, expect } from './helpers';

// A stray `%` (a link cut mid-escape, "50%off" in a campaign tag) and a tfjs flag a link could carry.
const BAD_QUERY = 'x=%&y=50%off&tfjsflags=DEBUG:true';

/** Once the page's own script ran: the widget left "starting" (the worker answered or failed). */
async function widgetStarted(widget: Locator) {
	await expect(widget).toHaveAttribute('data-phase', 'ready', { timeout: 60_000 });
}

/** Each essay's shipped figure, shown before (and without) any live computation. */
const essays: { slug: string; widget: string; shipped: (page: Page | Locator) => Promise<void> }[] = [
	{
		slug: 'modularity',
		widget: 'layer-swap',
		shipped: (p) => expect(p.locator('[data-figure="swap-matrix"]')).toHaveAttribute('data-ready', 'true')
	},
	{
		slug: 'task-vectors',
		widget: 'task-vectors',
		shipped: (p) => expect(p.locator('[data-figure="lambda-plane"]')).toHaveAttribute('data-ready', 'true')
	},
	{
		slug: 'stitching',
		widget: 'stitching',
		shipped: (p) => expect(p.locator('[data-figure="bars"]')).toHaveAttribute('data-ready', 'true')
	},
	{
		slug: 'credit-assignment',
		widget: 'credit',
		shipped: (p) => expect(p.locator('[data-widget="credit"]')).toHaveAttribute('data-race', 'shipped')
	}
];

test.describe('a malformed query in the URL', () => {
	for (const essay of essays) {
		test(`/essays/${essay.slug} keeps its text and figures`, async ({ page }) => {
			await page.goto(`/essays/${essay.slug}?${BAD_QUERY}`);
			const widget = page.locator(`[data-widget="${essay.widget}"]`);
			await widgetStarted(widget);
			await expect(page.locator('h1').first()).not.toHaveText(/went wrong|error/i);
			expect(await page.locator('article p, .prose p').count()).toBeGreaterThan(5);
			await essay.shipped(page);
			// tfjs runs in the worker only: nothing of it reaches the page's realm
			expect(await page.evaluate(() => typeof (window as unknown as { _tfengine?: unknown })._tfengine)).toBe('undefined');
		});
	}

	test('the home page keeps its cards and thumbnails', async ({ page }) => {
		await page.goto(`/?${BAD_QUERY}`);
		// the thumbnails are mounted in the browser only: once one is there, the page script ran
		await expect(page.locator('.card .thumb > *').first()).toBeVisible();
		await expect(page.locator('h1').first()).toHaveText('Not Rocket Science');
		expect(await page.locator('.card').count()).toBe(essays.length);
	});

	test('an iframe embed route keeps its widget', async ({ page }) => {
		await page.goto(`/embed/layer-swap?${BAD_QUERY}`);
		await widgetStarted(page.locator('[data-widget="layer-swap"]'));
		await expect(page.getByTestId('acc-residual')).toContainText('%');
		await essays[0].shipped(page);
	});

	test('custom elements on a host page whose own URL is malformed', async ({ page }) => {
		await page.goto(`${FIXTURE_URL}/elements.html?${BAD_QUERY}`);
		const swap = page.locator('#swap');
		await widgetStarted(swap.locator('[data-widget="layer-swap"]'));
		await expect(swap.getByTestId('acc-residual')).toContainText('%');
		await essays[0].shipped(swap);
		// embed.js leaves no tfjs globals on someone else's window
		const globals = await page.evaluate(() => {
			const w = window as unknown as Record<string, unknown>;
			return { engine: typeof w._tfengine, globals: typeof w._tfGlobals };
		});
		expect(globals).toEqual({ engine: 'undefined', globals: 'undefined' });
	});
});
