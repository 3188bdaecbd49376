// Citations and footnotes for the essays, resolved at build time (a remark plugin for mdsvex).
//
//   [@veit2016]             one source from essays/references.bib → "[1]"
//   [@greff2017; @veit2016] several → "[2, 1]"
//   text[^why]              a footnote marker → superscript "1"
//   [^why]: The note.       its text: a paragraph of its own that starts with the marker and a colon
//                           (one paragraph per note; inline markdown, math and citations allowed)
//
// Sources are numbered in order of first use in each essay; a references list (and a notes list when
// there are footnotes) is appended to the essay. Each marker is a link to its list entry with
// aria-describedby pointing at the entry's text, so it works without JavaScript and for screen readers;
// src/lib/essay/CitationCard.svelte adds the hover/focus/tap card. Unknown keys, notes without text
// and text without a note fail the build with the file and line.
//
// mdsvex's markdown parser (remark-parse 8) has no citation or footnote syntax: `[@key]` and `[^id]`
// arrive as link references without a definition, which is what this plugin looks for.
import { readFileSync } from 'node:fs';
import { parse as parseBibtex } from '@retorquere/bibtex-parser';

const CITE = /^@[\w:.-]+(\s*;\s*@[\w:.-]+)*$/;
const FOOTNOTE = /^\^([\w-]+)$/;

/** @typedef {{ key: string, authors: string, title: string, venue: string, year: string, url: string, linkText: string, note: string }} Source */

