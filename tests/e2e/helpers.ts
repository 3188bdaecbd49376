import { test as base, expect } from '@playwright/test';
import type { ConsoleMessage, Page } from '@playwright/test';

export { expect };

type ErrorPattern = string | RegExp;

export type ErrorFixtures = {
	/**
	 * Patterns (substring or RegExp) of console/page errors a test tolerates. Override per file or
	 * describe block: `test.use({ allowedErrors: [/ResizeObserver loop/] })`.
	 */
	allowedErrors: ErrorPattern[];
	/** Console errors and uncaught page errors collected so far in this test (tolerated ones excluded). */
	consoleErrors: string[];
	/** Auto fixture: fails the test at teardown if `consoleErrors` is not empty. */
	failOnConsoleErrors: void;
};

function allowed(text: string, patterns: ErrorPattern[]): boolean {
	return patterns.some((p) => (typeof p === 'string' ? text.includes(p) : p.test(text)));
}

function describeMessage(msg: ConsoleMessage): string {
	const loc = msg.location();
	const where = loc.url ? ` (${loc.url}:${loc.lineNumber}:${loc.columnNumber})` : '';
	return `console.error: ${msg.text()}${where}`;
}

export const test = base.extend<ErrorFixtures>({
	allowedErrors: [[], { option: true }],

	consoleErrors: async ({ page, allowedErrors }, use) => {
		const errors: string[] = [];
		const record = (text: string) => {
			if (!allowed(text, allowedErrors)) errors.push(text);
		};
		page.on('console', (msg) => {
			if (msg.type() === 'error') record(describeMessage(msg));
		});
		page.on('pageerror', (err) => {
			record(`pageerror: ${err.stack || `${err.name}: ${err.message}`}`);
		});
		// Crashes of the renderer (e.g. OOM in a training loop) are errors too.
		page.on('crash', () => record('page crashed'));
		await use(errors);
	},

	failOnConsoleErrors: [
		async ({ consoleErrors }, use, testInfo) => {
			await use();
			// Don't mask the test's own failure with a second one; still show what was logged.
			if (consoleErrors.length && testInfo.status !== testInfo.expectedStatus) {
				await testInfo.attach('console-errors', { body: consoleErrors.join('\n\n'), contentType: 'text/plain' });
				return;
			}
			expect(consoleErrors, `console/page errors during "${testInfo.title}"`).toEqual([]);
		},
		{ auto: true }
	]
});

/** Assert that the page does not scroll horizontally (content fits the viewport width). */
export async function noHorizontalScroll(page: Page): Promise<void> {
	const { scrollWidth, clientWidth, offenders } = await page.evaluate(() => {
		const root = document.scrollingElement ?? document.documentElement;
		const width = root.clientWidth;
		// For the failure message: the widest elements sticking out on the right.
		const offenders = Array.from(document.body.querySelectorAll<HTMLElement>('*'))
			.map((el) => ({ el, right: el.getBoundingClientRect().right }))
			.filter((o) => o.right > width + 0.5)
			.sort((a, b) => b.right - a.right)
			.slice(0, 5)
			.map(({ el, right }) => {
				const id = el.id ? `#${el.id}` : '';
				const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
				return `${el.tagName.toLowerCase()}${id}${cls} (right edge ${Math.round(right)}px)`;
			});
		return { scrollWidth: root.scrollWidth, clientWidth: width, offenders };
	});
	expect(
		scrollWidth,
		`horizontal scroll: scrollWidth ${scrollWidth} > clientWidth ${clientWidth}; widest: ${offenders.join(', ') || 'n/a'}`
	).toBeLessThanOrEqual(clientWidth);
}

type RunState = { id: number; paused: boolean; waiting: boolean };

/**
 * Wait until the page's worker has a run blocked in its pause (needs `?testhooks` in the URL). Each call
 * is a round trip to the worker, so progress it sent before pausing has reached the page by then: what
 * the page shows afterwards is final, with no fixed wait for "a chunk still in flight".
 */
export async function waitForPausedRun(page: Page): Promise<void> {
	await expect
		.poll(
			() =>
				page.evaluate(() =>
					(globalThis as unknown as { __nrsWorker: { runStates(): Promise<RunState[]> } }).__nrsWorker
						.runStates()
						.then((runs) => runs.some((r) => r.waiting))
				),
			{ timeout: 60_000 }
		)
		.toBe(true);
}
