// /bench trains on the page's main thread: a link (even one asking for hours of cpu work) shows a Run
// button and starts nothing until it is clicked.
import { test, expect } from './helpers';

test('/bench starts nothing from a link', async ({ page }) => {
	await page.goto('/bench?backend=cpu&steps=10000&repeats=50&warmup=10000');
	const run = page.locator('[data-action="run-bench"]');
	await expect(run).toBeVisible();
	await expect(run).toHaveText('Run the bench on cpu');
	expect(await page.evaluate(() => (window as { __bench?: unknown }).__bench ?? null)).toBeNull();
});

test('/bench runs once Run is clicked', async ({ page }) => {
	await page.goto('/bench?backend=wasm&parts=step&steps=1&repeats=1&warmup=1');
	await page.locator('[data-action="run-bench"]').click();
	await expect(page.locator('[data-status]')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
	expect(await page.evaluate(() => (window as { __bench?: { params: { steps: number } } }).__bench?.params.steps)).toBe(1);
});
