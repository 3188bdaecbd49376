// The reading experience: citation and footnote cards, reference lists, layout at phone width,
// reduced motion and the theme before first paint. Runs on the built site (every prerendered page).
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { test, expect, noHorizontalScroll } from './helpers';
import { PAGES } from './pages';

const ESSAYS = PAGES.filter((r) => r.startsWith('/essays/'));
// Essays that cite something (all of them should, but a new draft may not yet).
const CITING = ESSAYS.filter((r) => readFileSync(`essays/${r.split('/').pop()}.md`, 'utf8').includes('[@'));
// ?backend=cpu: the widgets keep their shipped figures and don't train (see README), so these tests
// measure the page, not a CPU busy with training.
const QUIET = '?backend=cpu';

const card = (page: Page) => page.getByTestId('citation-card');

test.describe('citations and footnotes', () => {
	test('a citation card opens on keyboard focus and closes on Esc', async ({ page }) => {
		await page.goto(`/essays/modularity${QUIET}`);
		const cite = page.locator('a.cite[href^="#ref-"]').first();
		await expect(cite).toBeAttached();
		// A node inserted into the prerendered page before it hydrates can be swept away by hydration (and
		// focus with it): wait until it has hydrated, which the widget shows by leaving "starting".
		await expect(page.locator('[data-widget="layer-swap"]')).not.toHaveAttribute('data-phase', 'starting', { timeout: 60_000 });
		// Reach it with the keyboard: focus the element before it, then Tab.
		await cite.evaluate((el) => {
			const before = document.createElement('button');
			before.textContent = 'start';
			before.id = 'tab-start';
			el.parentElement?.parentElement?.insertBefore(before, el.parentElement);
		});
		await page.locator('#tab-start').focus();
		await page.keyboard.press('Tab');
		await expect(cite).toBeFocused();
		await expect(card(page)).toBeVisible();
		const key = (await cite.getAttribute('href'))!.slice('#ref-'.length);
		const title = await page.locator(`#ref-${key} .ref-title`).textContent();
		await expect(card(page)).toContainText(title!);
		// The card floats: the text below did not move when it opened.
		await page.keyboard.press('Escape');
		await expect(card(page)).toBeHidden();
		await expect(cite).toBeFocused();
	});

	test('a citation card opens on hover, stays while the pointer is on it, and closes when it leaves', async ({ page }) => {
		// The page's timers run on Playwright's clock, so "it stays open past the close delay" is checked by
		// moving the clock on, not by sleeping.
		await page.clock.install();
		await page.goto(`/essays/stitching${QUIET}`);
		const cite = page.locator('a.cite[href="#ref-ainsworth2023"]').first();
		await cite.scrollIntoViewIfNeeded();
		// Distance from the marker to the next heading: opening the card must not change it (the widget
		// above may still grow while it loads, which moves both).
		const gap = () =>
			cite.evaluate((el) => {
				const h = el.closest('p')!.nextElementSibling!;
				return h.getBoundingClientRect().top - el.getBoundingClientRect().top;
			});
		const gap0 = await gap();
		await cite.hover();
		await expect(card(page)).toBeVisible();
		await expect(card(page)).toContainText('Git Re-Basin');
		await expect(card(page)).toContainText('Ainsworth, Hayase & Srinivasa');
		await expect(card(page)).toContainText('2023');
		await expect(card(page).locator('a')).toHaveAttribute('href', 'https://arxiv.org/abs/2209.04836');
		// no layout jump
		expect(await gap()).toBe(gap0);
		await card(page).hover();
		await page.clock.runFor(2_000);
		await expect(card(page)).toBeVisible();
		await page.mouse.move(5, 5);
		await expect(card(page)).toBeHidden();
	});

	test('a footnote card shows the note and Esc closes it', async ({ page }) => {
		await page.goto(`/essays/stitching${QUIET}`);
		const marker = page.locator('sup.footnote-ref a.cite').first();
		await marker.focus();
		await expect(card(page)).toBeVisible();
		const note = (await page.locator('#fn-factorial .note-body').innerText()).trim();
		expect(note.length).toBeGreaterThan(10);
		await expect(card(page)).toContainText('Exactly 507 digits');
		// The copy carries no duplicate ids.
		expect(await page.locator('[data-testid="citation-card"] [id]').count()).toBe(0);
		await page.keyboard.press('Escape');
		await expect(card(page)).toBeHidden();
	});

	test('on a touch screen a tap opens the card instead of jumping, a tap elsewhere closes it', async ({ browser }) => {
		const context = await browser.newContext({ hasTouch: true, isMobile: true, viewport: { width: 375, height: 740 } });
		const page = await context.newPage();
		await page.goto(`/essays/task-vectors${QUIET}`);
		const cite = page.locator('a.cite').first();
		await cite.scrollIntoViewIfNeeded();
		await cite.tap();
		await expect(card(page)).toBeVisible();
		expect(new URL(page.url()).hash).toBe('');
		// The card fits the phone screen.
		const box = (await card(page).boundingBox())!;
		expect(box.x).toBeGreaterThanOrEqual(0);
		expect(box.x + box.width).toBeLessThanOrEqual(375);
		await noHorizontalScroll(page);
		await page.locator('h1').tap();
		await expect(card(page)).toBeHidden();
		await context.close();
	});

	for (const route of CITING) {
		test(`${route}: the references list matches the citations`, async ({ page }) => {
			await page.goto(route + QUIET);
			const result = await page.evaluate(() => {
				const firstUse: string[] = [];
				const numberOf: Record<string, string> = {};
				let consistent = true;
				for (const a of document.querySelectorAll<HTMLAnchorElement>('a.cite[href^="#ref-"]')) {
					const key = a.getAttribute('href')!.slice(1);
					const n = a.textContent!.replace(/\D/g, '');
					if (!(key in numberOf)) {
						numberOf[key] = n;
						firstUse.push(key);
					} else if (numberOf[key] !== n) consistent = false;
				}
				const listed = Array.from(document.querySelectorAll('ol.references > li'), (li) => li.id);
				return { firstUse, numbers: firstUse.map((k) => numberOf[k]), listed, consistent };
			});
			expect(result.firstUse.length).toBeGreaterThan(0);
			expect(result.consistent).toBe(true);
			// Numbered 1, 2, 3… in order of first use; the list has exactly those, in that order.
			expect(result.numbers).toEqual(result.firstUse.map((_, i) => String(i + 1)));
			expect(result.listed).toEqual(result.firstUse);
			// Every marker's description points at an element that exists and has text.
			const described = await page.evaluate(() =>
				Array.from(document.querySelectorAll('a.cite')).every((a) => {
					const id = a.getAttribute('aria-describedby');
					return !!id && (document.getElementById(id)?.textContent ?? '').trim().length > 0;
				})
			);
			expect(described).toBe(true);
			await expect(page.getByRole('heading', { name: 'Cite this essay' })).toBeVisible();
			await expect(page.locator('.cite-essay pre')).toContainText('@misc{');
		});
	}
});

