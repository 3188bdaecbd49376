import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect, noHorizontalScroll } from './helpers';

const WIDGET = '[data-widget="credit"]';

/** Bring the widget on screen: training pauses while it is off screen. */
async function show(page: Page) {
	await page.locator(`${WIDGET} [data-testid="race"]`).scrollIntoViewIfNeeded();
}

async function attr(page: Page, testId: string, name: string): Promise<number> {
	return Number(await page.getByTestId(testId).getAttribute(name));
}

test.describe('without the digit data', () => {
	// the aborted download is logged by the browser itself
	test.use({ allowedErrors: [/ERR_FAILED|Failed to load resource/] });

	test('shows the shipped figures and numbers before tfjs has loaded', async ({ page }) => {
		await page.route('**/data/mnist.bin*', (route) => route.abort());
		await page.goto('/essays/credit-assignment');
		const widget = page.locator(WIDGET);
		await expect(widget).toHaveAttribute('data-race', 'shipped');
		await expect(widget).toHaveAttribute('data-cosine', 'shipped');
		await expect(page.getByTestId('verdict')).toContainText('Shown by this run');
		expect(await attr(page, 'final-sgd', 'data-value')).toBeGreaterThan(await attr(page, 'final-es', 'data-value'));
		// the figures are the shipped file's (a stale build or bundle would show another race)
		const file = JSON.parse(readFileSync('static/checkpoints/credit/results.json', 'utf8')) as { race: Record<string, { accuracy: number }[]> };
		for (const m of ['sgd', 'es', 'ga']) expect(await attr(page, `final-${m}`, 'data-value')).toBe(file.race[m].at(-1)!.accuracy);
		await expect(page.locator('[data-stat="esAcc"]').first()).toContainText('±');
		await expect(page.locator(`${WIDGET} [data-figure="pictures"] canvas`)).toHaveCount(6);
		expect(Number(await page.locator('[data-figure="sweep"]').getAttribute('data-points'))).toBeGreaterThanOrEqual(2);
		await expect(widget).toHaveAttribute('data-phase', 'failed', { timeout: 60_000 });
	});

	test('ES with 100,000 useless parameters: the shipped rerun matches ES, and the cosine on the useful parameters is the one without them', async ({ page }) => {
		await page.route('**/data/mnist.bin*', (route) => route.abort());
		await page.goto('/essays/credit-assignment');
		await expect(page.locator(WIDGET)).toHaveAttribute('data-race', 'shipped');
		const es = await attr(page, 'final-es', 'data-value');
		expect(await attr(page, 'final-es-useless', 'data-value')).toBe(es);
		await expect(page.getByTestId('final-es-useless')).toContainText('ES + 100,000 useless parameters');
		await expect(page.getByTestId('useless-gap')).toContainText('0 (identical)');
		await expect(page.getByTestId('verdict')).toContainText('exactly the same');
		const plain = await attr(page, 'cos-n16', 'data-value');
		await expect(page.getByTestId('cos-n16-useful')).toHaveCount(0);
		await page.goto('/essays/credit-assignment?useless=100000');
		// the shipped k = 100,000 curve is up once the useful cosine shows (the URL is read on hydration)
		await expect(page.getByTestId('cos-n16-useful')).toHaveAttribute('data-value', String(plain));
		await expect(page.locator(WIDGET)).toHaveAttribute('data-cosine', 'shipped');
		expect(await attr(page, 'cos-n16', 'data-value')).toBeLessThan(plain / 2);
	});

	test('the compute-to-target study: backprop reaches 80 % first at every width, and the study states its own check', async ({ page }) => {
		await page.route('**/data/mnist.bin*', (route) => route.abort());
		await page.goto('/essays/credit-assignment');
		const panel = page.getByTestId('targets');
		await expect(panel).toBeVisible();
		for (const h of [8, 32]) {
			const sgd = Number(await page.getByTestId(`target-${h}-sgd-80`).getAttribute('data-value'));
			expect(sgd).toBeGreaterThan(0);
			for (const m of ['es', 'ga']) {
				const cell = page.getByTestId(`target-${h}-${m}-80`);
				const v = await cell.getAttribute('data-value');
				// '' is "more than the budget"
				if (v === '') await expect(cell).toContainText('> ');
				else expect(Number(v)).toBeGreaterThan(sgd);
			}
		}
		await expect(page.getByTestId('targets-check')).toContainText(/^(Shown|Not shown) by the study: /);
		await expect(page.getByTestId('curvature')).toContainText('tr(F)/λ');
	});

	test('375 px wide: no horizontal scroll', async ({ page }) => {
		await page.setViewportSize({ width: 375, height: 800 });
		await page.route('**/data/mnist.bin*', (route) => route.abort());
		await page.goto('/essays/credit-assignment');
		await expect(page.locator(WIDGET)).toHaveAttribute('data-race', 'shipped');
		await noHorizontalScroll(page);
	});
});

