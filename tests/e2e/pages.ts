// The pages of the built site, read from the prerendered output (so a new essay or embed is covered
// without editing any test). `npm run build` must have run, as for every e2e test.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const NOT_PAGES = new Set(['_app', 'checkpoints', 'data', 'tfjs']);

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
