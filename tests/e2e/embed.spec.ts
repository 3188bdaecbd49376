// Both embed forms on a stand-in blog served from ANOTHER origin (tests/fixtures/blog, started by
// playwright.config.ts): the iframe form under a strict host CSP, and the embed.js custom elements
// under rude host styles. Real results (numbers recomputed by the worker, data-live), resizing,
// attributes/params changing the state, clamp notes, injection attempts, one shared worker, no
// console errors on either origin (the helpers' fixture sees every frame's console), screenshots.
import { mkdirSync } from 'node:fs';
import type { Frame, Locator, Page } from '@playwright/test';
import { FIXTURE_URL } from '../../playwright.config';
import { IFRAME_SANDBOX } from '../../src/lib/embed/snippets';
import { test, expect } from './helpers';

const SHOTS = 'artifacts/screenshots';
const INJECT = `"><img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>`;

async function pwned(target: Page | Frame): Promise<unknown> {
	return target.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned ?? null);
}

async function shoot(page: Page, name: string) {
	mkdirSync(SHOTS, { recursive: true });
	for (const width of [1280, 375]) {
		// A viewport as tall as the page (not fullPage): Chromium does not paint out-of-view
		// cross-origin iframes into a full-page capture.
		await page.setViewportSize({ width, height: 900 });
		await page.waitForTimeout(300);
		const height = await page.evaluate(() => document.documentElement.scrollHeight);
		await page.setViewportSize({ width, height: Math.min(height, 12_000) });
		await page.waitForTimeout(1000);
		await page.screenshot({ path: `${SHOTS}/${name}-${width}.png` });
	}
}

/** The layer-swap widget's plain-net accuracy, once the worker (not the shipped table) computed it. */
async function liveAccuracy(scope: Locator | Frame, arch: 'residual' | 'plain'): Promise<number> {
	const acc = scope.locator(`[data-testid="acc-${arch}"][data-live="true"]`);
	await expect(acc).toHaveCount(1, { timeout: 120_000 });
	return Number(await acc.getAttribute('data-value'));
}

test('iframe form: strict-CSP host page, live results, resizing, options', async ({ page }) => {
	const t0 = Date.now();
	await page.goto(`${FIXTURE_URL}/index.html`);
	const swap = page.frameLocator('#swap');
	await expect(swap.getByTestId('acc-residual')).toContainText('%');
	const firstFrame = Date.now() - t0;

	const frame = page.frame({ url: /\/embed\/layer-swap/ });
	expect(frame).not.toBeNull();
	// order=1,0,… swaps the first two blocks: the residual net shrugs, the plain control breaks.
	const plain = await liveAccuracy(frame!, 'plain');
	const residual = await liveAccuracy(frame!, 'residual');
	const live = Date.now() - t0;
	expect(residual).toBeGreaterThan(0.85);
	expect(plain).toBeLessThan(0.5);
	test.info().annotations.push({ type: 'timing', description: `iframe: first widget frame ${firstFrame} ms, live result ${live} ms` });
	console.log(`[embed timing] iframe: first widget frame ${firstFrame} ms after load, live numbers ${live} ms`);

	// The resize script set the frame to its content's height.
	const iframe = page.locator('#swap');
	await expect(iframe).toHaveAttribute('data-nrs-resized', '');
	const content = await frame!.evaluate(() => Math.ceil(document.querySelector('main')!.getBoundingClientRect().height));
	await expect.poll(async () => Math.abs(Number(await iframe.getAttribute('height')) - content)).toBeLessThanOrEqual(2);
	expect(content).toBeGreaterThan(900);

	// Second widget: figure only, dark, live.
	await page.locator('#stitch').scrollIntoViewIfNeeded();
	const stitch = page.frame({ url: /\/embed\/stitching/ });
	await expect.poll(() => page.frame({ url: /\/embed\/stitching/ }) !== null).toBe(true);
	const stitchFrame = page.frame({ url: /\/embed\/stitching/ }) ?? stitch!;
	await expect(stitchFrame.locator('[data-testid="acc-stitched"][data-live="true"]')).toHaveCount(1, { timeout: 60_000 });
	await expect(stitchFrame.locator('html')).toHaveAttribute('data-theme', 'dark');
	await expect(stitchFrame.locator('.param-controls').first()).toBeHidden();
	await expect(stitchFrame.locator('[data-action]').first()).toBeHidden();
	await expect(page.locator('#stitch')).toHaveAttribute('data-nrs-resized', '');

	expect(await pwned(page)).toBeNull();
	await shoot(page, 'embed-iframes');
});