// A tiny race on every backend (WebGPU here is SwiftShader, ~30× slower than wasm): h = 4, N = 2,
// budget 300. Fast backends start it on their own after measuring the cosine; slow ones wait for play.
for (const backend of ['wasm', 'webgl', 'cpu', 'webgpu'] as const) {
	test(`the race runs live on ${backend} and every curve moves`, async ({ page }) => {
		const slow = backend === 'webgpu' || backend === 'cpu';
		test.setTimeout(slow ? 120_000 : 60_000);
		await page.goto(`/essays/credit-assignment?backend=${backend}&width=4&budget=300&pairs=4`);
		await show(page);
		const widget = page.locator(WIDGET);
		await expect(widget).toHaveAttribute('data-phase', 'ready', { timeout: 60_000 });
		await expect(widget).toHaveAttribute('data-backend', backend);
		if (slow) {
			await expect(widget).toHaveAttribute('data-race', 'none');
			await page.locator(`${WIDGET} [data-testid="race"]`).getByRole('button', { name: 'Play' }).click();
		}
		await expect(widget).toHaveAttribute('data-race', 'live', { timeout: 60_000 });
		// every method passes a few checkpoints (15 forward passes apart): all three curves move
		for (const m of ['sgd', 'es', 'ga'])
			await expect
				.poll(() => attr(page, `final-${m}`, 'data-compute'), { timeout: slow ? 90_000 : 45_000 })
				.toBeGreaterThanOrEqual(45);
		expect(Number(await page.getByTestId('race').getAttribute('data-points'))).toBeGreaterThanOrEqual(3 * 4);
		await expect(page.getByTestId('verdict')).toContainText(/backprop reached/);
		if (!slow) await expect(widget).toHaveAttribute('data-cosine', 'live');
	});
}

test('Step starts a race paused at its start, steps one checkpoint, and Cancel & reset goes back', async ({ page }) => {
	test.setTimeout(90_000);
	await page.goto('/essays/credit-assignment?backend=wasm&width=4&budget=300&pairs=4&testhooks');
	await show(page);
	const widget = page.locator(WIDGET);
	await expect(widget).toHaveAttribute('data-phase', 'ready', { timeout: 60_000 });
	// a fast backend runs the race on its own first: let it finish
	await expect(widget).toHaveAttribute('data-race', 'live', { timeout: 60_000 });
	await expect(widget).toHaveAttribute('data-race-done', 'true', { timeout: 60_000 });
	await expect(widget).toHaveAttribute('data-busy', 'idle');
	// ES rerun with the default 100,000 useless parameters, live on wasm: not a point apart anywhere
	expect(await attr(page, 'final-es-useless', 'data-compute')).toBe(await attr(page, 'final-es', 'data-compute'));
	expect(await attr(page, 'final-es-useless', 'data-gap')).toBe(0);
	const race = page.getByTestId('race');
	await race.getByRole('button', { name: 'Step' }).click();
	await expect(widget).toHaveAttribute('data-busy', 'race');
	await expect(widget).toHaveAttribute('data-paused', 'true');
	await expect(widget).toHaveAttribute('data-race-done', 'false');
	await expect(race).toHaveAttribute('data-points', '3'); // the shared starting point only
	await race.getByRole('button', { name: 'Step' }).click();
	await expect(race).toHaveAttribute('data-points', '6', { timeout: 20_000 }); // one checkpoint per method
	expect(await attr(page, 'final-sgd', 'data-compute')).toBe(15);
	// once the worker's run is blocked in its pause no point can arrive, so the count is final
	await expect
		.poll(() => page.evaluate(() => (globalThis as unknown as { __nrsWorker: { runStates(): Promise<{ paused: boolean; waiting: boolean }[]> } }).__nrsWorker.runStates()), { timeout: 20_000 })
		.toEqual([expect.objectContaining({ paused: true, waiting: true })]);
	await expect(race).toHaveAttribute('data-points', '6'); // and no further: still paused
	await expect(widget).toHaveAttribute('data-paused', 'true');
	await race.getByRole('button', { name: 'Cancel & reset' }).click();
	await expect(widget).toHaveAttribute('data-busy', 'idle');
	await expect(widget).toHaveAttribute('data-paused', 'false');
	await expect(widget).toHaveAttribute('data-race', 'none'); // these settings have no shipped race
});

