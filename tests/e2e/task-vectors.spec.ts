import type { Page } from '@playwright/test';
import { test, expect, noHorizontalScroll } from './helpers';

const WIDGET = '[data-widget="task-vectors"]';
const PAGE = '/essays/task-vectors';

async function acc(page: Page, domain: string): Promise<number> {
	return Number(await page.getByTestId(`acc-${domain}`).getAttribute('data-value'));
}

/** Wait until the merged model of the sliders has been scored live in the worker. */
async function waitScored(page: Page, timeout = 90_000) {
	await expect(page.getByTestId('acc-rot90')).toHaveAttribute('data-live', 'true', { timeout });
}

// Every backend computes a live number from the shipped checkpoints (one merged model: cheap enough
// even for SwiftShader WebGPU, where the batched figures are skipped and stay as shipped).
for (const backend of ['wasm', 'webgl', 'cpu', 'webgpu'] as const) {
	test(`scores a merged model live on ${backend}`, async ({ page }) => {
		const slow = backend === 'webgpu' || backend === 'cpu';
		test.setTimeout(slow ? 150_000 : 90_000);
		await page.goto(`${PAGE}?backend=${backend}&la=0.5&lb=0.5`);
		await waitScored(page, slow ? 130_000 : 75_000);
		await expect(page.locator(WIDGET)).toHaveAttribute('data-backend', backend);
		// half of both task vectors: both tasks read well above chance, upright digits are kept
		expect(await acc(page, 'rot90')).toBeGreaterThan(0.8);
		expect(await acc(page, 'inverted')).toBeGreaterThan(0.7);
		expect(await acc(page, 'upright')).toBeGreaterThan(0.7);
		// the table's per-model summary follows (minutes on SwiftShader WebGPU: checked on the fast backends;
		// on SwiftShader WebGL its first batch compiles new shaders, slow on a loaded machine)
		if (!slow) await expect(page.locator(WIDGET)).toHaveAttribute('data-source', 'live', { timeout: 60_000 });
	});
}

test('sliders change the accuracies; the heat map renders live; the random control does little', async ({ page }) => {
	await page.goto(`${PAGE}?backend=wasm&testhooks`);
	await waitScored(page);
	await expect(page.locator('[data-figure="lambda-plane"]')).toHaveAttribute('data-live', 'true', { timeout: 60_000 });
	expect(await page.locator('[data-figure="lambda-plane"] [data-cell]').count()).toBe(4 * 121);
	const sum = await acc(page, 'upright');
	await page.getByRole('button', { name: '−A (forget A)' }).click();
	await expect.poll(() => acc(page, 'rot90'), { timeout: 15_000 }).toBeLessThan(0.8);
	await expect(page).toHaveURL(/la=-1/);
	// the random control, alone, leaves the base's accuracy within a few points
	await page.getByRole('button', { name: 'Base', exact: true }).click();
	await expect.poll(() => acc(page, 'upright'), { timeout: 15_000 }).not.toBeCloseTo(sum, 3);
	const base = await acc(page, 'rot90');
	const baseFlipped = await acc(page, 'flipped');
	await page.getByRole('button', { name: 'Random only' }).click();
	await expect(page).toHaveURL(/lr=1/);
	await expect.poll(async () => Math.abs((await acc(page, 'rot90')) - base), { timeout: 15_000 }).toBeLessThan(0.03);
	// the generic-training control moves the numbers (it is real training, rescaled to τA's length)
	await page.getByRole('button', { name: 'Generic only' }).click();
	await expect(page).toHaveURL(/lg=1/);
	await expect.poll(async () => Math.abs((await acc(page, 'upright')) - sum), { timeout: 15_000 }).toBeGreaterThan(0);
	// the other task's vector is the upside-down fine-tune: it lifts upside-down digits, which τA and τB never saw
	await page.getByRole('button', { name: 'Other task only' }).click();
	await expect(page).toHaveURL(/lo=1/);
	await expect.poll(async () => (await acc(page, 'flipped')) - baseFlipped, { timeout: 15_000 }).toBeGreaterThan(0.01);
	await page.getByRole('button', { name: 'Random only' }).click();
	await expect(page).not.toHaveURL(/lg=/);
	await expect(page).not.toHaveURL(/lo=/);
	// keyboard on a slider moves λA and the model is re-scored
	const slider = page.getByRole('slider', { name: /λA/ });
	await slider.focus();
	await page.keyboard.press('End');
	await expect(page).toHaveURL(/la=2/);
	await expect.poll(() => acc(page, 'rot90'), { timeout: 15_000 }).toBeGreaterThan(base);
	// a slider moved faster than the worker answers ends on the latest λ's numbers (λA 2 → 1.5, λr 1)
	for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowLeft');
	await expect(page).toHaveURL(/la=1\.5/);
	const direct = await page.evaluate(() =>
		(globalThis as unknown as { __nrsWorker: { taskVectors: { evaluate(a: number, b: number, r: number, g: number): Promise<{ acc: Record<string, number> }> } } }).__nrsWorker.taskVectors.evaluate(1.5, 0, 1, 0)
	);
	await expect.poll(() => acc(page, 'rot90'), { timeout: 15_000 }).toBe(direct.acc.rot90);
	expect(await acc(page, 'upright')).toBe(direct.acc.upright);
	// a cell of the heat map moves the sliders there
	await page.locator('[data-figure="lambda-plane"] [data-cell="5-4"]').first().click();
	await expect(page).toHaveURL(/la=0\.25/);
});

