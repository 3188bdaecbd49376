// A link can ask for a lot of work with every value in range. The page must not start it on load: it
// shows the shipped figures and a run button, says why, caps what would not fit in memory (credit's
// pairs × width, with a note), and stays responsive. The heavy work itself is never run here.
import type { Page } from '@playwright/test';
import { test, expect } from './helpers';

type Hooks = { __nrsWorker: { activeRuns(): Promise<unknown[]>; numTensors(): Promise<number> } };
const activeRuns = (page: Page) => page.evaluate(() => (globalThis as unknown as Hooks).__nrsWorker.activeRuns().then((r) => r.length));

test('credit: the worst link is capped, not started on load, and the page stays responsive', async ({ page }) => {
	test.setTimeout(90_000);
	await page.goto('/essays/credit-assignment?backend=wasm&testhooks&width=256&pairs=128&budget=30000&useless=200000');
	const widget = page.locator('[data-widget="credit"]');
	await widget.locator('[data-testid="race"]').scrollIntoViewIfNeeded();
	// the decision is made once the worker is ready: nothing heavy was started
	await expect(widget).toHaveAttribute('data-autorun', 'held', { timeout: 60_000 });
	await expect(widget).toHaveAttribute('data-busy', 'idle');
	await expect(widget).toHaveAttribute('data-race', 'none');
	expect(await activeRuns(page)).toBe(0);
	await expect(widget.getByText(/not started on load/)).toBeVisible();
	// the GA's population would not fit: pairs is lowered, and the page says so
	await expect(widget.locator('.param-notes')).toContainText('pairs=128 at width=256');
	await expect(widget.locator('.param-notes')).toContainText('using pairs=20');
	await expect(widget).toContainText('the GA evaluates a population of 40');
	// the run buttons are there instead
	await expect(widget.getByRole('button', { name: 'Measure the cosine here' })).toBeEnabled();
	await expect(widget.getByRole('button', { name: 'Play' })).toBeEnabled();
	// responsive: a control answers at once
	const details = widget.locator('details', { hasText: 'Race settings' });
	await details.locator('summary').click();
	await expect(details).toHaveAttribute('open', '');
	// and still nothing runs in the worker
	expect(await activeRuns(page)).toBe(0);
	await expect(widget).toHaveAttribute('data-race', 'none');
});

test('layer-swap: nets 15× the shipped training wait for Retrain live; the shipped nets stay live', async ({ page }) => {
	test.setTimeout(120_000);
	await page.goto('/essays/modularity?backend=wasm&testhooks&depth=12&width=256&steps=5000');
	const widget = page.locator('[data-widget="layer-swap"]');
	await page.getByTestId('train').scrollIntoViewIfNeeded();
	await expect(widget).toHaveAttribute('data-autorun', 'held', { timeout: 60_000 });
	await expect(widget).toHaveAttribute('data-nets', 'ready', { timeout: 90_000 });
	await expect(widget).not.toHaveAttribute('data-busy', 'train');
	await expect(widget).toHaveAttribute('data-source', /shipped|live/);
	await expect(widget.getByText(/too much to start on load on wasm/)).toBeVisible({ timeout: 60_000 });
	await expect(page.getByRole('button', { name: 'Retrain live' })).toBeEnabled();
	await expect(page.getByTestId('train')).toContainText('Settings changed: retrain to see them.');
});

// The block order a link names is checked against the nets it describes (orderFor), with a note.
test('layer-swap: an order naming blocks the shipped nets lack is corrected with a note', async ({ page }) => {
	test.setTimeout(90_000);
	await page.goto('/essays/modularity?backend=wasm&order=9,10,11');
	const widget = page.locator('[data-widget="layer-swap"]');
	await expect(widget.locator('.param-notes')).toContainText('order has no block below depth 8; using the intact order.', { timeout: 60_000 });
	await expect(page).not.toHaveURL(/order=/);
});

test('layer-swap: an order valid for the nets the link trains survives their training', async ({ page }) => {
	test.setTimeout(120_000);
	await page.goto('/essays/modularity?backend=wasm&testhooks&depth=10&width=16&steps=50&order=9,8');
	const widget = page.locator('[data-widget="layer-swap"]');
	await page.getByTestId('train').scrollIntoViewIfNeeded();
	await expect(widget).toHaveAttribute('data-source', 'trained', { timeout: 100_000 });
	// the stack runs the link's two blocks (10 and 9 of the reader's 10-block nets)
	await expect(page.locator('[data-widget="layer-swap"] [data-block]')).toHaveCount(2);
	await expect(page).toHaveURL(/order=9%2C8|order=9,8/);
	await expect(widget.locator('.param-notes')).toHaveCount(0);
});
