// Double it, the robustness, drift and double-descent panels (wasm only): the shipped panels and the essay's numbers are
// on screen before tfjs or the digits load, and a tiny live recompute (widths 16 and 32, one seed) completes.
import { readFileSync } from 'node:fs';
import { test, expect, noHorizontalScroll } from './helpers';
import { type Parametrisation, type RobustResult, driftRows } from '../../src/lib/ml/experiments/double-it-robust-defaults';

const WIDGET = '[data-widget="double-it"]';

test.describe('without the digit data', () => {
	test.use({ allowedErrors: [/ERR_FAILED|Failed to load resource/] });

	test('the shipped robustness and drift panels and their essay numbers show before tfjs, 375 px wide without scrolling sideways', async ({ page }) => {
		await page.setViewportSize({ width: 375, height: 800 });
		await page.route('**/data/mnist.bin*', (route) => route.abort());
		await page.goto('/essays/double-it');
		const robust = page.locator(`${WIDGET} [data-figure="robust"]`);
		await expect(robust).toHaveAttribute('data-robust', 'shipped');
		await expect(robust).toHaveAttribute('data-robust-points', '6');
		// every width has a share kept under each noise level, each a fraction of its own clean accuracy
		const kept = (await robust.locator('tr[data-x="256"]').getAttribute('data-noise-kept'))!.split(',').map(Number);
		expect(kept).toHaveLength(4);
		for (const k of kept) expect(k).toBeGreaterThan(0);
		const drift = page.locator(`${WIDGET} [data-figure="drift"]`);
		await expect(drift).toHaveAttribute('data-drift-rows', '5');
		await expect(drift).toHaveAttribute('data-param', 'sp');
		expect(Number(await drift.locator('tr[data-width="64"]').getAttribute('data-lost'))).toBe(0);
		// both parametrisations summed up under the table, whichever is shown
		await expect(drift.locator('[data-drift-summary] li')).toHaveCount(2);
		await expect(drift.locator('[data-drift-summary] li[data-param="mup"]')).toContainText(/^μP \(widths 32–512\): the best rates lie/);
		await expect(drift.locator('[data-drift-verdict]')).toHaveAttribute('data-drift-verdict', 'true');
		await expect(drift.locator('[data-drift-verdict]')).toContainText("Holds in this run: μP's best rates lie 1 doubling apart against 3");
		await expect(page.locator('[data-stat="noise0.4@w256"]').first()).toContainText('±');
		await expect(page.locator('[data-stat="lr@256"]').first()).not.toContainText('n/a');
		const descent = page.locator(`${WIDGET} [data-figure="descent"]`);
		await expect(descent).toHaveAttribute('data-descent', 'shipped');
		await expect(descent.locator('tbody tr')).toHaveCount(12);
		await expect(descent.locator('[data-descent-verdict]')).toContainText(/1,000 digits: fits its labels from width \d+/);
		await expect(page.locator('[data-stat="loss@1000:peak"]').first()).toContainText('±');
		// every inline number of the essay found its shipped value
		await expect(page.locator('[data-stat]').filter({ hasText: /n\/a|–/ })).toHaveCount(0);
		await noHorizontalScroll(page);
	});
});