/** @param {string} s */
export const escapeHtml = (s) =>
	s.replace(/[&<>"'{}]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '{': '&#123;', '}': '&#125;' })[c] ?? c);

/**
 * Is `url` an absolute http(s) URL? A bib entry becomes a live link in the essay and its citation
 * card, so a `javascript:` (or `data:`) URL must never get through.
 * @param {string} url
 */
export function isWebUrl(url) {
	try {
		const { protocol } = new URL(url);
		return protocol === 'https:' || protocol === 'http:';
	} catch {
		return false;
	}
}

/** @param {{ lastName?: string, name?: string }[] | undefined} creators */
function formatAuthors(creators) {
	const names = (creators ?? []).map((c) => c.lastName ?? c.name ?? '').filter(Boolean);
	if (names.length <= 1) return names.join('');
	return `${names.slice(0, -1).join(', ')} & ${names[names.length - 1]}`;
}

/**
 * Parse a BibTeX file into display-ready sources, keyed by citation key. Titles are kept exactly as
 * written (the parser would otherwise sentence-case English titles).
 * @param {string} text
 * @returns {Map<string, Source>}
 */
export function parseBibliography(text) {
	const lib = parseBibtex(text, { sentenceCase: false });
	if (lib.errors.length) {
		throw new Error(`references.bib: ${lib.errors.map((e) => e.error ?? JSON.stringify(e)).join('; ')}`);
	}
	/** @type {Map<string, Source>} */
	const sources = new Map();
	for (const entry of lib.entries) {
		const f = /** @type {Record<string, any>} */ (entry.fields);
		if (f.url && !isWebUrl(f.url)) throw new Error(`references.bib: ${entry.key} has url = {${f.url}}; only http(s) links are allowed`);
		const eprint = f.eprint ? `arXiv:${f.eprint}` : '';
		sources.set(entry.key, {
			key: entry.key,
			authors: formatAuthors(f.author),
			title: f.title ?? '',
			venue: [f.booktitle ?? f.journal ?? '', f.howpublished ?? ''].filter(Boolean).join('; '),
			year: f.year ?? '',
			url: f.url ?? '',
			linkText: eprint || (f.url ?? ''),
			note: f.note ?? ''
		});
	}
	return sources;
}

/** One references-list entry's text, as HTML (every value escaped, braces included for Svelte). */
export function sourceHtml(/** @type {Source} */ s) {
	const parts = [];
	const id = `ref-${s.key}`;
	parts.push(`<span class="ref-authors">${escapeHtml(s.authors)}</span>`);
	if (s.year) parts.push(` (<span class="ref-year">${escapeHtml(s.year)}</span>)`);
	parts.push('. ');
	// No second full stop after a title that ends in its own punctuation ("…of Inference?").
	if (s.title) parts.push(`<cite class="ref-title">${escapeHtml(s.title)}</cite>${/[.?!]$/.test(s.title) ? '' : '.'} `);
	if (s.venue) parts.push(`<span class="ref-venue">${escapeHtml(s.venue)}</span>. `);
	if (s.note) parts.push(`<span class="ref-note">${escapeHtml(s.note)}</span>. `);
	if (s.url && isWebUrl(s.url)) parts.push(`<a class="ref-link" href="${escapeHtml(s.url)}">${escapeHtml(s.linkText)}</a>`);
	return `<span class="ref-body" id="${id}-text">${parts.join('').trim()}</span>`;
}

/** Plain text of an mdast node. @param {any} node @returns {string} */
const textOf = (node) =>
	node.value !== undefined && node.type === 'text' ? node.value : (node.children ?? []).map(textOf).join('');

/** @param {any} node @param {(n: any, parent: any, index: number) => void} fn */
function walk(node, fn, parent = null, index = -1) {
	fn(node, parent, index);
	if (node.children) for (let i = 0; i < node.children.length; i++) walk(node.children[i], fn, node, i);
}

/** @param {any} file @param {any} node */
const where = (file, node) =>
	`${file?.filename ?? file?.path ?? 'essay'}${node?.position ? `:${node.position.start.line}` : ''}`;

/**
 * @param {{ bibliography?: string, sources?: Map<string, Source> }} options
 *   `bibliography`: path of the .bib file (read once per build), or `sources` already parsed (tests).
 */
export function remarkCite(options = {}) {
	/** @type {Map<string, Source> | null} */
	let sources = options.sources ?? null;
	const load = () => {
		if (!sources) sources = parseBibliography(readFileSync(/** @type {string} */ (options.bibliography), 'utf8'));
		return sources;
	};

	/** @param {any} tree @param {any} file */
	return (tree, file) => {
		const bib = load();
		/** @type {Map<string, number>} key → number, in order of first use */
		const cited = new Map();
		/** @type {Map<string, { node: any, children: any[] }>} footnote id → definition */
		const notes = new Map();
		/** @type {Map<string, number>} footnote id → number, in order of first marker */
		const noteNumbers = new Map();
		/** @type {{ parent: any, index: number }[]} */
		const definitionSpots = [];

		// 1. Footnote definitions: a paragraph "[^id]: text…", or a link definition "[^id]: url".
		walk(tree, (node, parent, index) => {
			if (node.type === 'definition' && FOOTNOTE.test(node.label ?? '')) {
				const id = /** @type {RegExpMatchArray} */ (FOOTNOTE.exec(node.label))[1];
				notes.set(id, { node, children: [{ type: 'text', value: node.url }] });
				definitionSpots.push({ parent, index });
				return;
			}
			if (node.type !== 'paragraph') return;
			const [first, second] = node.children ?? [];
			if (first?.type !== 'linkReference' || !second || second.type !== 'text' || !second.value.startsWith(':')) return;
			const m = FOOTNOTE.exec(textOf(first));
			if (!m) return;
			if (notes.has(m[1])) throw new Error(`${where(file, node)}: footnote [^${m[1]}] is defined twice`);
			const rest = [{ ...second, value: second.value.slice(1).replace(/^\s+/, '') }, ...node.children.slice(2)];
			notes.set(m[1], { node, children: rest });
			definitionSpots.push({ parent, index });
		});
		// Remove the definitions from the flow (from the back, so indices stay valid); they move to the notes list.
		for (const { parent, index } of definitionSpots.sort((a, b) => b.index - a.index)) parent.children.splice(index, 1);

		// 2. Markers, in document order (including citations inside footnote text, numbered where they occur).
		/** @param {any} root */
		const replaceMarkers = (root) =>
			walk(root, (node, parent, index) => {
				if (node.type !== 'linkReference' || !parent) return;
				const label = textOf(node).trim();
				if (CITE.test(label)) {
					const keys = label.split(';').map((k) => k.trim().slice(1));
					const links = keys.map((key) => {
						if (!bib.has(key)) {
							throw new Error(
								`${where(file, node)}: unknown citation key "@${key}". Add an entry with that key to essays/references.bib, or fix the key.`
							);
						}
						if (!cited.has(key)) cited.set(key, cited.size + 1);
						const n = cited.get(key);
						return `<a class="cite" href="#ref-${key}" data-card="ref-${key}" aria-describedby="ref-${key}-text"><span class="visually-hidden">reference </span>${n}</a>`;
					});
					parent.children[index] = { type: 'html', value: `<span class="citation">[${links.join(', ')}]</span>` };
					// "… shallow networks [3]": keep the bracket on the line of the word before it.
					const before = parent.children[index - 1];
					if (before?.type === 'text') before.value = before.value.replace(/ $/, '\u00a0');
					return;
				}
				const m = FOOTNOTE.exec(label);
				if (m) {
					const id = m[1];
					if (!notes.has(id)) throw new Error(`${where(file, node)}: footnote [^${id}] has no text (add a paragraph "[^${id}]: …")`);
					const first = !noteNumbers.has(id);
					if (first) noteNumbers.set(id, noteNumbers.size + 1);
					const n = noteNumbers.get(id);
					const backId = first ? ` id="fnref-${id}"` : '';
					parent.children[index] = {
						type: 'html',
						value: `<sup class="footnote-ref"><a class="cite" href="#fn-${id}"${backId} data-card="fn-${id}" aria-describedby="fn-${id}-text"><span class="visually-hidden">note </span>${n}</a></sup>`
					};
				}
			});
		replaceMarkers(tree);
		const ordered = [...notes.entries()]
			.filter(([id, def]) => {
				if (!noteNumbers.has(id)) throw new Error(`${where(file, def.node)}: footnote [^${id}] is never used in the text`);
				return true;
			})
			.sort(([a], [b]) => /** @type {number} */ (noteNumbers.get(a)) - /** @type {number} */ (noteNumbers.get(b)));
		for (const [, def] of ordered) replaceMarkers({ type: 'root', children: def.children });

		// 3. The lists at the end of the essay.
		if (ordered.length) {
			tree.children.push({ type: 'html', value: '<h2 id="notes">Notes</h2>' });
			tree.children.push({
				type: 'footnoteList',
				data: { hName: 'ol', hProperties: { className: ['footnotes'] } },
				children: ordered.map(([id, def]) => ({
					type: 'footnoteItem',
					data: { hName: 'li', hProperties: { id: `fn-${id}` } },
					children: [
						{ type: 'footnoteText', data: { hName: 'span', hProperties: { id: `fn-${id}-text`, className: ['note-body'] } }, children: def.children },
						{ type: 'html', value: ` <a class="backref" href="#fnref-${id}" aria-label="Back to the text of note ${noteNumbers.get(id)}">↩</a>` }
					]
				}))
			});
		}
		if (cited.size) {
			const items = [...cited.keys()].map((key) => `<li id="ref-${key}">${sourceHtml(/** @type {Source} */ (bib.get(key)))}</li>`);
			tree.children.push({ type: 'html', value: '<h2 id="references">References</h2>' });
			tree.children.push({ type: 'html', value: `<ol class="references">\n${items.join('\n')}\n</ol>` });
		}
	};
}
