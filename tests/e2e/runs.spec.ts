// Pause and cancel reach the worker's run at once, not at the end of a training chunk, even with the
// page's CPU throttled 4×; Cancel followed by a new run leaves exactly one run going. The worker
// records, per run, how many training steps it made after a pause or cancel arrived: that count (not
// a wall-clock time, which a loaded machine stretches) is what is asserted; the latencies are logged.
import type { Page } from '@playwright/test';
import { test, expect } from './helpers';

type RunRecord = { id: number; cancelled: boolean; cancelLatencyMs: number | null; stepsAfterCancel: number; pauseLatencyMs: number | null; stepsAfterPause: number };
type Hooks = { __nrsWorker: { runHistory(): Promise<RunRecord[]>; activeRuns(): Promise<number[]> } };

const WIDGET = '[data-widget="layer-swap"]';
const worker = <T>(page: Page, fn: (w: Hooks['__nrsWorker']) => Promise<T>) =>
	page.evaluate(`(${fn.toString()})(globalThis.__nrsWorker)`) as Promise<T>;

test('pause and cancel take effect within a few steps of a 200-step chunk, CPU throttled 4×', async ({ page }) => {
	test.setTimeout(240_000);
	// 200 steps per progress update: without yields inside a chunk, a pause or cancel would wait for up
	// to 400 steps (both nets' chunks) before the worker even read it.
	await page.goto('/essays/modularity?backend=wasm&width=64&steps=5000&spu=200&testhooks');
	const cdp = await page.context().newCDPSession(page);
	await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
	const widget = page.locator(WIDGET);
	const train = page.getByTestId('train');
	await train.scrollIntoViewIfNeeded();
	await expect(widget).toHaveAttribute('data-busy', 'train', { timeout: 120_000 });
	await expect.poll(async () => Number(await train.getAttribute('data-points')), { timeout: 120_000 }).toBeGreaterThan(0);

	await page.getByRole('button', { name: 'Pause' }).click();
	await expect(widget).toHaveAttribute('data-paused', 'true');
	await page.getByRole('button', { name: 'Play' }).click();
	await expect(widget).toHaveAttribute('data-paused', 'false');

	const clicked = Date.now();
	await page.getByRole('button', { name: 'Cancel & reset' }).click();
	await expect(widget).not.toHaveAttribute('data-busy', 'train');
	const pageMs = Date.now() - clicked;
	await expect.poll(() => worker(page, (w) => w.activeRuns()).then((r) => r.length), { timeout: 30_000 }).toBe(0);
	const history = await worker(page, (w) => w.runHistory());
	const run = history.find((r) => r.cancelled);
	expect(run, JSON.stringify(history)).toBeTruthy();
	test.info().annotations.push({
		type: 'latency',
		description: `page shows idle ${pageMs} ms after the click; worker: pause took ${run!.pauseLatencyMs?.toFixed(0)} ms (${run!.stepsAfterPause} steps), cancel ${run!.cancelLatencyMs?.toFixed(0)} ms (${run!.stepsAfterCancel} steps)`
	});
	expect(run!.pauseLatencyMs).not.toBeNull();
	expect(run!.stepsAfterPause).toBeLessThanOrEqual(10);
	expect(run!.stepsAfterCancel).toBeLessThanOrEqual(10);
	// after the reset the shipped nets come back live
	await expect(widget).toHaveAttribute('data-source', /live|shipped/);
});

test('Cancel followed at once by Retrain leaves one run going, not two', async ({ page }) => {
	test.setTimeout(180_000);
	await page.goto('/essays/modularity?backend=wasm&depth=2&width=16&steps=5000&spu=5&testhooks');
	const widget = page.locator(WIDGET);
	await page.getByTestId('train').scrollIntoViewIfNeeded();
	await expect(widget).toHaveAttribute('data-busy', 'train', { timeout: 90_000 });
	await page.getByRole('button', { name: 'Cancel & reset' }).click();
	await page.getByRole('button', { name: 'Retrain live' }).click();
	await expect(widget).toHaveAttribute('data-busy', 'train');
	// the cancelled run has ended in the worker, and only the new one goes on
	await expect.poll(() => worker(page, (w) => w.runHistory()).then((h) => h.filter((r) => r.cancelled).length), { timeout: 30_000 }).toBe(1);
	expect(await worker(page, (w) => w.activeRuns()).then((r) => r.length)).toBe(1);
	await page.getByRole('button', { name: 'Cancel & reset' }).click();
	await expect.poll(() => worker(page, (w) => w.activeRuns()).then((r) => r.length), { timeout: 30_000 }).toBe(0);
});
