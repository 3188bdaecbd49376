// Where the site lives. On the site itself that is this page's origin + the base path; inside embed.js
// on someone else's page it is where embed.js was loaded from (set once by the embed entry), because
// data, checkpoints, wasm files and the worker must come from the site, not from the host page.
import { base } from '$app/paths';

declare const __NRS_SITE_URL__: string | undefined;

let root: string | null = null;

/** Called by the embed bundle with the URL of the site's root (from its own import.meta.url). */
export function setSiteRoot(url: string): void {
	root = url.replace(/\/+$/, '');
}

/** Absolute URL of the site root without a trailing slash, e.g. https://example.org/nrs. */
export function siteRoot(): string {
	return root ?? `${location.origin}${base}`;
}

/**
 * The site root to put into embed snippets: SITE_URL from the build (e.g. the public address when
 * building on a staging host) or else where this page is running now.
 */
export function publicSiteUrl(): string {
	const configured = typeof __NRS_SITE_URL__ === 'string' ? __NRS_SITE_URL__ : '';
	return configured ? configured.replace(/\/+$/, '') : siteRoot();
}