test('the sweep produces points, can be cancelled, and reuses finished widths', async ({ page }) => {
	test.setTimeout(90_000);
	await page.goto('/essays/credit-assignment?backend=wasm&budget=300&pairs=2');
	const widget = page.locator(WIDGET);
	await expect(widget).toHaveAttribute('data-phase', 'ready', { timeout: 60_000 });
	const sweep = page.locator('[data-figure="sweep"]');
	await sweep.scrollIntoViewIfNeeded();
	await page.locator('[data-action="sweep"]').click();
	await expect(widget).toHaveAttribute('data-busy', 'sweep');
	await expect(widget).toHaveAttribute('data-sweep', 'live', { timeout: 60_000 });
	await expect(sweep).toHaveAttribute('data-points', /^[1-4]$/);
	await page.locator('[data-action="cancel-sweep"]').click();
	await expect(widget).toHaveAttribute('data-busy', 'idle');
	const done = Number(await sweep.getAttribute('data-points'));
	await expect(page.locator('[data-action="sweep"]')).toBeEnabled();
	// rerun: the finished widths come back at once
	await page.locator('[data-action="sweep"]').click();
	await expect(sweep).toHaveAttribute('data-points', String(Math.max(done, 1)), { timeout: 5_000 });
	await page.locator('[data-action="cancel-sweep"]').click();
});