test.describe('layout, motion and theme', () => {
	test('no page scrolls sideways at 375 px', async ({ page }) => {
		test.setTimeout(60_000 + PAGES.length * 20_000);
		await page.setViewportSize({ width: 375, height: 800 });
		for (const route of PAGES) {
			await test.step(route, async () => {
				await page.goto(route);
				await page.waitForLoadState('networkidle', { timeout: 15_000 }).catch(() => {});
				await noHorizontalScroll(page);
			});
		}
	});

	test('on a touch screen every control is at least 44 px', async ({ browser }) => {
		test.setTimeout(120_000);
		const context = await browser.newContext({ hasTouch: true, isMobile: true, viewport: { width: 375, height: 800 } });
		const page = await context.newPage();
		for (const route of PAGES) {
			await page.goto(route.startsWith('/about') || route === '/' ? route : route + QUIET);
			expect(await page.evaluate(() => matchMedia('(pointer: coarse)').matches)).toBe(true);
			const small = await page.evaluate(() => {
				const sel = 'button, select, summary, .button, input:not([type=hidden], [type=checkbox], [type=radio]), label:has(> input[type=radio]), label:has(> input[type=checkbox])';
				return Array.from(document.querySelectorAll<HTMLElement>(sel))
					.map((el) => ({ el, r: el.getBoundingClientRect() }))
					.filter(({ el, r }) => r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden')
					.filter(({ el, r }) => r.height < 43.5 || (el.matches('button, .button') && r.width < 43.5))
					.map(({ el, r }) => `${el.tagName.toLowerCase()}.${el.className} "${(el.textContent ?? '').trim().slice(0, 20)}" ${Math.round(r.width)}×${Math.round(r.height)}`);
			});
			expect(small, route).toEqual([]);
		}
		await context.close();
	});

	test('with reduced motion nothing animates and transitions take no time', async ({ page }) => {
		await page.emulateMedia({ reducedMotion: 'reduce' });
		for (const route of ['/', ...ESSAYS.map((r) => r + QUIET)]) {
			await page.goto(route);
			await page.waitForLoadState('networkidle', { timeout: 15_000 }).catch(() => {});
			// Hover a card and a citation so that hover transitions would run now if they could.
			const link = page.locator('.card-link, a.cite').first();
			if (await link.count()) await link.hover();
			const { animations, slow } = await page.evaluate(() => {
				const seconds = (v: string) => Math.max(...v.split(',').map((s) => parseFloat(s) * (s.trim().endsWith('ms') ? 0.001 : 1)));
				const slow: string[] = [];
				for (const el of document.querySelectorAll('*')) {
					const cs = getComputedStyle(el);
					const t = seconds(cs.transitionDuration);
					const a = cs.animationName !== 'none' ? seconds(cs.animationDuration) : 0;
					if (t > 0.01 || a > 0.01) slow.push(`${el.tagName.toLowerCase()}.${el.className} transition ${t}s animation ${a}s`);
				}
				return { animations: document.getAnimations().length, slow: slow.slice(0, 5) };
			});
			expect(slow, route).toEqual([]);
			expect(animations, route).toBe(0);
		}
	});

	for (const [saved, system] of [
		['dark', 'light'],
		['light', 'dark']
	] as const) {
		test(`the saved ${saved} theme is there before any app script runs (system: ${system})`, async ({ page }) => {
			await page.emulateMedia({ colorScheme: system });
			await page.addInitScript((t) => localStorage.setItem('nrs-theme', t), saved);
			// Hold back every app script: what is on screen then is what the first paint shows.
			let release!: () => void;
			const gate = new Promise<void>((r) => (release = r));
			await page.route('**/_app/**/*.js', async (route) => {
				await gate;
				await route.continue();
			});
			await page.goto('/essays/modularity', { waitUntil: 'commit' });
			await page.waitForSelector('h1', { state: 'attached' });
			// Stylesheets block the first paint (scripts here do not), so wait for them, not for the app.
			await page.waitForFunction(() => {
				const links = Array.from(document.querySelectorAll<HTMLLinkElement>('link[rel="stylesheet"]'));
				return links.length > 0 && links.every((l) => l.sheet !== null);
			});
			const before = await page.evaluate(() => ({
				theme: document.documentElement.dataset.theme,
				bg: getComputedStyle(document.body).backgroundColor,
				scheme: getComputedStyle(document.documentElement).colorScheme
			}));
			release();
			expect(before.theme).toBe(saved);
			expect(before.scheme).toBe(saved);
			const dark = saved === 'dark';
			// --bg is #141518 in dark, #fcfcfa in light
			expect(before.bg).toBe(dark ? 'rgb(20, 21, 24)' : 'rgb(252, 252, 250)');
			await page.waitForLoadState('load');
			// After hydration the header toggle reports the same choice.
			await expect(page.locator('button.theme')).toHaveAttribute('aria-label', new RegExp(`Colour theme: ${saved}`));
		});
	}

	test('plots are recoloured when the theme changes, canvases included', async ({ page }) => {
		await page.emulateMedia({ colorScheme: 'light' });
		await page.goto(`/essays/stitching${QUIET}`);
		const canvas = page.locator('figure canvas').first();
		await canvas.scrollIntoViewIfNeeded();
		await expect(canvas).toBeVisible();
		const pixels = () => canvas.evaluate((c: HTMLCanvasElement) => c.toDataURL());
		const svgFill = () =>
			page.locator('figure svg rect[fill], figure svg rect[style*="fill"]').first().evaluate((r) => getComputedStyle(r).fill);
		const light = { canvas: await pixels(), svg: await svgFill() };
		const toggle = page.locator('button.theme');
		await toggle.click(); // system → light (no change: the system is light)
		await toggle.click(); // light → dark
		await expect.poll(pixels).not.toBe(light.canvas);
		expect(await svgFill()).not.toBe(light.svg);
	});

	test('the theme toggle cycles system → light → dark and the choice survives a reload', async ({ page }) => {
		await page.emulateMedia({ colorScheme: 'light' });
		await page.goto('/about');
		const toggle = page.locator('button.theme');
		await expect(toggle).toHaveAttribute('aria-label', /Colour theme: system/);
		await toggle.click();
		await toggle.click();
		await expect(toggle).toHaveAttribute('aria-label', /Colour theme: dark/);
		expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
		await page.reload();
		expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
		await expect(toggle).toHaveAttribute('aria-label', /Colour theme: dark/);
	});
});
