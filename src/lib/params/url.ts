// Browser-only glue between a params schema and the page URL, so a reader can share exactly what
// they see. Prerendered pages have no query string at build time, so the URL is only read in the
// browser (onMount / $effect); on the server every helper here falls back to defaults or no-ops.

import { browser } from '$app/environment';
import { replaceState } from '$app/navigation';
import {
	defaults,
	parseParams,
	queryKeys,
	toQuery,
	type KeyOptions,
	type ParamValues,
	type ParseResult,
	type Schema
} from './schema';

/** Parse `location.search` for one schema. On the server: defaults, no notes. */
export function readUrlParams<const S extends Schema>(schema: S, options: KeyOptions = {}): ParseResult<S> {
	if (!browser) return { values: defaults(schema), notes: [] };
	return parseParams(schema, new URLSearchParams(location.search), options);
}

/**
 * A URL like `from` (default: the current location) with this schema's keys replaced by the
 * non-default `values`. Other keys (other widgets' prefixes, utm_…, anything) are kept byte for byte,
 * so two widgets on one page don't fight over the query string.
 */
export function urlWithParams<const S extends Schema>(
	schema: S,
	values: Partial<ParamValues<S>> | Readonly<Record<string, unknown>>,
	options: KeyOptions & { from?: string | URL } = {}
): URL {
	const url = new URL(options.from ?? (browser ? location.href : 'http://localhost/'));
	const ours = new Set(queryKeys(schema, options));
	const kept = url.search
		.replace(/^\?/, '')
		.split('&')
		.filter((piece) => piece !== '' && !ours.has(decodeKey(piece)));
	const mine = toQuery(schema, values, options);
	const search = [...kept, ...(mine ? [mine] : [])].join('&');
	url.search = search ? `?${search}` : '';
	return url;
}

export type UrlWriter<S extends Schema> = {
	/** Schedule a URL update (debounced; the last call wins). */
	write(values: Partial<ParamValues<S>> | Readonly<Record<string, unknown>>): void;
	/** Apply a pending update now. */
	flush(): void;
	/** Drop a pending update (call on component destroy). */
	cancel(): void;
};

/**
 * Debounced `replaceState` writer: dragging a slider must not flood the history API (browsers
 * throttle it and throw past ~100 calls / 10 s) and must not add back-button entries.
 */
export function createUrlWriter<const S extends Schema>(
	schema: S,
	options: KeyOptions & { delay?: number } = {}
): UrlWriter<S> {
	const delay = options.delay ?? 300;
	let timer: ReturnType<typeof setTimeout> | undefined;
	let pending: Partial<ParamValues<S>> | Readonly<Record<string, unknown>> | undefined;
	// The page this writer belongs to: a write that lands after client-side navigation to another
	// page must not rewrite that page's URL.
	const path = browser ? location.pathname : '';

	const flush = () => {
		if (timer !== undefined) clearTimeout(timer);
		timer = undefined;
		if (!browser || pending === undefined) return;
		const values = pending;
		pending = undefined;
		if (location.pathname !== path) return;
		const next = urlWithParams(schema, values, options);
		if (next.href === location.href) return;
		setUrl(next);
	};

	return {
		write(values) {
			if (!browser) return;
			pending = values;
			if (timer !== undefined) clearTimeout(timer);
			timer = setTimeout(flush, delay);
		},
		flush,
		cancel() {
			if (timer !== undefined) clearTimeout(timer);
			timer = undefined;
			pending = undefined;
		}
	};
}

function setUrl(url: URL): void {
	try {
		// SvelteKit's own replaceState keeps its router's history bookkeeping intact (a raw
		// history.replaceState would drop its state index and make it warn). It works on
		// prerendered pages once the app has hydrated, which is always true by the time we write.
		replaceState(url, {});
	} catch {
		// Router not started (e.g. called too early in dev): fall back, keeping SvelteKit's state.
		try {
			history.replaceState(history.state, '', url);
		} catch {
			/* history API throttled or blocked (sandboxed iframe): the URL just stays stale */
		}
	}
}

function decodeKey(piece: string): string {
	const raw = piece.split('=', 1)[0];
	try {
		return decodeURIComponent(raw.replace(/\+/g, ' '));
	} catch {
		return raw;
	}
}
