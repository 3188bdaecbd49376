// In the ML worker every runtime file (data, checkpoints, wasm) is fetched under the build version
// (see $lib/versioned-assets). The URLs are formed in many places — the jobs, the data loader, and
// tfjs-backend-wasm's own loader, which appends file names to a folder — so the version is added
// where they all meet: the worker's global fetch.
import { VERSIONED_DIRS, withVersion } from '../versioned-assets';

export type AssetVersion = {
	/** the site root the files are served from (origin + base path, no trailing slash) */
	root: string;
	/** the build's version ($app/environment) */
	version: string;
};

/** Wrap `scope.fetch` so that requests for the site's versioned files carry `?v=<version>`. */
export function versionAssetFetches(scope: { fetch: typeof fetch }, { root, version }: AssetVersion): void {
	const prefixes = VERSIONED_DIRS.map((dir) => `${root}/${dir}`);
	const plain = scope.fetch.bind(scope);
	scope.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
		const href = typeof input === 'string' ? input : input instanceof URL ? input.href : null;
		if (href !== null && prefixes.some((p) => href.startsWith(p))) return plain(withVersion(href, version), init);
		return plain(input, init);
	};
}