test('a shared link restores tasks and λ values', async ({ page }) => {
	await page.goto(`${PAGE}?backend=wasm&a=flipped&b=rot90&la=0.75&lb=-0.5&lr=0.25`);
	await waitScored(page);
	await expect(page.getByRole('slider', { name: /λA/ })).toHaveValue('0.75');
	await expect(page.getByRole('slider', { name: /λB/ })).toHaveValue('-0.5');
	await expect(page.getByRole('slider', { name: /λr/ })).toHaveValue('0.25');
	await expect(page.locator(WIDGET).getByRole('radio', { name: 'upside down' }).first()).toBeChecked();
	await expect(page.getByTestId('baselines')).toContainText('Fine-tune on upside down');
});

test('garbage query parameters are corrected with a note and the page still works', async ({ page }) => {
	await page.goto(`${PAGE}?la=abc&lb=99&a=%3Cimg%20src=x%20onerror=alert(1)%3E&base=zzz&steps=-4&backend=nope`);
	await expect(page.locator(WIDGET)).toContainText('lb=99 is out of range');
	await expect(page.locator(WIDGET)).toContainText(/a=.*is not one of/);
	expect(await page.locator(`${WIDGET} img`).count()).toBe(0);
	// steps=-4 is clamped to 10, which is not the shipped setting: the page fine-tunes live (not awaited here)
	await expect(page.locator(WIDGET)).toHaveAttribute('data-phase', 'ready', { timeout: 60_000 });
});

test('fine-tune live: the reader’s own vectors replace the shipped ones; nothing leaks', async ({ page }) => {
	test.setTimeout(150_000);
	// settings other than the shipped ones (30 fine-tune steps) start training at once; it pauses off screen
	await page.goto(`${PAGE}?backend=wasm&testhooks&la=0.5&lb=0.5&steps=30&spu=10`);
	const widget = page.locator(WIDGET);
	await expect(widget).toHaveAttribute('data-busy', 'train', { timeout: 60_000 });
	await page.locator('[data-testid="train"]').scrollIntoViewIfNeeded();
	await expect(widget).toHaveAttribute('data-paused', 'false');
	await expect(widget).toHaveAttribute('data-source', 'trained', { timeout: 120_000 });
	await expect(widget).toHaveAttribute('data-busy', 'idle', { timeout: 60_000 });
	expect(Number(await page.getByTestId('train').getAttribute('data-points'))).toBeGreaterThanOrEqual(6);
	await waitScored(page);
	await expect(page.getByTestId('provenance')).toContainText('fine-tuned in this page');
	await expect(page.getByTestId('row-multitask-rot90')).toContainText('%');
	await expect(page.getByTestId('row-multitask4-upright')).toContainText('%');
	await expect(page.getByTestId('row-probe-inverted')).toContainText('%');
	// the generic-training control was trained live too, and the verdict tests the merge against it
	await expect(page.getByTestId('row-generic-upright')).toContainText('%');
	await expect(page.getByTestId('row-ctl-generic-rot90')).toContainText('%', { timeout: 60_000 });
	await expect(page.getByTestId('verdict')).toContainText(/generic training|McNemar/);
	const count = () => page.evaluate(() => (globalThis as unknown as { __nrsWorker: { numTensors(): Promise<number> } }).__nrsWorker.numTensors());
	const before = await count();
	const halfInv = await acc(page, 'inverted');
	await page.getByRole('button', { name: 'A + B', exact: true }).click();
	// λ = 1 is the default, so it leaves the URL
	await expect(page).not.toHaveURL(/la=0\.5/);
	await expect.poll(() => acc(page, 'inverted'), { timeout: 15_000 }).not.toBe(halfInv);
	// the worker frees the old evaluation's tensors once it is done: a leak never comes back down
	await expect.poll(count, { timeout: 15_000 }).toBe(before);
});

test.describe('before tfjs', () => {
	// the aborted download is logged by the browser itself
	test.use({ allowedErrors: [/ERR_FAILED|Failed to load resource/] });
	test('shipped figures and numbers are on screen before tfjs', async ({ page }) => {
	await page.route('**/data/mnist.bin*', (route) => route.abort());
	await page.goto(PAGE);
	await expect(page.locator('[data-figure="lambda-plane"]')).toHaveAttribute('data-ready', 'true');
	await expect(page.getByTestId('acc-rot90')).toContainText('%');
	await expect(page.locator('[data-stat="generalist.best.A"]').first()).toContainText('±');
	await expect(page.getByTestId('verdict')).toContainText(/points/);
	await expect(page.locator(WIDGET)).toHaveAttribute('data-phase', 'failed', { timeout: 60_000 });
	});
});

test('375 px wide: no horizontal scroll', async ({ page }) => {
	await page.setViewportSize({ width: 375, height: 800 });
	await page.goto(`${PAGE}?backend=wasm`);
	await waitScored(page);
	await noHorizontalScroll(page);
});
