import { readFileSync } from 'node:fs';
import { test, expect, noHorizontalScroll } from './helpers';
import { BASELINE, VERDICT_ROWS, planGrid } from '../../src/lib/ml/experiments/double-it-defaults';

const WIDGET = '[data-widget="double-it"]';

test.describe('without the digit data', () => {
	// the aborted download is logged by the browser itself
	test.use({ allowedErrors: [/ERR_FAILED|Failed to load resource/] });

	test('shows the shipped grid, its broke flags, the verdict and the essay numbers before tfjs has loaded', async ({ page }) => {
		await page.route('**/data/mnist.bin*', (route) => route.abort());
		await page.goto('/essays/double-it');
		const widget = page.locator(WIDGET);
		await expect(widget).toHaveAttribute('data-grid', 'shipped');
		expect(Number(await widget.getAttribute('data-grid-cells'))).toBeGreaterThanOrEqual(40);
		// the baseline cell has a number, and the verdict was computed from the shipped grid
		expect(Number(await page.locator(`${WIDGET} [data-cell="width@1"]`).getAttribute('data-mean'))).toBeGreaterThan(0.8);
		await expect(page.getByTestId('verdict')).toContainText(/single doublings or halvings/);
		// the deliberately broken control row is flagged
		await expect(page.locator(`${WIDGET} [data-cell="naiveDepth@4"]`)).toHaveAttribute('data-broke', 'true');
		await expect(page.locator('[data-stat="width@1"]').first()).toContainText('±');
		await expect(page.locator(`${WIDGET} [data-figure="learn"] tbody tr`)).toHaveCount(6);
		await expect(widget).toHaveAttribute('data-phase', 'failed', { timeout: 60_000 });
	});

	test('375 px wide: no horizontal scroll', async ({ page }) => {
		await page.setViewportSize({ width: 375, height: 800 });
		await page.route('**/data/mnist.bin*', (route) => route.abort());
		await page.goto('/essays/double-it');
		await expect(page.locator(WIDGET)).toHaveAttribute('data-grid', 'shipped');
		await noHorizontalScroll(page);
	});
});

test('URL state round-trips, a click on a cell goes into the link, and a link to the costliest cell trains nothing on load', async ({ page }) => {
	// width ×8 (512 units): the grid's most expensive cell; a link only selects it
	await page.goto('/essays/double-it?cell=width@8&seed=7&seeds=2');
	const widget = page.locator(WIDGET);
	await expect(widget).toHaveAttribute('data-cell', 'width@8');
	await expect(page.locator(`${WIDGET} [data-cell="width@8"]`)).toHaveAttribute('aria-pressed', 'true');
	await expect(widget).toHaveAttribute('data-phase', 'ready', { timeout: 60_000 });
	await expect(widget).toHaveAttribute('data-busy', 'idle');
	await expect(widget).toHaveAttribute('data-cell-live', 'none');
	await expect(page.getByRole('spinbutton', { name: /Seed of a live cell/ })).toHaveValue('7');
	await page.locator(`${WIDGET} [data-cell="depth@4"]`).click();
	await expect(widget).toHaveAttribute('data-cell', 'depth@4');
	await expect(page).toHaveURL(/cell=depth%404|cell=depth@4/);
	await expect(page).toHaveURL(/seed=7/);
});

test('garbage parameters are clamped with a visible note', async ({ page }) => {
	await page.goto('/essays/double-it?cell=%3Cscript%3Ealert(1)%3C/script%3E&seed=-5&seeds=99&learnmax=3');
	const widget = page.locator(WIDGET);
	await expect(widget).toContainText(/cell/);
	await expect(widget).toContainText(/seeds/);
	expect(await page.locator(`${WIDGET} script`).count()).toBe(0);
	await expect(widget).toHaveAttribute('data-cell', 'learningRate@8');
	await expect(page.getByRole('spinbutton', { name: /Seed of a live cell/ })).toHaveValue('1');
});

