// The home page's card figures, by widget name, each imported lazily. The home page imports only this
// map, not the registry: the registry's params schemas and their validation are of no use there.
// A widget that ships a Thumb lists it here; its registry entry points at the same loader.
import type { Component } from 'svelte';

export type ThumbLoader = () => Promise<{ default: Component<any> }>;

export const thumbs: Record<string, ThumbLoader> = {
	'layer-swap': () => import('./layer-swap/Thumb.svelte'),
	stitching: () => import('./stitching/Thumb.svelte'),
	credit: () => import('./credit/Thumb.svelte'),
	'task-vectors': () => import('./task-vectors/Thumb.svelte'),
	'double-it': () => import('./double-it/Thumb.svelte')
};

/** The Thumb loader of the widget an essay names in its front matter (`thumb:`), if it ships one. */
export function thumbFor(name: string | undefined): ThumbLoader | undefined {
	return name !== undefined && Object.hasOwn(thumbs, name) ? thumbs[name] : undefined;
}
