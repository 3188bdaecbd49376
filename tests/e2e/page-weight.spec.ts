// Page weight guard, read from the build (no browser, no timing: deterministic). Pages carry only
// what they show:
//   - no page's static imports hold tfjs (it runs in the worker only; a static import of an ml module
//     that imports @tensorflow/* would put tfjs-core's engine on the page);
//   - the pages without widgets (/ and /about) stay within JS_BUDGET (scripts/static-js.ts);
//   - every essay is a chunk of its own, and no page statically loads another essay's chunk (the essay
//     list is front matter only: scripts/essay-index.ts);
//   - every embed page's widget is a chunk of its own (so the numbers above include it).
// `npx tsx scripts/static-js.ts` prints the table this checks.
import { expect, test } from '@playwright/test';
import { JS_BUDGET, siteJs, type PageJs } from '../../scripts/static-js';
import { essaySlugs } from './pages';

const kB = (n: number) => `${(n / 1000).toFixed(1)} kB`;
const rows: PageJs[] = siteJs();
const byPath = new Map(rows.map((r) => [r.path, r]));

test('every server-rendered page is measured', () => {
	for (const path of [...JS_BUDGET.pages, ...essaySlugs.map((s) => `/essays/${s}`)]) expect(byPath.has(path), path).toBe(true);
	expect(rows.some((r) => r.path.startsWith('/embed/'))).toBe(true);
});

test('no page statically imports tfjs', () => {
	const offenders = rows.filter((r) => r.tfjs.length > 0).map((r) => `${r.path}: ${r.tfjs.join(', ')}`);
	expect(offenders, offenders.join('\n')).toEqual([]);
});

for (const path of JS_BUDGET.pages) {
	test(`${path} stays within ${JS_BUDGET.bytes / 1000} kB of JS (${JS_BUDGET.gzipBytes / 1000} kB gzipped)`, () => {
		const r = byPath.get(path)!;
		const detail = `${path}: ${kB(r.bytes)} | ${kB(r.gzipBytes)} gzip in ${r.files.length} files:\n${r.files.join('\n')}`;
		test.info().annotations.push({ type: 'static JS', description: `${kB(r.bytes)} | ${kB(r.gzipBytes)} gzip` });
		expect(r.bytes, detail).toBeLessThanOrEqual(JS_BUDGET.bytes);
		expect(r.gzipBytes, detail).toBeLessThanOrEqual(JS_BUDGET.gzipBytes);
	});
}

test('each essay is its own chunk, loaded by its page only', () => {
	const essays = essaySlugs.map((s) => byPath.get(`/essays/${s}`)!);
	const chunks = essays.map((r) => r.own?.file ?? null);
	expect(chunks.every((c) => c !== null), `essays without a chunk of their own: ${essays.filter((r) => !r.own?.file).map((r) => r.path)}`).toBe(true);
	expect(new Set(chunks).size).toBe(essays.length);
	for (const r of rows) {
		const others = chunks.filter((c) => c !== r.own?.file && r.files.includes(c!));
		expect(others, `${r.path} statically loads other essays' chunks`).toEqual([]);
	}
});

test('each embed page loads its widget from a chunk of its own', () => {
	for (const r of rows.filter((r) => r.path.startsWith('/embed/'))) expect(r.own?.file, `${r.path} (${r.own?.module})`).toBeTruthy();
});
