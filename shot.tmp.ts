import { chromium } from '@playwright/test';
import { chromiumLaunchOptions } from './playwright.config';
const BASE = 'http://localhost:4650';
const out = '/tmp/study-shots';
const browser = await chromium.launch(chromiumLaunchOptions);
const panelShot = async (page: any, name: string) => {
	const p = page.getByTestId('targets');
	await p.scrollIntoViewIfNeeded();
	await p.screenshot({ path: `${out}/${name}.png` });
};
const mode = process.argv[2] ?? 'shipped';
if (mode === 'shipped') {
	for (const scheme of ['light', 'dark'] as const)
		for (const width of [1280, 375]) {
			const ctx = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: scheme, serviceWorkers: 'block' });
			const page = await ctx.newPage();
			await page.route('**/data/mnist.bin*', (r) => r.abort());
			await page.goto(`${BASE}/essays/credit-assignment`);
			await page.getByTestId('targets').waitFor();
			await page.waitForTimeout(500);
			await panelShot(page, `shipped-${width}-${scheme}`);
			await ctx.close();
		}
} else {
	const seeds = process.argv[3] ?? '1';
	const widths = process.argv[4] ?? '128';
	const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light', serviceWorkers: 'block' });
	const page = await ctx.newPage();
	await page.goto(`${BASE}/essays/credit-assignment?backend=wasm&budget=300&studyseeds=${seeds}&studywidths=${widths}`);
	const widget = page.locator('[data-widget="credit"]');
	await widget.and(page.locator('[data-phase="ready"]')).waitFor({ timeout: 120_000 });
	const panel = page.getByTestId('targets');
	await panel.scrollIntoViewIfNeeded();
	const t0 = Date.now();
	await page.locator('[data-action="targets"]').click();
	await page.locator('[data-testid="targets"][data-runs="4"]').waitFor({ timeout: 600_000 });
	console.log(`4 runs after ${(Date.now() - t0) / 1000} s`);
	await panelShot(page, `mid-1280-light`);
	await page.screenshot({ path: `${out}/mid-header-1280-light.png` });
	await page.emulateMedia({ colorScheme: 'dark' });
	await panelShot(page, `mid-1280-dark`);
	await page.setViewportSize({ width: 375, height: 900 });
	await panelShot(page, `mid-375-dark`);
	await page.emulateMedia({ colorScheme: 'light' });
	await panelShot(page, `mid-375-light`);
	await page.setViewportSize({ width: 1280, height: 900 });
	await panel.scrollIntoViewIfNeeded();
	await page.locator('[data-testid="targets"][data-done="true"]').waitFor({ timeout: 1_200_000 });
	console.log(`done after ${(Date.now() - t0) / 1000} s: ${await page.getByTestId('targets-source').textContent()}`);
	console.log(await page.getByTestId('targets-check').textContent());
	const cells = await page.locator('[data-testid^="target-"][data-seeds]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-testid')}=${e.getAttribute('data-value')}`));
	console.log(cells.join(' '));
	console.log(await page.getByTestId('curvature').textContent());
	await panelShot(page, `done-1280-light`);
}
await browser.close();
