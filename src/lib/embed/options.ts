// Options of an embedded widget that are not the widget's own params: theme, figure-only, start
// paused. Declared as a params schema so the iframe's query and the custom element's attributes are
// validated (and their corrections noted) exactly like the widget's params. A unit test checks that
// no widget's schema uses one of these names.
import { defineSchema, type ParamValues } from '$lib/params/schema';

export const embedOptionsSchema = defineSchema([
	{
		name: 'theme',
		kind: 'enum',
		label: 'Theme',
		help: 'Auto follows the reader’s system setting.',
		choices: [
			{ value: 'auto', label: 'Auto' },
			{ value: 'light', label: 'Light' },
			{ value: 'dark', label: 'Dark' }
		],
		default: 'auto',
		live: true
	},
	{
		name: 'controls',
		kind: 'enum',
		label: 'Controls',
		help: 'Figure only hides the sliders, switches and training buttons.',
		choices: [
			{ value: 'show', label: 'Show' },
			{ value: 'hide', label: 'Figure only' }
		],
		default: 'show',
		live: true
	},
	{
		name: 'paused',
		kind: 'bool',
		label: 'Start paused',
		help: 'Show the shipped results and start no computation until the reader presses Run live.',
		default: false,
		live: true
	}
]);

export type EmbedOptions = ParamValues<typeof embedOptionsSchema>;
export const embedOptionNames: readonly string[] = embedOptionsSchema.map((s) => s.name);
