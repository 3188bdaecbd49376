// The GPU goes away in the middle of training (a driver reset, the browser reclaiming the GPU), in every
// widget: the worker moves to the next backend and restarts the run from its seed there, the widget says
// exactly that, and the run finishes. The worker's `loseDevice` test hook destroys the WebGPU device (or
// loses the WebGL context). Small runs, so that SwiftShader's WebGPU gets through them.
import type { Locator, Page } from '@playwright/test';
import { test, expect } from './helpers';

type Hooks = { loseDevice(): Promise<boolean>; numTensors(): Promise<number>; activeRuns(): Promise<number[]> };
const hooks = <T>(page: Page, f: (w: Hooks) => Promise<T>) => page.evaluate(f, undefined as never);
const numTensors = (page: Page) => page.evaluate(() => (globalThis as unknown as { __nrsWorker: Hooks }).__nrsWorker.numTensors());
const loseDevice = (page: Page) => page.evaluate(() => (globalThis as unknown as { __nrsWorker: Hooks }).__nrsWorker.loseDevice());
const activeRuns = (page: Page) => page.evaluate(() => (globalThis as unknown as { __nrsWorker: Hooks }).__nrsWorker.activeRuns());
void hooks;

/** The widget's run progress bar, in percent (0 until it shows). */
async function progress(widget: Locator): Promise<number> {
	const bars = widget.locator('[role="progressbar"][aria-valuenow]');
	const values = await bars.evaluateAll((els) => els.map((e) => Number(e.getAttribute('aria-valuenow'))));
	return Math.max(0, ...values);
}

/**
 * Wait until `busy` is going and has visibly progressed on `backend`, then lose the GPU. Returns the
 * worker's tensor count just before the loss.
 */
async function loseMidRun(page: Page, widget: Locator, busy: string, backend: 'webgpu' | 'webgl'): Promise<number> {
	await expect(widget).toHaveAttribute('data-backend', backend, { timeout: 60_000 });
	await expect(widget).toHaveAttribute('data-busy', busy, { timeout: 60_000 });
	await expect.poll(() => progress(widget), { timeout: 60_000 }).toBeGreaterThanOrEqual(1);
	const before = await numTensors(page);
	expect(await loseDevice(page)).toBe(true);
	return before;
}

/** After the loss: another backend, a true note, the run restarted and finished, nothing left running or leaking. */
async function finishedElsewhere(page: Page, widget: Locator, what: RegExp, tensorsBefore: number, timeout = 60_000) {
	await expect(widget).toHaveAttribute('data-backend', 'wasm', { timeout: 30_000 });
	const status = widget.getByTestId('status');
	await expect(status).toContainText(/The GPU (device )?was lost/);
	await expect(status).toContainText(new RegExp(`${what.source} restarted from the seed on wasm\\.`));
	await expect(widget).toHaveAttribute('data-busy', 'idle', { timeout });
	await expect(status).not.toContainText(/carried on|Press play|cancelled|stopped/i);
	await expect(widget.locator('.problem')).toHaveCount(0);
	expect(await activeRuns(page)).toEqual([]);
	// the lost device's tensors are dropped once (they cannot be freed), not leaked per step
	expect(await numTensors(page)).toBeLessThan(2 * tensorsBefore + 50);
}

test('layer-swap: the training restarts from the seed on wasm and finishes', async ({ page }) => {
	test.setTimeout(120_000);
	await page.goto('/essays/modularity?backend=webgpu&depth=2&width=16&steps=100&testhooks');
	const widget = page.locator('[data-widget="layer-swap"]');
	await page.getByTestId('train').scrollIntoViewIfNeeded();
	const before = await loseMidRun(page, widget, 'train', 'webgpu');
	await finishedElsewhere(page, widget, /the training/, before);
	await expect(widget).toHaveAttribute('data-source', 'trained');
	await expect(widget.getByTestId('status')).toContainText(/Trained live in [\d.]+ s on wasm/);
	// the live curve is the restarted run's alone: one point per reported step, none left over from webgpu
	const train = page.getByTestId('train');
	expect(Number(await train.getAttribute('data-points'))).toBeGreaterThanOrEqual(4);
	expect(Number(await train.getAttribute('data-last-loss'))).toBeLessThan(Number(await train.getAttribute('data-first-loss')));
	// nothing leaks on the new backend
	const settled = await numTensors(page);
	await page.getByRole('button', { name: 'Reverse all' }).click();
	await expect(widget).toHaveAttribute('data-busy', 'idle');
	await expect.poll(() => numTensors(page)).toBe(settled);
});
