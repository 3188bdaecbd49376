// Embed snippets: for every registered widget, the custom element's attributes and the iframe's query
// parse back (through the same schema) to exactly the state they were made from, and no value can
// smuggle markup into a snippet.
import { describe, expect, it } from 'vitest';
import { defaults, valuesEqual, type ParamSpec, type ParamValue, type Schema } from '../../src/lib/params/schema';
import { embedOptionsSchema, embedOptionNames } from '../../src/lib/embed/options';
import { elementName, embedSnippets, escapeAttr, parseEmbedState } from '../../src/lib/embed/snippets';
import { widgets } from '../../src/lib/widgets/registry';

const SITE = 'https://example.org/nrs';

/** A valid value different from the default, to exercise every param. */
function otherValue(spec: ParamSpec): ParamValue {
	switch (spec.kind) {
		case 'int':
			return spec.default === spec.max ? spec.min : spec.max;
		case 'float':
			return spec.default === spec.max ? spec.min : spec.max;
		case 'bool':
			return !spec.default;
		case 'enum':
			return spec.choices.find((c) => c.value !== spec.default)?.value ?? spec.default;
		case 'intlist':
			return Array.from({ length: Math.max(spec.minLength ?? 0, 2) }, (_, i) => (i % 2 ? spec.min : spec.max));
	}
}

/** Attributes of the custom element in a snippet, read back from the HTML text (entities decoded). */
function attributesOf(html: string, tag: string): Record<string, string> {
	const m = new RegExp(`<${tag}((?:\\s+[a-z][a-z0-9_-]*(?:="[^"]*")?)*)></${tag}>`).exec(html);
	if (!m) throw new Error(`no <${tag}> in ${html}`);
	const out: Record<string, string> = {};
	for (const a of m[1].matchAll(/\s+([a-z][a-z0-9_-]*)(?:="([^"]*)")?/g)) {
		out[a[1]] = (a[2] ?? '').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
	}
	return out;
}

function expectSameValues(schema: Schema, got: Record<string, unknown>, want: Record<string, unknown>) {
	for (const spec of schema) expect(valuesEqual(spec, got[spec.name], want[spec.name]), spec.name).toBe(true);
}

describe('embed snippets', () => {
	it('registers at least one widget', () => expect(Object.keys(widgets).length).toBeGreaterThan(0));

	for (const entry of Object.values(widgets)) {
		describe(entry.name, () => {
			const states: [string, Record<string, unknown>][] = [
				['defaults', defaults(entry.schema)],
				['every param changed', Object.fromEntries(entry.schema.map((s) => [s.name, otherValue(s)]))],
				...entry.schema.map((s): [string, Record<string, unknown>] => [`only ${s.name}`, { ...defaults(entry.schema), [s.name]: otherValue(s) }])
			];
			for (const [label, values] of states) {
				it(`round-trips ${label} through the element attributes and the iframe query`, () => {
					const options = { theme: 'dark', controls: 'hide', paused: true } as const;
					const s = embedSnippets({ siteUrl: SITE, widget: entry, schema: entry.schema, values, options });
					const attrs = attributesOf(s.element, elementName(entry.name));
					const fromAttrs = parseEmbedState(entry.schema, attrs);
					expect(fromAttrs.notes).toEqual([]);
					expectSameValues(entry.schema, fromAttrs.values, values);
					expect(fromAttrs.options).toEqual(options);

					const url = new URL(s.src);
					expect(url.origin + url.pathname).toBe(`https://example.org/nrs/embed/${entry.name}`);
					const fromQuery = parseEmbedState(entry.schema, url.searchParams);
					expect(fromQuery.notes).toEqual([]);
					expectSameValues(entry.schema, fromQuery.values, values);
					expect(fromQuery.options).toEqual(options);
					expect(s.iframe).toContain(`src="${escapeAttr(s.src)}"`);
				});
			}

			it('does not use an embed option name for a param', () => {
				for (const spec of entry.schema) expect(embedOptionNames).not.toContain(spec.name);
			});
		});
	}

	it('writes only non-default values, and nothing but the script and element for the default state', () => {
		const entry = Object.values(widgets)[0];
		const s = embedSnippets({ siteUrl: SITE, widget: entry, schema: entry.schema, values: defaults(entry.schema) });
		const tag = elementName(entry.name);
		expect(s.element).toBe(`<script type="module" src="${SITE}/embed.js"></script>\n<${tag}></${tag}>`);
		expect(s.src).toBe(`${SITE}/embed/${entry.name}`);
		expect(s.iframe).toMatch(/^<iframe src="[^"]+" title="[^"<>]+" loading="lazy" width="100%" height="\d+" /);
		expect(s.resizeScript).toBe(`<script src="${SITE}/embed-resize.js" defer></script>`);
	});

	it('never lets a value carry markup', () => {
		const evil = '"><script>alert(1)</script><x y="';
		for (const entry of Object.values(widgets)) {
			const values = Object.fromEntries(entry.schema.map((s) => [s.name, evil]));
			const s = embedSnippets({
				siteUrl: SITE,
				widget: { name: entry.name, title: evil },
				schema: entry.schema,
				values,
				options: { theme: evil as 'dark' }
			});
			for (const text of [s.iframe, s.element]) {
				expect(text).not.toContain('<script>');
				expect(text).not.toContain('<x ');
			}
			// invalid values were corrected to defaults, which are left out
			expect(s.attributes.map(([k]) => k).filter((k) => !embedOptionNames.includes(k))).toEqual([]);
		}
		expect(embedOptionsSchema.length).toBe(3);
	});
});
