// What a widget needs to know when it runs as an embed, passed down as a Svelte context (so no widget
// body has to know about embedding): where its params come from and where a share link should point.
import { getContext, setContext } from 'svelte';

export type EmbedContext = {
	/** Untrusted params (a custom element's attributes), read instead of the page URL. */
	params?: Readonly<Record<string, string | null | undefined>>;
	/** The page a share link should point at (the essay on the site, not the host page). */
	shareFrom?: () => string;
};

const KEY = Symbol('nrs-embed');

/** For `mount(Component, { context })`. */
export function embedContextMap(ctx: EmbedContext): Map<unknown, unknown> {
	return new Map([[KEY, ctx]]);
}

/** Call during component initialisation (e.g. in the /embed page). */
export function setEmbedContext(ctx: EmbedContext): void {
	setContext(KEY, ctx);
}

/** The embed context, or undefined on the site (also when called outside component initialisation). */
export function getEmbedContext(): EmbedContext | undefined {
	try {
		return getContext<EmbedContext | undefined>(KEY);
	} catch {
		return undefined;
	}
}
