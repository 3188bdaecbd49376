import { readFileSync } from 'node:fs';
import type { Download, Page } from '@playwright/test';
import { test, expect } from './helpers';
import { widgetNames } from './pages';

// Export from every widget: the results JSON (with the numbers that are on screen), each kind of
// figure as PNG (valid file, 2x the on-screen size) and SVG (standalone: no CSS variables left).

/** Numbers on screen (by test id, data-value) and where the JSON has them, per widget. */
const ON_SCREEN: Record<string, { testId: string; path: string[] }[]> = {
	'layer-swap': [
		{ testId: 'acc-residual', path: ['numbers', 'accuracy', 'residual'] },
		{ testId: 'acc-plain', path: ['numbers', 'accuracy', 'plain'] }
	],
	stitching: [
		{ testId: 'acc-stitched', path: ['numbers', 'stitched'] },
		{ testId: 'acc-a', path: ['numbers', 'accA'] }
	],
	credit: [
		{ testId: 'final-sgd', path: ['numbers', 'final', 'sgd', 'accuracy'] },
		{ testId: 'final-es', path: ['numbers', 'final', 'es', 'accuracy'] }
	],
	'task-vectors': [
		{ testId: 'acc-rot90', path: ['numbers', 'accuracy', 'rot90'] },
		{ testId: 'acc-upright', path: ['numbers', 'accuracy', 'upright'] }
	]
};

async function save(page: Page, click: () => Promise<void>): Promise<{ name: string; data: Buffer }> {
	const [dl] = await Promise.all([page.waitForEvent('download'), click()]);
	const d = dl as Download;
	return { name: d.suggestedFilename(), data: readFileSync(await d.path()) };
}

function pngSize(buf: Buffer): { width: number; height: number } {
	expect([...buf.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
	expect(buf.subarray(12, 16).toString('ascii')).toBe('IHDR');
	return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

for (const name of widgetNames) {
	test(`export from ${name}: JSON matches the screen, PNG and SVG are valid`, async ({ page }) => {
		test.setTimeout(150_000);
		await page.goto(`/embed/${name}?backend=wasm`);
		const widget = page.locator(`[data-widget="${name}"]`);
		await expect(widget).toHaveAttribute('data-phase', 'ready', { timeout: 60_000 });
		const checks = ON_SCREEN[name] ?? [];
		for (const c of checks) await expect(widget.getByTestId(c.testId)).not.toHaveAttribute('data-value', '', { timeout: 60_000 });

		const exportBox = widget.getByTestId('export');
		await exportBox.locator('summary').click();

		// JSON: read the screen right before and after saving (live work may still update it)
		const screenBefore = await Promise.all(checks.map((c) => widget.getByTestId(c.testId).getAttribute('data-value')));
		const json = await save(page, () => exportBox.getByRole('button', { name: 'Results as JSON' }).click());
		const screenAfter = await Promise.all(checks.map((c) => widget.getByTestId(c.testId).getAttribute('data-value')));
		expect(json.name).toBe(`${name}-results.json`);
		const file = JSON.parse(json.data.toString('utf8'));
		expect(file.widget).toBe(name);
		expect(Date.now() - Date.parse(file.exportedAt)).toBeLessThan(120_000);
		expect(file.site.version).toMatch(/^\d+\.\d+\.\d+/);
		expect(file.site.build).toBeTruthy();
		expect(typeof file.params).toBe('object');
		expect(file.seed).not.toBeNull();
		expect(['shipped', 'live', 'trained']).toContain(file.source);
		if (file.source !== 'shipped') expect(file.backend).toBe('wasm');
		checks.forEach((c, i) => {
			const v = c.path.reduce((o, k) => o?.[k], file);
			expect(typeof v, `${c.path.join('.')} in the JSON`).toBe('number');
			expect([Number(screenBefore[i]), Number(screenAfter[i])], `${c.testId} on screen vs ${c.path.join('.')}`).toContainEqual(v);
		});

		// PNG of the first SVG figure and of the first canvas-only figure; SVG of the first SVG figure
		const items = exportBox.locator('li');
		expect(await items.count()).toBeGreaterThan(0);
		const svgItem = items.filter({ has: page.locator('[data-export="svg"]') }).first();
		const figName = (await svgItem.locator('.name').textContent()) ?? '';
		const figBox = await widget.locator('figure').filter({ has: page.locator('svg') }).evaluateAll(
			(figs, n) => {
				for (const f of figs) {
					const label = f.getAttribute('aria-label') ?? f.querySelector('[role="img"][aria-label]')?.getAttribute('aria-label');
					if (label === n) {
						const svgs = [...f.querySelectorAll('svg')].map((s) => s.getBoundingClientRect()).sort((a, b) => b.width * b.height - a.width * a.height);
						return { w: Math.round(svgs[0].width), h: Math.round(svgs[0].height) };
					}
				}
				return null;
			},
			figName
		);
		const png = await save(page, () => svgItem.locator('[data-export="png"]').click());
		expect(png.name).toMatch(new RegExp(`^${name}-.+\\.png$`));
		const size = pngSize(png.data);
		if (figBox) expect(size).toEqual({ width: 2 * figBox.w, height: 2 * figBox.h });
		expect(png.data.length).toBeGreaterThan(1000);

		const svg = await save(page, () => svgItem.locator('[data-export="svg"]').click());
		const text = svg.data.toString('utf8');
		expect(text).toContain('<svg');
		expect(text).toContain('xmlns="http://www.w3.org/2000/svg"');
		expect(text).not.toContain('var(--');
		// it parses as XML in the browser
		const ok = await page.evaluate((t) => new DOMParser().parseFromString(t, 'image/svg+xml').querySelector('parsererror') === null, text);
		expect(ok).toBe(true);

		const canvasItem = items.filter({ hasNot: page.locator('[data-export="svg"]') }).first();
		if (await canvasItem.count()) {
			const c = await save(page, () => canvasItem.locator('[data-export="png"]').click());
			const s = pngSize(c.data);
			expect(s.width).toBeGreaterThan(20);
			expect(s.height).toBeGreaterThan(20);
		}
		await expect(exportBox.getByRole('alert')).toHaveCount(0);
	});
}