test('the compute-to-target study recomputes live: the table fills run by run, Cancel keeps the runs so far, and a full run gives the shipped seed-1 numbers', async ({ page }) => {
	test.setTimeout(150_000);
	// seed 1 at h = 8 and 32: ES at h = 32 (seconds) leaves Cancel ample time to land before the end;
	// budget=300 keeps the race the page starts on load short
	await page.goto('/essays/credit-assignment?backend=wasm&budget=300&studywidths=32&studyseeds=1');
	const widget = page.locator(WIDGET);
	await expect(widget).toHaveAttribute('data-phase', 'ready', { timeout: 60_000 });
	const panel = page.getByTestId('targets');
	await panel.scrollIntoViewIfNeeded();
	await expect(panel).toHaveAttribute('data-source', 'shipped');
	await expect(page.getByTestId('targets-work')).toContainText('trains 6 nets');
	await page.locator('[data-action="targets"]').click();
	await expect(widget).toHaveAttribute('data-busy', 'targets');
	await expect(panel).toHaveAttribute('data-source', 'live');
	await expect(page.getByTestId('targets-source')).toContainText('Yours, so far');
	// backprop's run comes first: a live number in its row while the later runs' cells wait
	await expect(page.getByTestId('target-8-sgd-70')).toHaveAttribute('data-seeds', '1', { timeout: 60_000 });
	expect(Number(await page.getByTestId('target-8-sgd-70').getAttribute('data-value'))).toBeGreaterThan(0);
	await expect(page.getByTestId('target-32-es-70')).toHaveText('…');
	await expect(page.getByTestId('target-128-sgd-70')).toHaveCount(0); // the live table has the widths asked for only
	await panel.getByRole('group', { name: 'Training controls' }).getByRole('button', { name: 'Cancel' }).click();
	await expect(widget).toHaveAttribute('data-busy', 'idle');
	await expect(panel).toHaveAttribute('data-done', 'false');
	const kept = Number(await panel.getAttribute('data-runs'));
	expect(kept).toBeGreaterThanOrEqual(1);
	expect(kept).toBeLessThan(6);
	await expect(page.getByTestId('target-32-ga-70')).toHaveText('…');
	await expect(page.getByTestId('targets-source')).toContainText('(stopped)');
	// h = 8 only, to the end: seed 1's crossings are the shipped ones (same seeds, settings and backend)
	await panel.getByRole('radio', { name: '8', exact: true }).check();
	await expect(page).toHaveURL(/studywidths=8(&|$)/);
	await expect(page.getByTestId('targets-work')).toContainText('trains 3 nets');
	await page.locator('[data-action="targets"]').click();
	await expect(panel).toHaveAttribute('data-done', 'true', { timeout: 120_000 });
	await expect(panel).toHaveAttribute('data-runs', '3');
	await expect(page.getByTestId('target-32-sgd-70')).toHaveCount(0);
	const file = JSON.parse(readFileSync('static/checkpoints/credit/targets.json', 'utf8')) as { table: { width: number; method: string; seeds: number[]; at: (number | null)[][] }[] };
	for (const m of ['sgd', 'es', 'ga'])
		for (const [i, t] of [70, 80, 90].entries()) {
			const row = file.table.find((r) => r.width === 8 && r.method === m)!;
			const shipped = row.at[i][row.seeds.indexOf(1)];
			await expect(page.getByTestId(`target-8-${m}-${t}`)).toHaveAttribute('data-value', shipped === null ? '' : String(shipped));
		}
	await expect(page.getByTestId('targets-source')).toContainText(/^Yours: computed in your browser \(wasm\) in \d+ s, seed 1\. Every crossing is the shipped one \(9 of 9\)\.$/);
	await expect(page.getByTestId('targets-match')).toHaveAttribute('data-differ', '0');
	await expect(page.getByTestId('targets-match')).toHaveAttribute('data-compared', '9');
	await expect(page.getByTestId('targets-check')).toContainText(/^(Shown|Not shown) by your run: /);
	await expect(page.getByTestId('curvature')).toContainText('h = 8: tr(F)/λ');
	await page.locator('[data-action="targets-shipped"]').click();
	await expect(panel).toHaveAttribute('data-source', 'shipped');
});

test('URL state round-trips', async ({ page }) => {
	await page.goto('/essays/credit-assignment?useless=50000&width=16&pairs=8&seed=7');
	await expect(page.getByRole('slider', { name: /Useless parameters/ })).toHaveValue('50000');
	await expect(page.getByRole('slider', { name: /Hidden units/ })).toHaveValue('16');
	await page.locator(WIDGET).getByText('Race settings').click();
	await expect(page.getByRole('slider', { name: /ES population/ })).toHaveValue('8');
	await expect(page.getByRole('spinbutton', { name: /Seed/ })).toHaveValue('7');
	await page.getByRole('slider', { name: /Useless parameters/ }).focus();
	await page.keyboard.press('ArrowRight');
	await expect(page).toHaveURL(/useless=55000/);
	await expect(page).toHaveURL(/seed=7/);
});

test('garbage parameters are clamped with a visible note', async ({ page }) => {
	await page.goto('/essays/credit-assignment?useless=-5&width=abc&pairs=99999&sigma=%3Cscript%3Ealert(1)%3C/script%3E');
	const widget = page.locator(WIDGET);
	await expect(widget).toContainText('pairs=99999');
	await expect(widget).toContainText(/sigma/);
	await expect(widget).toContainText(/useless/);
	expect(await page.locator(`${WIDGET} script`).count()).toBe(0);
	await expect(page.getByRole('slider', { name: /Useless parameters/ })).toHaveValue('0');
	await page.locator(WIDGET).getByText('Race settings').click();
	await expect(page.getByRole('slider', { name: /ES population/ })).toHaveValue('128');
});
