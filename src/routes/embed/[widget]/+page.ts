import { error } from '@sveltejs/kit';
import { widgetNames, widgets } from '$lib/widgets/registry';
import type { EntryGenerator, PageLoad } from './$types';

// One static page per registered widget; an empty registry yields none (see report/svelte.config).
export const entries: EntryGenerator = () => widgetNames.map((widget) => ({ widget }));

export const load: PageLoad = async ({ params }) => {
	// Own-property check: names like "constructor" must not resolve to Object.prototype members.
	const entry = Object.hasOwn(widgets, params.widget) ? widgets[params.widget] : undefined;
	if (!entry) error(404, 'No widget by that name');
	const mod = await entry.component();
	return { name: entry.name, title: entry.title, essay: entry.essay, component: mod.default };
};
