// Every page of the site, for the page-wide checks (accessibility audit, offline, load budget).
// Derived from the essays folder and the widget registry so new essays and widgets are covered
// without editing the tests.
import { readdirSync } from 'node:fs';
import { widgetNames } from '../../src/lib/widgets/registry';

export const essaySlugs: string[] = readdirSync('essays')
	.filter((f) => f.endsWith('.md'))
	.map((f) => f.replace(/\.md$/, ''))
	.sort();

export const sitePages: { path: string; status: number }[] = [
	{ path: '/', status: 200 },
	{ path: '/about', status: 200 },
	...essaySlugs.map((s) => ({ path: `/essays/${s}`, status: 200 })),
	...widgetNames.map((w) => ({ path: `/embed/${w}`, status: 200 })),
	{ path: '/essays/no-such-page', status: 404 }
];
