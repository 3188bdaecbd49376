// Where a widget's params come from, as a Svelte context set by whoever mounts the widget. Without
// one, ParamState reads the page URL and writes changes back to it. An embed hands in its attributes
// instead and says where share links should point. params/ only defines this hook; the embed layer
// (src/lib/embed/EmbedView.svelte) sets it, so params/ and ui/ need to know nothing about embedding.
import { getContext, setContext } from 'svelte';

export type ParamSource = {
	/** Untrusted params (a custom element's attributes), read instead of the page URL, which is then
	 *  never written (a custom element must not rewrite its host page's address). */
	params?: Readonly<Record<string, string | null | undefined>>;
	/** The page a share link should point at (default: this page). */
	shareFrom?: () => string;
};

const KEY = Symbol('nrs-param-source');

/** Call during the initialisation of a component above the widget. */
export function setParamSource(source: ParamSource): void {
	setContext(KEY, source);
}

/** The param source set above, or undefined (the page URL; also outside component initialisation). */
export function getParamSource(): ParamSource | undefined {
	try {
		return getContext<ParamSource | undefined>(KEY);
	} catch {
		return undefined;
	}
}
