/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
// Offline reading: after the first visit every page works without a network. On install this
// deploy's files go into one cache named after the build version: the app (JS/CSS chunks, tfjs
// included), every prerendered page, and everything in static/ (the digit data, the tfjs wasm
// binaries, every essay's checkpoints and results). A new deploy installs a new cache and, once it
// takes over, deletes the old ones, so readers never mix files from two builds.
import { build, files, prerendered, version, base } from '$service-worker';

const sw = self as unknown as ServiceWorkerGlobalScope;

const CACHE_PREFIX = 'nrs-';
const CACHE = `${CACHE_PREFIX}${version}`;

// Under `vite dev` there is no build (and pages are not prerendered): cache nothing, so edits and
// HMR always reach the page.
const DEV = build.length === 0;

const ASSETS = [...build, ...files, ...prerendered];
const ASSET_SET = new Set(ASSETS);
// Pages are listed without their .html; the root is `${base}/`.
const PAGE_SET = new Set(prerendered.map((p) => (p === base ? `${base}/` : p)));

sw.addEventListener('install', (event) => {
	if (DEV) return;
	event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(ASSETS)));
});

sw.addEventListener('activate', (event) => {
	event.waitUntil(
		(async () => {
			for (const key of await caches.keys()) if (key.startsWith(CACHE_PREFIX) && key !== CACHE) await caches.delete(key);
			// Take the open pages now (their later requests, e.g. lazily loaded chunks, come from this cache).
			await sw.clients.claim();
		})()
	);
});

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
	if (ASSET_SET.has(url.pathname)) {
		// This build's files never change under their URL: the cache first, the network if evicted.
		event.respondWith(
			(async () => {
				const cache = await caches.open(CACHE);
				const hit = await cache.match(url.pathname);
				if (hit) return hit;
				const res = await fetch(req);
				if (res.ok) void cache.put(url.pathname, res.clone());
				return res;
			})()
		);
	}
});