test('the drift panel switches to μP by link, and trains width 32 in μP live on wasm beside the standard width 64', async ({ page }) => {
	test.setTimeout(150_000);
	await page.goto('/essays/double-it?backend=wasm&dparam=mup&dwidth=32&seed=2');
	const widget = page.locator(WIDGET);
	const drift = page.locator(`${WIDGET} [data-figure="drift"]`);
	await drift.scrollIntoViewIfNeeded();
	await expect(drift).toHaveAttribute('data-param', 'mup');
	await expect(drift).toHaveAttribute('data-drift-rows', '5');
	// at the base width μP is the standard net: the same row in both views
	const row = (w: number) => drift.locator(`tr[data-width="${w}"]`);
	const mup = { best64: await row(64).getAttribute('data-best-lr'), best512: await row(512).getAttribute('data-best-lr') };
	await drift.getByRole('radio', { name: 'standard' }).check();
	await expect(drift).toHaveAttribute('data-param', 'sp');
	expect(await row(64).getAttribute('data-best-lr')).toBe(mup.best64);
	// and a different one at width 512 (the shipped study: 0.0005 in the standard parametrisation, 0.001 in μP)
	expect(await row(512).getAttribute('data-best-lr')).not.toBe(mup.best512);
	await drift.getByRole('radio', { name: 'μP' }).check();
	await expect(widget).toHaveAttribute('data-phase', 'ready', { timeout: 60_000 });
	await drift.locator('[data-action="drift"]').click();
	await expect(drift).toHaveAttribute('data-drift', 'live-done', { timeout: 120_000 });
	await expect(drift.locator('tr.live')).toHaveCount(2);
	// with a second core the 14 nets are shared with helper workers, and the page says on how many
	const cores = await page.evaluate(() => navigator.hardwareConcurrency);
	const workers = Math.max(1, Math.min(cores, 4));
	await expect(drift).toHaveAttribute('data-workers', String(workers));
	await expect(widget).toContainText(`Learning rates recomputed in your browser (wasm${workers > 1 ? `, on ${workers} workers` : ''}), μP, seed 2`);
	await expectShippedRow(page, 'mup', 32, 2);
	// the live width-64 nets are the standard ones too; the live μP width 32 is not
	await drift.getByRole('radio', { name: 'standard' }).check();
	await expect(drift.locator('tr.live')).toHaveCount(1);
	await expect(drift.locator('tr.live')).toHaveAttribute('data-width', '64');
});

/** The live row of `width` equals the shipped study's nets of `seed` (the best rate and its test accuracy). */
async function expectShippedRow(page: import('@playwright/test').Page, param: Parametrisation, width: number, seed: number) {
	const shipped = JSON.parse(readFileSync('static/checkpoints/double-it/robust.json', 'utf8')) as { results: RobustResult[] };
	const want = driftRows(shipped.results.filter((r) => r.seed === seed), param).find((r) => r.width === width)!;
	const row = page.locator(`${WIDGET} [data-figure="drift"] tr[data-width="${width}"]`);
	await expect(row).toHaveClass(/live/);
	expect(Number(await row.getAttribute('data-best-lr'))).toBe(want.best);
	expect(Math.abs(Number(await row.getAttribute('data-best-test')) - want.bestTest.mean)).toBeLessThan(1e-6);
}

// A helper worker that goes away without a word in the middle of its first net (only its Web Lock tells)
// hands that net back: the drift panel's plan ends with the shipped numbers all the same.
test('a helper worker that vanishes during the drift panel’s plan leaves its net to the others', async ({ page }) => {
	test.setTimeout(240_000);
	await page.goto('/essays/double-it?backend=wasm&dparam=mup&dwidth=32&seed=2&testhooks');
	const widget = page.locator(WIDGET);
	const drift = page.locator(`${WIDGET} [data-figure="drift"]`);
	await expect(widget).toHaveAttribute('data-phase', 'ready', { timeout: 60_000 });
	const cores = await page.evaluate(() => navigator.hardwareConcurrency);
	test.skip(cores < 2, 'no helper workers on one core');
	await page.evaluate(() => (globalThis as unknown as { __nrsWorker: { breakGridHelper(h: string): Promise<void> } }).__nrsWorker.breakGridHelper('vanish'));
	await drift.scrollIntoViewIfNeeded();
	await drift.locator('[data-action="drift"]').click();
	await expect(drift).toHaveAttribute('data-drift', 'live-done', { timeout: 200_000 });
	await expect(drift.locator('tr.live')).toHaveCount(2);
	// the helper did go (the plan saw one worker fewer), and its net was trained again
	await expect(drift).toHaveAttribute('data-workers-lost', '1');
	await expectShippedRow(page, 'mup', 32, 2);
	await drift.getByRole('radio', { name: 'standard' }).check();
	await expectShippedRow(page, 'sp', 64, 2);
});

