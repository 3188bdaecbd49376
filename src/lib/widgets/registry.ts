// The widgets that can be embedded (/embed/<name>) and shown as essay thumbnails on the home page.
// Components are imported lazily so the home page and other routes don't pull in tfjs.
//
// To register a widget, add an entry keyed by its name, e.g.:
//
//   'layer-swap': {
//     name: 'layer-swap',
//     title: 'Swap two layers of a trained network',
//     essay: 'modularity',                     // essays/modularity.md → /essays/modularity
//     component: () => import('./layer-swap/LayerSwap.svelte'),
//     thumb: () => import('./layer-swap/Thumb.svelte')   // optional, for the home page card
//   }
//
// The essay front matter then opts in to the thumbnail with `thumb: layer-swap`.
// An empty registry is valid: /embed/[widget] then prerenders no pages.

import type { Component } from 'svelte';

export type WidgetEntry = {
	name: string;
	title: string;
	/** Slug of the essay that explains this widget. */
	essay: string;
	component: () => Promise<{ default: Component<any> }>;
	thumb?: () => Promise<{ default: Component<any> }>;
};

export const widgets: Record<string, WidgetEntry> = {
	'layer-swap': {
		name: 'layer-swap',
		title: 'Swap, drop or repeat the layers of a trained network',
		essay: 'modularity',
		component: () => import('./layer-swap/LayerSwap.svelte'),
		thumb: () => import('./layer-swap/Thumb.svelte')
	},
	stitching: {
		name: 'stitching',
		title: 'Weld the bottom of one trained network onto the top of another',
		essay: 'stitching',
		component: () => import('./stitching/Stitching.svelte'),
		thumb: () => import('./stitching/Thumb.svelte')
	},
	credit: {
		name: 'credit',
		title: 'Backprop against evolution at equal compute: how much one number per try can say',
		essay: 'credit-assignment',
		component: () => import('./credit/Credit.svelte'),
		thumb: () => import('./credit/Thumb.svelte')
	},
	'task-vectors': {
		name: 'task-vectors',
		title: 'Add, subtract and scale what fine-tuning taught a network',
		essay: 'task-vectors',
		component: () => import('./task-vectors/TaskVectors.svelte'),
		thumb: () => import('./task-vectors/Thumb.svelte')
	}
};

export const widgetNames: string[] = Object.keys(widgets);