test('iframe form, sandboxed as the snippet says (no allow-same-origin): live, and resized', async ({ page }) => {
	await page.goto(`${FIXTURE_URL}/sandboxed.html`);
	const iframe = page.locator('#swap');
	expect(await iframe.getAttribute('sandbox')).toBe(IFRAME_SANDBOX);
	const frame = page.frame({ url: /\/embed\/layer-swap/ });
	expect(frame).not.toBeNull();
	expect(await frame!.evaluate(() => self.origin), 'the frame runs with an opaque origin').toBe('null');
	// the worker starts (through the blob shim) and computes the numbers
	const plain = await liveAccuracy(frame!, 'plain');
	expect(plain).toBeLessThan(0.5);
	expect(await liveAccuracy(frame!, 'residual')).toBeGreaterThan(0.85);
	await expect(frame!.locator('[data-widget] [role="alert"]')).toHaveCount(0);
	// its size messages (origin "null") are accepted from that very frame
	await expect(iframe).toHaveAttribute('data-nrs-resized', '');
	const content = await frame!.evaluate(() => Math.ceil(document.querySelector('main')!.getBoundingClientRect().height));
	await expect.poll(async () => Math.abs(Number(await iframe.getAttribute('height')) - content)).toBeLessThanOrEqual(2);
});

test.describe('service worker', () => {
	test.use({ serviceWorkers: 'allow' });
	test('an /embed/ page registers no service worker and caches nothing', async ({ page }) => {
		await page.goto('/embed/credit?paused', { waitUntil: 'load' });
		await expect(page.getByText(/Paused/).first()).toBeVisible();
		// SvelteKit registered its worker from the load event; the site's pages now do it from their layout
		expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length)).toBe(0);
		expect(await page.evaluate(() => caches.keys())).toEqual([]);
		// …while a page of the site itself still does (offline reading)
		await page.goto('/about');
		expect(await page.evaluate(async () => (await navigator.serviceWorker.ready).active !== null)).toBe(true);
	});
});

test('iframe form: garbage and injection in every query value do nothing but notes', async ({ page }) => {
	const keys = ['order', 'depth', 'width', 'seed', 'steps', 'lr', 'binit', 'spu', 'sdepth', 'theme', 'controls', 'paused', 'backend'];
	const query = keys.map((k) => `${k}=${encodeURIComponent(INJECT)}`).join('&');
	// backend=<garbage> falls back to the automatic choice with a note.
	await page.goto(`/embed/layer-swap?${query}`);
	await expect(page.getByTestId('verdict')).toBeVisible();
	await expect(page.getByText('Some settings in the link were adjusted:')).toBeVisible();
	await expect(page.getByText('Some embed options were adjusted:')).toBeVisible();
	await expect(page.locator('.param-notes li').first()).toContainText('<img');
	expect(await page.locator('img[src="x"], script:not([src]):text-matches("__pwned")').count()).toBe(0);
	await page.waitForTimeout(500);
	expect(await pwned(page)).toBeNull();
});

test('custom elements: shadow DOM, shared worker, attributes, clamp notes, injection', async ({ page }) => {
	// Both widgets queue their live work on the page's one worker: ~1 min here, more on a busy machine.
	test.setTimeout(240_000);
	const t0 = Date.now();
	await page.goto(`${FIXTURE_URL}/elements.html`);
	const swap = page.locator('#swap');
	await expect(swap.getByTestId('acc-residual')).toContainText('%');
	const firstFrame = Date.now() - t0;
	expect(await liveAccuracy(swap, 'plain')).toBeLessThan(0.5);
	const live = Date.now() - t0;
	test.info().annotations.push({ type: 'timing', description: `element: first widget frame ${firstFrame} ms, live result ${live} ms` });
	console.log(`[embed timing] custom element: first widget frame ${firstFrame} ms after load, live numbers ${live} ms`);

	const stitch = page.locator('#stitch');
	await stitch.scrollIntoViewIfNeeded();
	await expect(stitch.locator('[data-testid="acc-stitched"][data-live="true"]')).toHaveCount(1, { timeout: 120_000 });
	await expect(stitch.locator('.param-controls').first()).toBeHidden();
	// Two widgets, one worker (and so one tfjs backend) for the page.
	expect(page.workers().length).toBe(1);

	// Host styles stay out: rude colours, borders and fonts of the host don't reach the widget.
	const inside = await swap.locator('.explain').first().evaluate((el) => {
		const s = getComputedStyle(el);
		return { color: s.color, border: getComputedStyle(el.closest('section')!).borderTopStyle, font: s.fontFamily };
	});
	expect(inside.color).not.toBe('rgb(192, 0, 0)');
	expect(inside.border).not.toBe('dotted');
	expect(inside.font).not.toContain('Comic');
	// …and ours stay in: the host page's paragraphs keep the host's colour.
	expect(await page.locator('body > p').first().evaluate((el) => getComputedStyle(el).color)).toBe('rgb(192, 0, 0)');

	await shoot(page, 'embed-elements');
	await page.setViewportSize({ width: 1280, height: 900 });

	// An attribute change re-mounts the widget in the new state: intact order, the plain net recovers.
	await swap.evaluate((el) => el.setAttribute('order', ''));
	await expect.poll(() => liveAccuracy(swap, 'plain'), { timeout: 120_000 }).toBeGreaterThan(0.8);

	// Garbage is clamped with a note.
	await swap.evaluate((el) => el.setAttribute('depth', '99'));
	await expect(swap.locator('.param-notes')).toContainText('depth=99 is out of range 2–12; using 12.');
	await expect(swap.getByText('Some attributes of this widget were adjusted:')).toBeVisible();

	// Injection in every observed attribute: notes show it as text; no element, no script.
	await swap.evaluate((el, payload) => {
		for (const name of (el.constructor as unknown as { observedAttributes: string[] }).observedAttributes) el.setAttribute(name, payload);
	}, INJECT);
	await expect(swap.getByText('Some embed options were adjusted:')).toBeVisible();
	await expect(swap.locator('.param-notes li').first()).toContainText('<img');
	const found = await swap.evaluate((el) => el.shadowRoot!.querySelectorAll('img[src="x"], script').length + document.querySelectorAll('img[src="x"]').length);
	expect(found).toBe(0);
	await page.waitForTimeout(500);
	expect(await pwned(page)).toBeNull();
	expect(page.workers().length).toBe(1);
});

