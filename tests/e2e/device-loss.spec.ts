// The GPU goes away in the middle of training (a driver reset, the browser reclaiming the GPU), in every
// widget: the worker moves to the next backend and restarts the run from its seed there, the widget says
// exactly that, and the run finishes. The worker's `loseDevice` test hook destroys the WebGPU device (or
// loses the WebGL context). Small runs, so that SwiftShader's WebGPU gets through them.
import type { Locator, Page } from '@playwright/test';
import { test, expect } from './helpers';

type Hooks = {
	loseDevice(): Promise<boolean>;
	numTensors(): Promise<number>;
	activeRuns(): Promise<number[]>;
	loseDeviceAtCall(method: string): Promise<void>;
	failNextBackendSwitch(): Promise<void>;
};
const numTensors = (page: Page) => page.evaluate(() => (globalThis as unknown as { __nrsWorker: Hooks }).__nrsWorker.numTensors());
const loseDevice = (page: Page) => page.evaluate(() => (globalThis as unknown as { __nrsWorker: Hooks }).__nrsWorker.loseDevice());
const activeRuns = (page: Page) => page.evaluate(() => (globalThis as unknown as { __nrsWorker: Hooks }).__nrsWorker.activeRuns());
const loseDeviceAtCall = (page: Page, method: string) =>
	page.evaluate((m) => (globalThis as unknown as { __nrsWorker: Hooks }).__nrsWorker.loseDeviceAtCall(m), method);
const failNextBackendSwitch = (page: Page) => page.evaluate(() => (globalThis as unknown as { __nrsWorker: Hooks }).__nrsWorker.failNextBackendSwitch());

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
	// the lost device's tensors are dropped once (they cannot be freed) and the new backend builds its data
	// and evaluators once: a few hundred at most (task vectors: three evaluators of a base and six directions,
	// about 310 in all), not a leak per training step (hundreds of steps × tensors)
	expect(await numTensors(page)).toBeLessThan(tensorsBefore + 400);
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

test('stitching: training A and B restarts from the seeds on wasm, then every figure is recomputed there', async ({ page }) => {
	test.setTimeout(120_000);
	await page.goto('/essays/stitching?backend=webgpu&width=32&steps=100&sst=20&testhooks');
	const widget = page.locator('[data-widget="stitching"]');
	await page.getByTestId('train').scrollIntoViewIfNeeded();
	const before = await loseMidRun(page, widget, 'train', 'webgpu');
	await expect(widget.getByTestId('status')).toContainText(/every figure recomputed/, { timeout: 90_000 });
	await finishedElsewhere(page, widget, /the training of A and B/, before);
	await expect(widget).toHaveAttribute('data-source', 'trained');
	expect(Number(await page.getByTestId('train').getAttribute('data-points'))).toBeGreaterThanOrEqual(2);
});

test('task vectors: the training restarts from the seed on wasm and its vectors replace the shipped ones', async ({ page }) => {
	test.setTimeout(120_000);
	// other fine-tune settings than the shipped ones train at once (a base, then a fine-tune per task)
	await page.goto('/essays/task-vectors?backend=webgpu&steps=10&spu=10&la=0.5&lb=0.5&testhooks');
	const widget = page.locator('[data-widget="task-vectors"]');
	await page.getByTestId('train').scrollIntoViewIfNeeded();
	const before = await loseMidRun(page, widget, 'train', 'webgpu');
	await expect(widget.getByTestId('status')).toContainText(/Trained live in/, { timeout: 90_000 });
	await finishedElsewhere(page, widget, /the training/, before);
	await expect(widget).toHaveAttribute('data-source', 'trained');
	await expect(page.getByTestId('provenance')).toContainText('fine-tuned in this page');
	// scoring another merge on the new backend leaves the tensor count where it was
	const settled = await numTensors(page);
	const merged = () => page.getByTestId('acc-inverted').getAttribute('data-value');
	const was = await merged();
	await page.getByRole('button', { name: 'A + B', exact: true }).click();
	await expect.poll(merged).not.toBe(was);
	await expect(widget).toHaveAttribute('data-busy', 'idle');
	await expect.poll(() => numTensors(page)).toBe(settled);
});

