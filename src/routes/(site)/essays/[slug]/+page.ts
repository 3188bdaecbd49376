import { error } from '@sveltejs/kit';
import type { Component } from 'svelte';
import { slugOf, toMeta } from '$lib/essay/meta';
import type { EntryGenerator, PageLoad } from './$types';

type EssayModule = { default: Component; metadata?: Record<string, unknown> };

// Lazy glob: each essay (and the widgets it imports) becomes its own chunk, loaded only on its page.
// (The essay list on other pages comes from front matter alone: ../../../essays.ts.)
const modules = import.meta.glob<EssayModule>('/essays/*.md');

/** Prerender every essay, including drafts (they are just not listed on the home page). */
export const entries: EntryGenerator = () => Object.keys(modules).map((path) => ({ slug: slugOf(path) }));

export const load: PageLoad = async ({ params }) => {
	const loader = modules[`/essays/${params.slug}.md`];
	if (!loader) error(404, 'No essay by that name');
	const mod = await loader();
	return { meta: toMeta(params.slug, mod.metadata), component: mod.default };
};
