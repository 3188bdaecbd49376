// The runtime files in static/ that keep one name from build to build: the digit data, the
// checkpoints and the tfjs wasm binaries. A page fetches them as `<path>?v=<build version>`, so
// neither the browser's HTTP cache (GitHub Pages sends max-age=600) nor a previous deploy's service
// worker can hand a new build's code the old build's bytes: the old worker's cache holds them under
// its own version's URLs, which the new code never asks for. The host ignores the query.
// Plain TS with no imports: the service worker, the ML worker and the page all use it.

/** Folders under the site root whose files are fetched with the build version. */
export const VERSIONED_DIRS = ['data/', 'checkpoints/', 'tfjs/'] as const;

/** Is `pathname` (as a URL path, base path included) one of the versioned runtime files? */
export function isVersionedPath(pathname: string, base: string): boolean {
	return VERSIONED_DIRS.some((dir) => pathname.startsWith(`${base}/${dir}`));
}

/** `url` (absolute) with `v=<version>` set in its query. */
export function withVersion(url: string, version: string): string {
	const u = new URL(url);
	u.searchParams.set('v', version);
	return u.href;
}