test('credit: the race restarts from the seed on wasm and runs to the end', async ({ page }) => {
	test.setTimeout(120_000);
	await page.goto('/essays/credit-assignment?backend=webgpu&width=4&budget=600&pairs=4&testhooks');
	const widget = page.locator('[data-widget="credit"]');
	const race = page.getByTestId('race');
	await race.scrollIntoViewIfNeeded();
	// software WebGPU is a slow backend: the race waits for Play
	await expect(widget).toHaveAttribute('data-phase', 'ready', { timeout: 60_000 });
	await race.getByRole('button', { name: 'Play' }).click();
	const before = await loseMidRun(page, widget, 'race', 'webgpu');
	await finishedElsewhere(page, widget, /the race/, before);
	await expect(widget).toHaveAttribute('data-race', 'live');
	await expect(widget).toHaveAttribute('data-race-done', 'true');
	await expect(widget.getByTestId('status')).toContainText(/Race run in your browser \(wasm\)/);
	// a second race on the new backend leaves the tensor count where the first left it
	const settled = await numTensors(page);
	await race.getByRole('button', { name: 'Play' }).click();
	await expect(widget).toHaveAttribute('data-race-done', 'false');
	await expect(widget).toHaveAttribute('data-race-done', 'true', { timeout: 60_000 });
	await expect(widget).toHaveAttribute('data-busy', 'idle');
	await expect.poll(() => numTensors(page)).toBe(settled);
});

test('WebGL: a lost context is a lost device too (layer-swap)', async ({ page }) => {
	test.setTimeout(120_000);
	await page.goto('/essays/modularity?backend=webgl&depth=2&width=16&steps=200&testhooks');
	const widget = page.locator('[data-widget="layer-swap"]');
	await page.getByTestId('train').scrollIntoViewIfNeeded();
	const before = await loseMidRun(page, widget, 'train', 'webgl');
	await finishedElsewhere(page, widget, /the training/, before);
	await expect(widget.getByTestId('status')).toContainText(/WebGL context was lost/);
	await expect(widget.getByTestId('status')).toContainText(/Trained live in [\d.]+ s on wasm/);
	await expect(widget).toHaveAttribute('data-source', 'trained');
});

test('layer-swap: a loss while the surgeries run on the freshly trained nets computes them again on wasm', async ({ page }) => {
	test.setTimeout(120_000);
	await page.goto('/essays/modularity?backend=webgpu&depth=2&width=16&steps=60&testhooks');
	const widget = page.locator('[data-widget="layer-swap"]');
	await page.getByTestId('train').scrollIntoViewIfNeeded();
	await expect(widget).toHaveAttribute('data-backend', 'webgpu', { timeout: 60_000 });
	await expect(widget).toHaveAttribute('data-busy', 'train', { timeout: 60_000 });
	// the training finishes on webgpu; the GPU goes just as the report phase asks for its first surgery matrix
	await loseDeviceAtCall(page, 'modularity.report');
	const before = await numTensors(page);
	await expect(widget).toHaveAttribute('data-backend', 'wasm', { timeout: 60_000 });
	await expect(widget).toHaveAttribute('data-busy', 'idle', { timeout: 60_000 });
	const status = widget.getByTestId('status');
	await expect(status).toContainText(/The GPU device was lost \(.+\); switched to wasm\./);
	await expect(status).toContainText(/Trained live in [\d.]+ s on webgpu, the surgeries run on wasm; every figure now shows your nets\./);
	await expect(status).not.toContainText(/restarted|carried on|failed|stopped/i);
	await expect(widget.locator('.problem')).toHaveCount(0);
	await expect(widget).toHaveAttribute('data-source', 'trained');
	await expect(widget).toHaveAttribute('data-nets', 'ready');
	await expect(page.locator('[data-figure="swap-matrix"]')).toHaveAttribute('data-ready', 'true');
	expect(await activeRuns(page)).toEqual([]);
	expect(await numTensors(page)).toBeLessThan(before + 300);
});

test('layer-swap: when no backend can take over, the widget says live computation stopped, with nothing left running', async ({ page }) => {
	test.setTimeout(120_000);
	await page.goto('/essays/modularity?backend=webgpu&depth=2&width=16&steps=100&testhooks');
	const widget = page.locator('[data-widget="layer-swap"]');
	await page.getByTestId('train').scrollIntoViewIfNeeded();
	await expect(widget).toHaveAttribute('data-backend', 'webgpu', { timeout: 60_000 });
	await failNextBackendSwitch(page);
	await loseMidRun(page, widget, 'train', 'webgpu');
	await expect(widget).toHaveAttribute('data-phase', 'failed', { timeout: 30_000 });
	await expect(widget).toHaveAttribute('data-busy', 'idle');
	await expect(widget.locator('.problem')).toContainText(
		/Live computation stopped: the GPU was lost \(.+\) and no other backend could start \(the test hook made it fail\)\. The figures keep the last results\./
	);
	await expect(widget.getByTestId('status')).toContainText('Live computation is unavailable.');
	await expect(widget.getByTestId('status')).not.toContainText(/switched to|restarted/);
	// the stopped run and the page agree: nothing is going, and the figures stay drawn
	expect(await activeRuns(page)).toEqual([]);
	await expect(page.locator('[data-figure="swap-matrix"]')).toHaveAttribute('data-ready', 'true');
	// nothing offers to train on a backend that is not there
	await expect(page.getByTestId('train').getByRole('button', { name: 'Retrain live' })).toBeDisabled();
});
