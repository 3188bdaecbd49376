import { test, expect, noHorizontalScroll } from './helpers';

// The essay links may be relative in prerendered HTML ("./essays/modularity") and absolute after
// hydration ("/essays/modularity"); either way the href ends with /essays/modularity.
const MODULARITY_LINK = 'a[href$="/essays/modularity"], a[href$="/essays/modularity/"]';

test.describe('smoke', () => {
	test('home page renders a heading and an essay link', async ({ page }) => {
		const response = await page.goto('/');
		expect(response?.status()).toBe(200);
		await expect(page.locator('h1').first()).toBeVisible();
		await expect(page.locator('h1').first()).not.toBeEmpty();
		await expect(page.locator(MODULARITY_LINK).first()).toBeVisible();
		await expect(page).toHaveTitle(/\S/);
	});

	test('about page renders', async ({ page }) => {
		const response = await page.goto('/about');
		expect(response?.status()).toBe(200);
		await expect(page.locator('h1').first()).toBeVisible();
		await expect(page.locator('h1').first()).not.toBeEmpty();
	});

	test.describe('unknown essay', () => {
		// The browser itself logs the 404 of the document as a console error; that one is expected.
		test.use({ allowedErrors: [/status of 404/] });

		test('gives a 404 page', async ({ page }) => {
			const response = await page.goto('/essays/no-such-essay-xyz');
			// vite preview renders SvelteKit's error page (+error.svelte) with status 404; a static host
			// serves build/404.html (only if the adapter writes one). Either way: 404 status + a page saying so.
			expect(response?.status()).toBe(404);
			await expect(page.locator('body')).toContainText(/404|not found/i);
		});
	});

	test('home page has no horizontal scroll at 375px', async ({ page }) => {
		await page.setViewportSize({ width: 375, height: 800 });
		await page.goto('/');
		await expect(page.locator('h1').first()).toBeVisible();
		await noHorizontalScroll(page);
	});

	test('about page has no horizontal scroll at 375px', async ({ page }) => {
		await page.setViewportSize({ width: 375, height: 800 });
		await page.goto('/about');
		await expect(page.locator('h1').first()).toBeVisible();
		await noHorizontalScroll(page);
	});
});
