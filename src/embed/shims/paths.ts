// $app/paths for embed.js (no SvelteKit runtime on a host page): links resolve against the site root
// that embed.js was loaded from, never against the host page.
import { siteRoot } from '$lib/embed/site';

export const base = '';
export const assets = '';
export function resolve(path: string): string {
	return `${siteRoot()}${path}`;
}
