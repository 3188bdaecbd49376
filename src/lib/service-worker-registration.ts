// The service worker (src/service-worker.ts) is registered here rather than by SvelteKit on every
// page (svelte.config.js: serviceWorker.register = false), so that /embed/* frames on other
// people's blogs never install the site's offline cache. Called by the (site) layout.
import { base } from '$app/paths';
import { dev } from '$app/environment';

function container(): ServiceWorkerContainer | undefined {
	try {
		return navigator.serviceWorker;
	} catch {
		return undefined; // reading it throws in a sandboxed frame (opaque origin)
	}
}

export function registerServiceWorker(): void {
	const sw = container();
	if (!sw) return;
	// After the page's own loading, as SvelteKit does: the install downloads the whole site.
	const register = () =>
		sw
			.register(`${base}/service-worker.js`, { type: dev ? 'module' : 'classic' })
			// Offline reading is an extra: a refused registration (private mode, storage off) changes nothing on the page.
			.catch(() => {});
	if (document.readyState === 'complete') register();
	else addEventListener('load', register, { once: true });
}
