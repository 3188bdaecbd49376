// Faults a reader or a blogger actually meets (issue 16): a malformed query in the page's URL, a worker
// script that never loads, a worker that dies mid-job, and a paused embed that must not start the
// worker. Each page must keep its text and shipped figures, say what is wrong, and throw nothing.
import type { Locator, Page } from '@playwright/test';
import { BASE_URL, FIXTURE_URL } from '../../playwright.config';
import { test, expect } from './helpers';

// A stray `%` (a link cut mid-escape, "50%off" in a campaign tag) and a tfjs flag a link could carry.
const BAD_QUERY = 'x=%&y=50%off&tfjsflags=DEBUG:true';

/** Once the page's own script ran: the widget left "starting" (the worker answered or failed). */
/** Open the blog's elements page and run `change` in it before embed.js loads (held until then). */
async function blogBeforeEmbed(page: Page, change: () => void) {
	let loadEmbed = () => {};
	const held = new Promise<void>((r) => (loadEmbed = r));
	await page.route(`${BASE_URL}/embed.js`, async (route) => {
		await held;
		await route.continue();
	});
	await page.goto(`${FIXTURE_URL}/elements.html`, { waitUntil: 'commit' });
	await page.locator('#stitch').waitFor({ state: 'attached' });
	await page.evaluate(change);
	loadEmbed();
}

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
	},
	{
		slug: 'double-it',
		widget: 'double-it',
		shipped: (p) => expect(p.locator('[data-widget="double-it"]')).toHaveAttribute('data-grid', 'shipped')
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

const WORKER_SCRIPT = '**/ml.worker*.js';
const UNAVAILABLE = /Live computation is unavailable \(.+\)\. The figures show the shipped results\./;

test.describe('a worker that does not load', () => {
	// the browser itself logs the 404 of the blocked script
	test.use({ allowedErrors: [/Failed to load resource.*404/] });

	test('an essay says so within seconds and keeps its shipped figures', async ({ page }) => {
		await page.route(WORKER_SCRIPT, (route) => route.fulfill({ status: 404, body: 'gone after a deploy' }));
		await page.goto('/essays/modularity', { waitUntil: 'load' });
		const widget = page.locator('[data-widget="layer-swap"]');
		await expect(widget).toHaveAttribute('data-phase', 'failed', { timeout: 5_000 });
		await expect(widget.getByRole('alert')).toHaveText(UNAVAILABLE);
		await expect(widget.getByRole('alert')).toContainText('the worker script failed to load');
		await expect(widget).toHaveAttribute('data-busy', 'idle');
		await essays[0].shipped(page);
		await expect(page.getByTestId('acc-residual')).toContainText('%');
	});

	test('custom elements on a host page say so too', async ({ page }) => {
		await page.route(WORKER_SCRIPT, (route) => route.fulfill({ status: 404, body: 'gone after a deploy' }));
		await page.goto(`${FIXTURE_URL}/elements.html`, { waitUntil: 'load' });
		const swap = page.locator('#swap [data-widget="layer-swap"]');
		await expect(swap).toHaveAttribute('data-phase', 'failed', { timeout: 5_000 });
		await expect(swap.getByRole('alert')).toContainText('the worker script failed to load');
		await essays[0].shipped(page.locator('#swap'));
		const stitch = page.locator('#stitch [data-widget="stitching"]');
		await expect(stitch).toHaveAttribute('data-phase', 'failed');
		expect(page.workers()).toHaveLength(0);

		// The script is back (the reader's connection, a finished deploy): nothing retries by itself, but
		// a widget mounted again (here: an attribute changed) starts a new worker.
		await page.unroute(WORKER_SCRIPT);
		await page.locator('#swap').evaluate((el) => el.setAttribute('order', ''));
		await expect(swap).toHaveAttribute('data-phase', 'ready', { timeout: 60_000 });
		await expect(page.locator('#swap').getByTestId('acc-residual')).toHaveAttribute('data-live', 'true', { timeout: 90_000 });
		await expect(stitch).toHaveAttribute('data-phase', 'failed');
		expect(page.workers()).toHaveLength(1);
	});
});

test.describe('a host page whose CSP allows no worker', () => {
	// the browser reports the blocked worker itself
	test.use({ allowedErrors: [/Content Security Policy/] });

	test('custom elements say that live computation is unavailable', async ({ page }) => {
		// the blog's page with a policy added before embed.js runs (an author's CSP without blob: workers)
		await blogBeforeEmbed(page, () => {
			const meta = document.createElement('meta');
			meta.httpEquiv = 'Content-Security-Policy';
			meta.content = "worker-src 'none'";
			document.head.append(meta);
		});
		const swap = page.locator('#swap [data-widget="layer-swap"]');
		await expect(swap).toHaveAttribute('data-phase', 'failed', { timeout: 10_000 });
		await expect(swap.getByRole('alert')).toHaveText(UNAVAILABLE);
		await essays[0].shipped(page.locator('#swap'));
	});
});

test('a worker killed mid-job: the widget says so within 2 s and keeps its shipped figures', async ({ page }) => {
	// small nets, so these settings (not the shipped ones) start training as soon as the worker is up
	await page.goto('/essays/modularity?backend=wasm&depth=2&width=16&steps=5000&spu=5&testhooks');
	const widget = page.locator('[data-widget="layer-swap"]');
	const train = page.getByTestId('train');
	await train.scrollIntoViewIfNeeded();
	await expect(widget).toHaveAttribute('data-busy', 'train', { timeout: 60_000 });
	await expect.poll(async () => Number(await train.getAttribute('data-points')), { timeout: 60_000 }).toBeGreaterThan(2);
	const killed = Date.now();
	await page.evaluate(() => (globalThis as unknown as { __nrsKillWorker(): void }).__nrsKillWorker());
	await expect(widget).toHaveAttribute('data-phase', 'failed', { timeout: 2_000 });
	test.info().annotations.push({ type: 'timing', description: `noticed ${Date.now() - killed} ms after the kill` });
	console.log(`[faults timing] a killed worker was noticed ${Date.now() - killed} ms after the kill`);
	await expect(widget).toHaveAttribute('data-busy', 'idle', { timeout: 2_000 });
	await expect(widget.getByRole('alert')).toHaveText(UNAVAILABLE, { timeout: 2_000 });
	await expect(widget.getByRole('alert')).toContainText('the worker stopped');
	await expect(page.getByTestId('status')).toContainText('Showing shipped results only.');
	await expect(page.locator('[data-figure="swap-matrix"]')).toHaveAttribute('data-ready', 'true');
	// the controls of the run that died are gone, and nothing hangs on it
	await expect(widget.getByRole('button', { name: 'Cancel & reset' })).toHaveCount(0);
});

test.describe('a component chunk that does not load', () => {
	test.use({ allowedErrors: [/Failed to load resource.*404/] });

	test('the custom element says so instead of staying empty', async ({ page }) => {
		await page.route('**/_embed/LayerSwap-*.js', (route) => route.fulfill({ status: 404, body: 'gone after a deploy' }));
		await page.goto(`${FIXTURE_URL}/elements.html`);
		const failed = page.locator('#swap').getByTestId('embed-failed');
		await expect(failed).toContainText('widget could not be loaded');
		await expect(failed.getByRole('link')).toHaveAttribute('href', /\/essays\/modularity$/);
		// the other element on the page is not affected
		await expect(page.locator('#stitch [data-figure="bars"]')).toHaveAttribute('data-ready', 'true');
	});
});

test.describe('a paused embed', () => {
	for (const form of ['iframe route', 'custom element'] as const) {
		test(`${form}: no worker until the reader presses Run live`, async ({ page }) => {
			const workerRequests: string[] = [];
			page.on('request', (r) => {
				if (/ml\.worker[^/]*\.js/.test(r.url())) workerRequests.push(r.url());
			});
			if (form === 'iframe route') await page.goto('/embed/layer-swap?paused');
			else {
				// the blog's page, its elements replaced by one paused element before embed.js runs
				await blogBeforeEmbed(page, () => {
					for (const el of document.querySelectorAll('nrs-layer-swap, nrs-stitching')) el.remove();
					const el = document.createElement('nrs-layer-swap');
					el.id = 'paused';
					el.setAttribute('paused', '');
					document.body.prepend(el);
				});
			}
			const scope = form === 'iframe route' ? page.locator('body') : page.locator('#paused');
			// the banner is shown once the widget mounted (and would have started its worker)
			await expect(scope.getByTestId('embed-paused')).toBeVisible();
			await essays[0].shipped(scope);
			await page.waitForLoadState('networkidle');
			expect(page.workers()).toHaveLength(0);
			expect(workerRequests).toEqual([]);
			await expect(scope.locator('[data-widget="layer-swap"]')).toHaveAttribute('data-phase', 'starting');

			const started = page.waitForEvent('worker');
			await scope.getByRole('button', { name: 'Run live' }).click();
			await started;
			await expect(scope.getByTestId('acc-residual')).toHaveAttribute('data-live', 'true', { timeout: 90_000 });
			expect(page.workers()).toHaveLength(1);
		});
	}
});
