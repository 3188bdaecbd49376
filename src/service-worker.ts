/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
// Offline reading: after the first visit every page works without a network. On install this
// deploy's files go into one cache named after the base path and the build version: the app (JS/CSS
// chunks, tfjs included), every prerendered page, and everything in static/ (the digit data, the
// tfjs wasm binaries, every essay's checkpoints and results).
//
// Two builds never mix:
// - install fetches past the HTTP cache (`cache: 'reload'`), so a new version's cache cannot be
//   filled with the previous deploy's bytes (GitHub Pages sends max-age=600);
// - the files that keep their names between builds (data/, checkpoints/, tfjs/) are fetched by the
//   app as `?v=<version>` ($lib/versioned-assets) and cached under that URL. While an old worker
//   still controls the tab, a reloaded page's new code asks for its own version, which the old
//   worker does not hold, so it goes to the network instead of getting the old bytes.
// Registered from the (site) layout only: /embed/* pages on other people's blogs install nothing.
import { build, files, prerendered, version, base } from '$service-worker';
import { isVersionedPath } from '$lib/versioned-assets';

const sw = self as unknown as ServiceWorkerGlobalScope;

// One cache per deployment: two sites under one origin (/nrs and /nrs-staging on user.github.io)
// must not delete each other's caches.
const CACHE_PREFIX = `nrs:${base || '/'}:`;
const CACHE = `${CACHE_PREFIX}${version}`;
// Caches of builds from before the per-base names ("nrs-<version>"), dropped once.
const LEGACY_CACHE = /^nrs-\d+$/;

// Under `vite dev` there is no build (and pages are not prerendered): cache nothing, so edits and
// HMR always reach the page.
const DEV = build.length === 0;

const versioned = (path: string) => `${path}?v=${encodeURIComponent(version)}`;
const VERSIONED = files.filter((f) => isVersionedPath(f, base));
const VERSIONED_SET = new Set(VERSIONED);
const PLAIN = [...build, ...files.filter((f) => !VERSIONED_SET.has(f)), ...prerendered];
const PLAIN_SET = new Set(PLAIN);
// Pages are listed without their .html; the root is `${base}/`.
const PAGE_SET = new Set(prerendered.map((p) => (p === base ? `${base}/` : p)));

sw.addEventListener('install', (event) => {
	if (DEV) return;
	const urls = [...PLAIN, ...VERSIONED.map(versioned)];
	event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(urls.map((u) => new Request(u, { cache: 'reload' })))));
});

sw.addEventListener('activate', (event) => {
	event.waitUntil(
		(async () => {
			for (const key of await caches.keys())
				if ((key.startsWith(CACHE_PREFIX) && key !== CACHE) || LEGACY_CACHE.test(key)) await caches.delete(key);
			// Take the open pages now (their later requests, e.g. lazily loaded chunks, come from this cache).
			await sw.clients.claim();
		})()
	);
});

/** Cache first under `key`; on a miss the network, kept for next time. */
async function cacheFirst(req: Request, key: string): Promise<Response> {
	const cache = await caches.open(CACHE);
	const hit = await cache.match(key);
	if (hit) return hit;
	const res = await fetch(req);
	if (res.ok) void cache.put(key, res.clone());
	return res;
}

sw.addEventListener('fetch', (event) => {
	const req = event.request;
	if (DEV || req.method !== 'GET') return;
	const url = new URL(req.url);
	if (url.origin !== sw.location.origin) return;

	if (req.mode === 'navigate' || PAGE_SET.has(url.pathname)) {
		// Pages: the network first so an online reader always gets the current build; the cached
		// copy when offline. Query strings (widget params) don't change the prerendered page.
		event.respondWith(
			fetch(req).catch(async () => {
				const cache = await caches.open(CACHE);
				const hit = (await cache.match(url.pathname)) ?? (await cache.match(req, { ignoreSearch: true }));
				return hit ?? Response.error();
			})
		);
		return;
	}
	if (VERSIONED_SET.has(url.pathname)) {
		// Only this build's version is ours to answer; another build's request goes to the network
		// (its `?v=` keeps the HTTP cache from answering with this build's bytes either).
		if (url.searchParams.get('v') === version) event.respondWith(cacheFirst(req, versioned(url.pathname)));
		return;
	}
	// This build's other files never change under their URL (hashed chunks, pages' own assets).
	if (PLAIN_SET.has(url.pathname)) event.respondWith(cacheFirst(req, url.pathname));
});
