// The pages of the built site, read from the prerendered output (so a new essay or embed is covered
// without editing any test). `npm run build` must have run, as for every e2e test.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const NOT_PAGES = new Set(['_app', '_embed', 'checkpoints', 'data', 'tfjs']);

/** Every prerendered page under `dir`, as a route ('/', '/about', '/essays/x', '/embed/y'). */
export function builtRoutes(dir = 'build', prefix = ''): string[] {
	const routes: string[] = [];
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		if (entry.isDirectory()) {
			if (!NOT_PAGES.has(entry.name)) routes.push(...builtRoutes(join(dir, entry.name), `${prefix}/${entry.name}`));
		} else if (entry.name.endsWith('.html') && entry.name !== '404.html') {
			const name = entry.name.replace(/\.html$/, '');
			routes.push(name === 'index' ? prefix || '/' : `${prefix}/${name}`);
		}
	}
	return routes;
}

/** The pages a reader sees (the benchmark page is a tool), sorted. */
export const PAGES = builtRoutes()
	.filter((r) => r !== '/bench')
	.sort();

export const essaySlugs: string[] = readdirSync('essays')
	.filter((f) => f.endsWith('.md'))
	.map((f) => f.replace(/\.md$/, ''))
	.sort();

/** Every page with the HTTP status it should answer with, for the page-wide checks (accessibility
 *  audit, offline, load budget); a missing page stands for the 404 page. */
export const sitePages: { path: string; status: number }[] = [
	...PAGES.map((path) => ({ path, status: 200 })),
	{ path: '/essays/no-such-page', status: 404 }
];

/** The registered widgets, as the build prerendered their /embed pages (the registry itself imports
 *  `$lib` modules, which the test runner cannot resolve). */
export const widgetNames: string[] = PAGES.filter((r) => r.startsWith('/embed/')).map((r) => r.slice('/embed/'.length));
