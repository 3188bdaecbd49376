import type { Page } from '@playwright/test';
import { test, expect } from './helpers';
import { widgetNames } from './pages';

// A keyboard-only walk through every widget (on its embed page): every control is a Tab stop with a
// visible focus indicator, the main figure's control responds to arrow keys (the live summary changes),
// and training starts with Enter and pauses/resumes with Space/Enter.

/** The control whose arrow keys change the main figure; default: the widget's first slider. */
const FIGURE_CONTROL: Record<string, string> = {
	'layer-swap': '.grip', // a block of the stack: the arrow keys move it
	'double-it': '[data-cell="width@1"]' // a grid cell: the arrow keys move the selection
};

/** The section that holds a widget's training controls (data-testid), where it isn't "train". */
const TRAIN_SECTION: Record<string, string> = { credit: 'race' };

/**
 * Widgets whose start-up pipeline shows and hides run controls as it goes (stitching trains its
 * stitches, with Play/Pause/Step/Cancel, after loading): walk them once it is done, not mid-change.
 */
const SETTLES_IDLE = new Set(['stitching']);

const focusInfo = (page: Page) =>
	page.evaluate(() => {
		const el = document.activeElement as HTMLElement | null;
		if (!el || el === document.body) return null;
		const ring = (n: Element | null) => {
			if (!n) return false;
			const cs = getComputedStyle(n);
			return (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0) || cs.boxShadow !== 'none';
		};
		// SVG plot items draw focus as a stroke or (heat-map cells, bars) as a separate ring shape.
		// Visually hidden inputs (switches, segmented options) show focus on their visible part: the
		// next sibling or the label around them. Range thumbs draw a ring on a pseudo-element, which
		// getComputedStyle cannot see; Slider.svelte styles it.
		const visible =
			ring(el) ||
			(el instanceof SVGElement && (getComputedStyle(el).stroke !== 'none' || !!el.ownerSVGElement?.querySelector('[data-focus-ring]'))) ||
			(el instanceof HTMLInputElement && (el.type === 'range' || ring(el.nextElementSibling) || ring(el.closest('label'))));
		const id = el.dataset.kbdId ?? String(Math.random());
		el.dataset.kbdId = id;
		return { id, inWidget: !!el.closest('[data-widget]'), visible, desc: `${el.tagName.toLowerCase()} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40)}"` };
	});

for (const name of widgetNames) {
	test(`keyboard-only walk through ${name}`, async ({ page }) => {
		test.setTimeout(180_000);
		await page.goto(`/embed/${name}?backend=wasm`);
		const widget = page.locator(`[data-widget="${name}"]`);
		await expect(widget).toHaveAttribute('data-phase', 'ready', { timeout: 60_000 });
		// let the first live recomputation settle so controls don't appear/disappear mid-walk
		if (SETTLES_IDLE.has(name)) await expect(widget).toHaveAttribute('data-busy', 'idle', { timeout: 120_000 });
		else await page.waitForTimeout(1500);

		// 1. Tab through the whole widget: every stop shows focus; every enabled control gets one.
		const visited = new Set<string>();
		let left = false;
		for (let i = 0; i < 400 && !left; i++) {
			await page.keyboard.press('Tab');
			const f = await focusInfo(page);
			if (!f) continue;
			if (!f.inWidget) {
				left = visited.size > 0;
				continue;
			}
			expect(f.visible, `no visible focus on ${f.desc}`).toBe(true);
			visited.add(f.id);
		}
		const missed = await widget.evaluate((root, ids) => {
			const controls = root.querySelectorAll<HTMLElement>('button, input, select, textarea, summary, a[href], [tabindex]');
			return [...controls]
				.filter((el) => {
					if (el.tabIndex < 0 || (el as HTMLButtonElement).disabled || el.closest('fieldset:disabled, details:not([open]) > :not(summary)')) return false;
					if (el instanceof HTMLInputElement && el.type === 'radio' && !el.checked) return false; // one stop per radio group
					const r = (el.closest('label') ?? el).getBoundingClientRect();
					return r.width > 0 && r.height > 0 && !ids.includes(el.dataset.kbdId ?? '');
				})
				.map((el) => `${el.tagName.toLowerCase()} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40)}"`);
		}, [...visited]);
		expect(missed, 'controls not reachable with Tab').toEqual([]);

		// 2. The figure's control, reached by keyboard, changes the figure: the live summary follows.
		const summary = widget.getByTestId('figure-summary');
		await expect(summary).not.toBeEmpty();
		const before = await summary.textContent();
		const target = widget.locator(FIGURE_CONTROL[name] ?? 'input[type="range"]').first();
		await target.focus();
		expect(await target.evaluate((el) => el.matches(':focus-visible') || el === document.activeElement)).toBe(true);
		await page.keyboard.press('ArrowRight');
		await expect(summary).not.toHaveText(before ?? '', { timeout: 20_000 });

		// 3. Training: Enter starts it, Space pauses, Enter resumes; then cancel. (A widget may already be
		// running a live job with these controls, e.g. stitching trains its stitches after loading.)
		const primary = widget.locator(`[data-testid="${TRAIN_SECTION[name] ?? 'train'}"] button.primary`).first();
		const pause = widget.getByRole('button', { name: 'Pause', exact: true });
		// (the figure control above may have started a recomputation that holds the training controls)
		await expect(primary).toBeEnabled({ timeout: 60_000 });
		await primary.focus();
		if (!(await pause.isVisible())) {
			await page.keyboard.press('Enter');
			await expect(pause).toBeFocused({ timeout: 20_000 });
		}
		await expect(pause).toBeFocused();
		await page.keyboard.press('Space');
		const play = widget.getByRole('button', { name: /^(Play|Resume)$/ });
		await expect(play).toBeFocused();
		await page.keyboard.press('Enter');
		await expect(pause).toBeFocused();
		await widget.getByRole('button', { name: 'Cancel & reset' }).focus();
		await page.keyboard.press('Enter');
		await expect(pause).toBeHidden({ timeout: 60_000 });
	});
}