// A live cell on every backend. wasm retrains a whole cell beside the baseline; the others take one
// Step (the baseline's first 50 steps and one test evaluation: a tiny workload), then Cancel & reset:
// WebGPU here is SwiftShader (~30× slower than wasm), WebGL software-rendered too, and cpu is plain JS.
for (const backend of ['wasm', 'webgl', 'cpu', 'webgpu'] as const) {
	const whole = backend === 'wasm';
	test(`a cell retrains live beside the baseline on ${backend}${whole ? '' : ' (one Step)'}`, async ({ page }) => {
		test.setTimeout(180_000);
		// batch 16: the cheapest cell per step; it and the baseline train one after the other
		await page.goto(`/essays/double-it?backend=${backend}&cell=batchSize@0.25&seed=2`);
		const widget = page.locator(WIDGET);
		await page.locator(`${WIDGET} [data-figure="cell"]`).scrollIntoViewIfNeeded();
		await expect(widget).toHaveAttribute('data-phase', 'ready', { timeout: 60_000 });
		await expect(widget).toHaveAttribute('data-backend', backend);
		const controls = page.locator(`${WIDGET} [data-action="retrain-cell"]`);
		if (whole) {
			await controls.locator('button.primary').click();
			await expect(widget).toHaveAttribute('data-cell-live', 'running');
			await expect(widget).toHaveAttribute('data-cell-live', 'done', { timeout: 150_000 });
			await expect(widget).toContainText('retrained in your browser');
			await expect(page.getByTestId('provenance')).toContainText(`(${backend})`);
		} else {
			// the first Step starts the retrain paused at its start; the second lets one chunk through
			const step = controls.getByRole('button', { name: 'Step' });
			await step.click();
			await expect(widget).toHaveAttribute('data-cell-live', 'running');
			await expect(widget).toHaveAttribute('data-paused', 'true');
			await expect(widget).toHaveAttribute('data-cell-points', '0');
			await step.click();
			await expect(widget).toHaveAttribute('data-cell-points', '1', { timeout: 150_000 });
			await expect(widget).toHaveAttribute('data-paused', 'true');
			await controls.getByRole('button', { name: /Cancel/ }).click();
			await expect(widget).toHaveAttribute('data-busy', 'idle');
		}
	});
}

test('"Check the claim here" trains only the verdict’s cells (one seed, wasm) and decides the verdict from them', async ({ page }) => {
	test.setTimeout(420_000);
	await page.goto('/essays/double-it?backend=wasm&seeds=1');
	const widget = page.locator(WIDGET);
	await expect(widget).toHaveAttribute('data-phase', 'ready', { timeout: 60_000 });
	// the hint prices both buttons before anything runs
	await expect(page.locator(`${WIDGET} [data-plan-cost]`)).toContainText(/the check trains 11 nets .*the whole grid 36/);
	await page.locator(`${WIDGET} [data-action="check"]`).click();
	await expect(widget).toHaveAttribute('data-grid-check', 'true');
	await expect(widget).toHaveAttribute('data-grid', 'live');
	// the edges are not part of a check, and the table says so instead of waiting for them
	await expect(page.locator(`${WIDGET} [data-cell="width@8"]`)).toHaveAttribute('data-skipped', 'true');
	await expect(page.locator(`${WIDGET} [data-cell="naiveDepth@4"]`)).toContainText('not run');
	await expect(page.getByTestId('verdict')).toContainText('Not decided yet');
	await expect(widget).toHaveAttribute('data-grid-done', 'true', { timeout: 400_000 });
	await expect(widget).toHaveAttribute('data-grid-runs', '11');
	await expect(page.getByTestId('verdict')).toContainText(/(Holds|Fails) in this run: \d+ of 12 single doublings or halvings/);
	// every counted cell has a number from this run
	for (const id of ['width@0.5', 'width@2', 'steps@2', 'learningRate@0.5']) expect(Number(await page.locator(`${WIDGET} [data-cell="${id}"]`).getAttribute('data-mean'))).toBeGreaterThan(0.5);
	// with a second core the plan is shared with helper workers, and the page says on how many it ran
	const cores = await page.evaluate(() => navigator.hardwareConcurrency);
	const workers = Number(await widget.getAttribute('data-grid-workers'));
	expect(workers).toBe(Math.max(1, Math.min(cores, 4)));
	await expect(widget).toContainText(workers > 1 ? `Claim checked in your browser (wasm, on ${workers} workers)` : 'Claim checked in your browser (wasm) in');
	// whichever worker trained a net, its numbers are the shipped seed-1 run's (wasm in Node, same seeds)
	await expectShippedNumbers(page, planGrid(VERDICT_ROWS, [1], BASELINE, { curves: false }).sources);
});