test('Embed panel: keyboard dialog with both snippets for the current state', async ({ page }) => {
	await page.goto('/essays/modularity?depth=6&seed=7');
	// the prerendered button is inert until the page hydrates; the widget leaves "starting" after that
	await expect(page.locator('[data-widget="layer-swap"]')).not.toHaveAttribute('data-phase', 'starting', { timeout: 60_000 });
	const button = page.getByRole('button', { name: 'Embed' });
	await button.focus();
	await page.keyboard.press('Enter');
	const dialog = page.getByRole('dialog', { name: 'Embed this widget' });
	await expect(dialog).toBeVisible();
	await expect(dialog.getByTestId('snippet-element')).toHaveValue(/<nrs-layer-swap depth="6" seed="7"><\/nrs-layer-swap>/);
	await expect(dialog.getByTestId('snippet-iframe')).toHaveValue(/\/embed\/layer-swap\?depth=6&amp;seed=7"/);
	// Options go into both snippets.
	await dialog.getByRole('radio', { name: 'Figure only' }).check();
	await dialog.getByRole('switch', { name: 'Start paused' }).press('Space');
	await expect(dialog.getByTestId('snippet-element')).toHaveValue(/<nrs-layer-swap depth="6" seed="7" controls="hide" paused><\/nrs-layer-swap>/);
	// Live preview of the iframe form.
	await dialog.getByRole('button', { name: 'Preview' }).first().click();
	const preview = page.frameLocator('iframe.preview');
	await expect(preview.getByTestId('embed-paused')).toBeVisible();
	// …and of the custom element, in a throwaway document holding just the snippet.
	await dialog.getByRole('button', { name: 'Preview' }).last().click();
	const element = page.frameLocator('iframe.preview').last().locator('nrs-layer-swap');
	await expect(element.getByTestId('embed-paused')).toBeVisible();
	// both previews are sandboxed as the snippet says, and the element's worker still starts there
	await expect(page.locator('iframe.preview')).toHaveAttribute('sandbox', IFRAME_SANDBOX);
	await element.getByRole('button', { name: 'Run live' }).click();
	await expect(element.locator('[data-widget]')).toHaveAttribute('data-phase', 'ready', { timeout: 60_000 });
	await dialog.getByRole('button', { name: 'Hide preview' }).focus(); // back from the preview frame
	await page.keyboard.press('Escape');
	await expect(dialog).toBeHidden();
	await expect(button).toBeFocused();
});

test('custom elements: two on one page pause and train independently; the off-screen one does no work', async ({ page }) => {
	// Each element has its own run in the page's one worker: the visible one trains while the one far
	// below the fold stays paused, and scrolling swaps them.
	await page.goto(`${FIXTURE_URL}/offscreen.html`);
	const near = page.locator('#near [data-widget]');
	const far = page.locator('#far [data-widget]');
	const nearPoints = page.locator('#near').getByTestId('train');
	const farPoints = page.locator('#far').getByTestId('train');
	const count = async (l: typeof nearPoints) => Number(await l.getAttribute('data-points'));
	await expect(near).toHaveAttribute('data-busy', 'train', { timeout: 60_000 });
	await expect(far).toHaveAttribute('data-busy', 'train', { timeout: 60_000 });
	await expect(far).toHaveAttribute('data-paused', 'true');
	await expect(near).toHaveAttribute('data-paused', 'false');
	// the near widget's progress is the clock: while it makes ten more updates, the far one makes none
	const start = await count(nearPoints);
	await expect.poll(() => count(nearPoints), { timeout: 60_000 }).toBeGreaterThan(start + 10);
	await expect(farPoints).toHaveAttribute('data-points', '0');
	await page.locator('#far').scrollIntoViewIfNeeded();
	await expect(far).toHaveAttribute('data-paused', 'false');
	await expect(near).toHaveAttribute('data-paused', 'true');
	await expect.poll(() => count(farPoints), { timeout: 60_000 }).toBeGreaterThan(0);
	// and now the near one is the one that stands still while the other trains
	const frozen = await count(nearPoints);
	const farNow = await count(farPoints);
	await expect.poll(() => count(farPoints), { timeout: 60_000 }).toBeGreaterThan(farNow + 5);
	expect(await count(nearPoints)).toBeLessThanOrEqual(frozen + 1); // at most a chunk already in flight
});
