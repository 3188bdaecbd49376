// The widgets that can be embedded (/embed/<name>): name, title, essay and params schema, and their
// components as lazy loaders, so importing the registry (the /embed route, embed.js, the Embed
// button) brings names and schemas only. (tfjs is never on a page: it runs in the worker.)
// The home page's card figures come from ./thumbs.ts alone.
//
// To register a widget, add an entry keyed by its name, e.g.:
//
//   'layer-swap': {
//     name: 'layer-swap',
//     title: 'Swap two layers of a trained network',
//     essay: 'modularity',                     // essays/modularity.md → /essays/modularity
//     schema: layerSwapSchema,                 // its params: URL query, embed attributes, snippets
//     component: () => import('./layer-swap/LayerSwap.svelte'),
//     thumb: thumbs['layer-swap']               // optional, for the home page card (./thumbs.ts)
//   }
//
// The essay front matter then opts in to the thumbnail with `thumb: layer-swap`.
// An empty registry is valid: /embed/[widget] then prerenders no pages.

import type { Component } from 'svelte';
import type { Schema } from '$lib/params/schema';
import { layerSwapSchema } from './layer-swap/schema';
import { stitchingSchema } from './stitching/schema';
import { taskVectorSchema } from './task-vectors/schema';
import { creditSchema } from './credit/schema';
import { doubleItSchema } from './double-it/schema';
import { thumbs, type ThumbLoader } from './thumbs';

export type WidgetEntry = {
	name: string;
	title: string;
	/** Slug of the essay that explains this widget. */
	essay: string;
	/** The widget's params schema (the same object its ParamState uses): the embed snippets, the
	 *  custom element's attributes and the Embed button are derived from it. */
	schema: Schema;
	component: () => Promise<{ default: Component<any> }>;
	thumb?: ThumbLoader;
};

export const widgets: Record<string, WidgetEntry> = {
	'layer-swap': {
		name: 'layer-swap',
		title: 'Swap, drop or repeat the layers of a trained network',
		essay: 'modularity',
		schema: layerSwapSchema,
		component: () => import('./layer-swap/LayerSwap.svelte'),
		thumb: thumbs['layer-swap']
	},
	stitching: {
		name: 'stitching',
		title: 'Weld the bottom of one trained network onto the top of another',
		essay: 'stitching',
		schema: stitchingSchema,
		component: () => import('./stitching/Stitching.svelte'),
		thumb: thumbs['stitching']
	},
	credit: {
		name: 'credit',
		title: 'Backprop against evolution at equal compute: how much one number per try can say',
		essay: 'credit-assignment',
		schema: creditSchema,
		component: () => import('./credit/Credit.svelte'),
		thumb: thumbs['credit']
	},
	'task-vectors': {
		name: 'task-vectors',
		title: 'Add, subtract and scale what fine-tuning taught a network',
		essay: 'task-vectors',
		schema: taskVectorSchema,
		component: () => import('./task-vectors/TaskVectors.svelte'),
		thumb: thumbs['task-vectors']
	},
	'double-it': {
		name: 'double-it',
		title: 'Double or halve one setting of a working network, and see whether training breaks',
		essay: 'double-it',
		schema: doubleItSchema,
		component: () => import('./double-it/DoubleIt.svelte'),
		thumb: thumbs['double-it']
	}
};

export const widgetNames: string[] = Object.keys(widgets);

/** The registered widget whose params schema is this very object (how the Embed button knows its widget). */
export function widgetForSchema(schema: Schema): WidgetEntry | undefined {
	return Object.values(widgets).find((w) => w.schema === schema);
}
