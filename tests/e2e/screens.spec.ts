// Dark and light screenshots of every page at 1280 and 375 px, kept as test artifacts (attached to the
// report and written under test-results/). A person looks at them; the test itself only checks that
// each page rendered in the requested theme without console errors. For waiting on live training, use
// scripts/screenshots.ts instead: this spec shoots the prerendered state, shipped figures included.
import { test, expect } from './helpers';
import { PAGES } from './pages';

for (const theme of ['light', 'dark'] as const) {
	test(`screenshots of every page, ${theme}`, async ({ browser }, testInfo) => {
		test.setTimeout(PAGES.length * 2 * 15_000 + 30_000);
		for (const width of [1280, 375]) {
			const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: theme, reducedMotion: 'reduce' });
			const page = await context.newPage();
			for (const route of PAGES) {
				// ?backend=cpu keeps the shipped figures and starts no training (fast and deterministic).
				const sep = route.includes('?') ? '&' : '?';
				await page.goto(`${route}${sep}backend=cpu`);
				await page.waitForLoadState('networkidle', { timeout: 10_000 }).catch(() => {});
				await page.evaluate(() => document.fonts.ready.then(() => undefined));
				// (Embeds keep a transparent body for their host page, so check the palette, not the body.)
				const bg = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--bg').trim());
				expect(bg, `${route} palette in ${theme}`).toBe(theme === 'dark' ? '#141518' : '#fcfcfa');
				const name = `${route.replace(/^\/$/, '/home').slice(1).replace(/\//g, '-')}-${width}-${theme}.png`;
				const path = testInfo.outputPath(name);
				await page.screenshot({ path, fullPage: true, animations: 'disabled' });
				await testInfo.attach(name, { path, contentType: 'image/png' });
			}
			await context.close();
		}
	});
}
