// Extra buttons for the footer of every widget below a component: WidgetFooter shows them after
// "Copy link". A higher layer chooses them (the essay page adds the Embed button from src/lib/embed),
// so ui/ depends on no embed or widget code, and where no one adds any (an embedded widget) there are
// none. Each is rendered without props; it finds its widget through getParamState().
import { getContext, setContext, type Component } from 'svelte';

const KEY = Symbol('nrs-footer-actions');

/** Call during the initialisation of a component above the widgets. */
export function setFooterActions(actions: readonly Component[]): void {
	setContext(KEY, actions);
}

export function getFooterActions(): readonly Component[] {
	try {
		return getContext<readonly Component[] | undefined>(KEY) ?? [];
	} catch {
		return [];
	}
}
