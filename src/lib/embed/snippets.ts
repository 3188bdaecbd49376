// Embed snippets for one widget in one state: pure string building, no DOM, unit tested (every
// registered widget's snippet round-trips through its schema). Values are first put through the
// schema (toQuery corrects and drops defaults), and every attribute value is HTML-escaped, so a
// snippet can never carry markup whatever the state holds.
import { parseParams, toQuery, type Schema } from '$lib/params/schema';
import { embedOptionsSchema, type EmbedOptions } from './options';

export type SnippetInput = {
	/** Absolute site root without trailing slash, e.g. https://example.org/nrs */
	siteUrl: string;
	widget: { name: string; title: string };
	schema: Schema;
	values: Readonly<Record<string, unknown>>;
	options?: Partial<EmbedOptions>;
};

export type Snippets = {
	/** the iframe's src */
	src: string;
	iframe: string;
	/** optional host script that resizes the iframe from its size messages */
	resizeScript: string;
	/** the module script and the custom element */
	element: string;
	/** attribute name → value ('' = bare boolean attribute), as in `element` */
	attributes: [string, string][];
};

/** Fixed height used until (or without) the resize script: most widgets fit, the rest scroll. */
export const DEFAULT_IFRAME_HEIGHT = 900;
/**
 * The iframe's sandbox: scripts (the widget), popups that escape the sandbox (its "Open in the full
 * essay" link opens a normal tab) and downloads (figure and results export). No allow-same-origin:
 * the frame runs with an opaque origin and still works (the worker starts through a blob, the
 * resize messages are accepted from that very frame), and no top navigation or forms.
 */
export const IFRAME_SANDBOX = 'allow-scripts allow-popups allow-popups-to-escape-sandbox allow-downloads';
/** Custom element name for a widget: nrs-<name>. Registry names are already lowercase with dashes. */
export const elementName = (widget: string) => `nrs-${widget}`;

/** Query for a state: non-default widget params in schema order, then non-default options. */
export function stateQuery(schema: Schema, values: Readonly<Record<string, unknown>>, options: Partial<EmbedOptions> = {}): string {
	return [toQuery(schema, values), toQuery(embedOptionsSchema, options)].filter(Boolean).join('&');
}

export function embedSnippets(input: SnippetInput): Snippets {
	const { siteUrl, widget, schema, values, options = {} } = input;
	const query = stateQuery(schema, values, options);
	const pairs = [...new URLSearchParams(query)];
	const src = `${siteUrl}/embed/${encodeURIComponent(widget.name)}${query ? `?${query}` : ''}`;
	const iframe =
		`<iframe src="${escapeAttr(src)}" title="${escapeAttr(widget.title)}" loading="lazy" ` +
		`width="100%" height="${DEFAULT_IFRAME_HEIGHT}" style="border:0;width:100%;max-width:1100px" sandbox="${IFRAME_SANDBOX}" data-nrs-embed></iframe>`;
	const resizeScript = `<script src="${escapeAttr(`${siteUrl}/embed-resize.js`)}" defer></script>`;
	// Booleans that are on become bare attributes (`residual`), like HTML's own boolean attributes.
	const attributes = pairs.map(([k, v]): [string, string] => [k, isBareTrue(schema, k, v) ? '' : v]);
	const attrText = attributes.map(([k, v]) => (v === '' ? ` ${k}` : ` ${k}="${escapeAttr(v)}"`)).join('');
	const tag = elementName(widget.name);
	const element = `<script type="module" src="${escapeAttr(`${siteUrl}/embed.js`)}"></script>\n<${tag}${attrText}></${tag}>`;
	return { src, iframe, resizeScript, element, attributes };
}

/** What a custom element's attributes (or an iframe's query) mean: the widget's values and the options. */
export function parseEmbedState<S extends Schema>(schema: S, input: URLSearchParams | Readonly<Record<string, string | null | undefined>>) {
	const params = parseParams(schema, input);
	const options = parseParams(embedOptionsSchema, input);
	return { values: params.values, options: options.values, notes: [...params.notes, ...options.notes] };
}

function isBareTrue(schema: Schema, key: string, value: string): boolean {
	const spec = schema.find((s) => s.name === key) ?? embedOptionsSchema.find((s) => s.name === key);
	return spec?.kind === 'bool' && value === '1';
}

export function escapeAttr(s: string): string {
	return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