test('a tiny robustness recompute (widths 16 and 32, one seed) completes live on wasm', async ({ page }) => {
	test.setTimeout(150_000);
	await page.goto('/essays/double-it?backend=wasm&rmax=32&seed=2');
	const widget = page.locator(WIDGET);
	const robust = page.locator(`${WIDGET} [data-figure="robust"]`);
	await robust.scrollIntoViewIfNeeded();
	await expect(widget).toHaveAttribute('data-phase', 'ready', { timeout: 60_000 });
	await expect(widget).toHaveAttribute('data-backend', 'wasm');
	await robust.locator('[data-action="robust"]').click();
	await expect(robust).toHaveAttribute('data-robust', 'live-done', { timeout: 120_000 });
	await expect(robust).toHaveAttribute('data-robust-points', '2');
	await expect(widget).toContainText('Robustness recomputed in your browser');
	// the axis is a view switch: depth shows the shipped depths, and width your run again
	await robust.getByRole('radio', { name: 'depth' }).check();
	await expect(robust).toHaveAttribute('data-robust', 'shipped');
	await expect(robust).toHaveAttribute('data-robust-points', '5');
	await robust.getByRole('radio', { name: 'width' }).check();
	await expect(robust).toHaveAttribute('data-robust', 'live-done');
});

test('the double-descent panel trains live (one seed) and can be cancelled with its first nets on screen', async ({ page }) => {
	test.setTimeout(150_000);
	await page.goto('/essays/double-it?backend=wasm&ddmax=64&seed=2');
	const widget = page.locator(WIDGET);
	const descent = page.locator(`${WIDGET} [data-figure="descent"]`);
	await descent.scrollIntoViewIfNeeded();
	await expect(widget).toHaveAttribute('data-phase', 'ready', { timeout: 60_000 });
	await descent.locator('[data-action="descent"]').click();
	// the narrowest nets come first, for both training-set sizes
	await expect(descent).toHaveAttribute('data-descent', 'live', { timeout: 120_000 });
	await expect(descent.locator('tr[data-width="2"] td').first()).not.toHaveText('…');
	await expect(descent.locator('tr[data-width="64"] td').first()).toHaveText('…');
	// with a second core the nets are shared with helper workers; each finished one equals the shipped net of its seed
	const cores = await page.evaluate(() => navigator.hardwareConcurrency);
	const workers = Math.max(1, Math.min(cores, 4));
	await expect(descent).toHaveAttribute('data-workers', String(workers));
	await expect.poll(async () => Number(await descent.getAttribute('data-descent-runs')), { timeout: 120_000 }).toBeGreaterThanOrEqual(4);
	await descent.getByRole('button', { name: 'Cancel' }).click();
	const shipped = JSON.parse(readFileSync('static/checkpoints/double-it/descent.json', 'utf8')) as { results: { seed: number; width: number; nTrain: number; testLoss: number }[] };
	let compared = 0;
	for (const width of [2, 4, 6, 8]) {
		const cells = descent.locator(`tr[data-width="${width}"] td`);
		for (const [col, nTrain] of [[2, 1000], [5, 2000]] as const) {
			const text = await cells.nth(col).textContent();
			if (text === '…') continue;
			const want = shipped.results.find((r) => r.seed === 2 && r.width === width && r.nTrain === nTrain)!;
			expect(text, `width ${width}, ${nTrain} digits`).toBe(want.testLoss.toFixed(2));
			compared++;
		}
	}
	expect(compared).toBeGreaterThanOrEqual(2);
	await expect(widget).toHaveAttribute('data-busy', 'idle');
	await expect(descent.locator('[data-descent-verdict]')).toContainText('Not decided yet');
});
