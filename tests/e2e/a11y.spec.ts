import AxeBuilder from '@axe-core/playwright';
import { test, expect } from './helpers';
import { sitePages } from './pages';

// axe-core over every page, light and dark: no serious or critical violations (colour contrast
// included, so both palettes are checked). Widgets are audited after they went live, because the live
// state adds controls and text the shipped state does not have.
test.describe('accessibility audit', () => {
	// The 404 document itself is logged as a console error by the browser.
	test.use({ allowedErrors: [/status of 404/] });

	for (const scheme of ['light', 'dark'] as const) {
		for (const { path, status } of sitePages) {
			test(`${path} (${scheme}) has no serious or critical violations`, async ({ page }) => {
				await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
				const response = await page.goto(`${path}?backend=wasm`);
				expect(response?.status()).toBe(status);
				await expect(page.locator('main').first()).toBeVisible();
				const widgets = page.locator('[data-widget]');
				for (const w of await widgets.all()) {
					await expect(w).not.toHaveAttribute('data-phase', 'starting', { timeout: 60_000 });
				}
				// audit the Export menus open too (their figure lists exist only then)
				for (const s of await page.locator('[data-testid="export"] > summary').all()) await s.click();
				const results = await new AxeBuilder({ page }).analyze();
				const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
				const report = bad.map(
					(v) => `${v.impact} ${v.id}: ${v.help}\n` + v.nodes.slice(0, 5).map((n) => `    ${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(1).join(' ')}`).join('\n')
				);
				await test.info().attach(`axe-${scheme}`, { body: JSON.stringify(results.violations, null, 2), contentType: 'application/json' });
				expect(report, `axe violations on ${path} (${scheme})`).toEqual([]);
			});
		}
	}
});