type Shipped = { runs: { id: string; curve: { step: number; accuracy: number }[] }[] };
/** Each cell's live number equals the shipped run's accuracy at the same step, where the shipped grid has that run (at least 8 of them). */
async function expectShippedNumbers(page: import('@playwright/test').Page, sources: { cell: string; runId: string; step: number }[]) {
	const shipped = JSON.parse(readFileSync('static/checkpoints/double-it/results.json', 'utf8')) as Shipped;
	let compared = 0;
	for (const s of sources) {
		const point = shipped.runs.find((r) => r.id === s.runId)?.curve.find((p) => p.step === s.step);
		if (!point) continue;
		const live = Number(await page.locator(`${WIDGET} [data-cell="${s.cell}"]`).getAttribute('data-mean'));
		expect(Math.abs(live - point.accuracy), `${s.cell}: live ${live}, shipped ${point.accuracy}`).toBeLessThan(1e-6);
		compared++;
	}
	expect(compared).toBeGreaterThanOrEqual(8);
}

test('the whole grid can be cancelled: what finished stays, the rest waits', async ({ page }) => {
	test.setTimeout(180_000);
	await page.goto('/essays/double-it?backend=wasm&seeds=1');
	const widget = page.locator(WIDGET);
	await expect(widget).toHaveAttribute('data-phase', 'ready', { timeout: 60_000 });
	await page.locator(`${WIDGET} [data-action="grid"]`).click();
	await expect(widget).toHaveAttribute('data-grid-check', 'false');
	await expect.poll(async () => Number(await widget.getAttribute('data-grid-runs')), { timeout: 150_000 }).toBeGreaterThan(0);
	await page.locator(`${WIDGET} [data-figure="grid"]`).getByRole('button', { name: 'Cancel' }).click();
	await expect(widget).toHaveAttribute('data-busy', 'idle');
	await expect(widget).toContainText('Grid stopped');
	await expect(widget).toHaveAttribute('data-grid-done', 'false');
	expect(Number(await widget.getAttribute('data-grid-runs'))).toBeGreaterThan(0);
	// no cell of a whole-grid run is marked as skipped
	expect(await page.locator(`${WIDGET} [data-skipped]`).count()).toBe(0);
});

// A helper worker that fails to load ('load'), or goes away without a word in the middle of its first
// net ('vanish': only its Web Lock tells), hands its nets back: the plan ends with the same numbers.
// Only 'vanish' runs in the suite (it takes the longer path; 'load' was checked by hand).
for (const how of ['vanish'] as ('load' | 'vanish')[]) {
	test(`a helper worker that ${how === 'load' ? 'cannot load' : 'vanishes'} leaves its nets to the others: the check finishes with the same numbers`, async ({ page }) => {
		test.setTimeout(420_000);
		await page.goto('/essays/double-it?backend=wasm&seeds=1&testhooks');
		const widget = page.locator(WIDGET);
		await expect(widget).toHaveAttribute('data-phase', 'ready', { timeout: 60_000 });
		const cores = await page.evaluate(() => navigator.hardwareConcurrency);
		test.skip(cores < 2, 'no helper workers on one core');
		await page.evaluate((how) => (globalThis as unknown as { __nrsWorker: { breakGridHelper(h: string): Promise<void> } }).__nrsWorker.breakGridHelper(how), how);
		await page.locator(`${WIDGET} [data-action="check"]`).click();
		await expect(widget).toHaveAttribute('data-grid-done', 'true', { timeout: 400_000 });
		await expect(widget).toHaveAttribute('data-grid-runs', '11');
		if (cores === 2 && how === 'load') await expect(widget).toHaveAttribute('data-grid-workers', '1');
		// the helper that vanished was seen to go (its nets were trained again)
		if (how === 'vanish') await expect(widget).toHaveAttribute('data-grid-workers-lost', '1');
		await expectShippedNumbers(page, planGrid(VERDICT_ROWS, [1], BASELINE, { curves: false }).sources);
	});
}
