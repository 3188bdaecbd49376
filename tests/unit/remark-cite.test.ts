// The citation/footnote remark plugin (scripts/remark-cite.js), run through mdsvex as the build does.
import { compile } from 'mdsvex';
import { describe, expect, it } from 'vitest';
import { escapeHtml, parseBibliography, remarkCite, sourceHtml } from '../../scripts/remark-cite.js';

const BIB = `
@inproceedings{veit2016,
  author = {Veit and Wilber and Belongie}, title = {Residual Networks Behave Like Ensembles},
  booktitle = {NeurIPS 2016}, year = {2016}, eprint = {1605.06431}, url = {https://arxiv.org/abs/1605.06431}
}
@misc{greff2017, author = {Greff, Klaus}, title = {Highway and {Residual} Networks}, year = {2017}}
@misc{braces, author = {Someone}, title = {Ampersands \\& \\{braces\\}}, year = {2020}}
`;
const sources = parseBibliography(BIB);

async function render(md: string): Promise<string> {
	const out = await compile(md, { remarkPlugins: [[remarkCite, { sources }]] });
	if (!out) throw new Error('no output');
	return out.code;
}

/** The numbers shown for each citation marker, in document order. */
const markers = (html: string) =>
	[...html.matchAll(/<a class="cite" href="#ref-([\w-]+)"[^>]*><span class="visually-hidden">reference <\/span>(\d+)<\/a>/g)].map(
		(m) => `${m[1]}=${m[2]}`
	);
/** The keys of the references list, in order. */
const listed = (html: string) => [...html.matchAll(/<li id="ref-([\w-]+)">/g)].map((m) => m[1]);

describe('remark-cite', () => {
	it('numbers sources in order of first use and reuses the number', async () => {
		const html = await render('First [@greff2017], then [@veit2016], again [@greff2017].');
		expect(markers(html)).toEqual(['greff2017=1', 'veit2016=2', 'greff2017=1']);
		expect(listed(html)).toEqual(['greff2017', 'veit2016']);
		expect(html).toContain('<h2 id="references">References</h2>');
	});

	it('renders a multi-citation as one bracket with several links', async () => {
		const html = await render('Both [@veit2016; @greff2017].');
		expect(markers(html)).toEqual(['veit2016=1', 'greff2017=2']);
		expect(html).toMatch(/<span class="citation">\[<a [^>]+>.*?1<\/a>, <a [^>]+>.*?2<\/a>\]<\/span>/);
		// the space before the bracket becomes non-breaking
		expect(html).toContain('Both\u00a0<span class="citation">');
	});

	it('writes title, authors, venue, year and link, and points each marker at its entry', async () => {
		const html = await render('See [@veit2016].');
		expect(html).toContain('aria-describedby="ref-veit2016-text"');
		expect(html).toContain('<span class="ref-authors">Veit, Wilber &amp; Belongie</span>');
		expect(html).toContain('<cite class="ref-title">Residual Networks Behave Like Ensembles</cite>');
		expect(html).toContain('<span class="ref-venue">NeurIPS 2016</span>');
		expect(html).toContain('<a class="ref-link" href="https://arxiv.org/abs/1605.06431">arXiv:1605.06431</a>');
	});

	it('keeps titles as written and escapes HTML and Svelte braces', async () => {
		expect(sources.get('greff2017')?.title).toBe('Highway and Residual Networks');
		const html = await render('X [@braces].');
		expect(html).toContain('Ampersands &amp; &#123;braces&#125;');
		expect(escapeHtml('<script>"x"</script>')).toBe('&lt;script&gt;&quot;x&quot;&lt;/script&gt;');
	});

	it('accepts only http(s) URLs from the bibliography, naming the entry otherwise', () => {
		const entry = (url: string) => `@misc{bad, author = {A}, title = {T}, year = {2020}, url = {${url}}}`;
		for (const url of ['javascript:alert(1)', 'JavaScript:alert(1)', ' javascript:alert(1)', 'data:text/html,<b>x</b>', 'vbscript:x', '//evil.example/x', 'arxiv.org/abs/1'])
			expect(() => parseBibliography(entry(url)), url).toThrow(/bad has url = .*only http\(s\) links/);
		for (const url of ['https://arxiv.org/abs/1605.06431', 'http://example.org/a?b=c'])
			expect(parseBibliography(entry(url)).get('bad')?.url).toBe(url);
		// and a source built some other way never becomes a javascript: link
		const s = { key: 'x', authors: 'A', title: 'T', venue: '', year: '2020', url: 'javascript:alert(1)', linkText: 'click', note: '' };
		expect(sourceHtml(s)).not.toContain('<a');
	});

	it('fails on an unknown key, naming it', async () => {
		await expect(render('Good [@veit2016], bad [@nobody2020].')).rejects.toThrow(/unknown citation key "@nobody2020"/);
		await expect(render('Bad in a list [@veit2016; @nope].')).rejects.toThrow(/"@nope"/);
	});

	it('leaves ordinary brackets and links alone and adds no list without citations', async () => {
		const html = await render('An [ordinary] bracket, an [email@example.com] and a [link](https://example.com).');
		expect(html).not.toContain('class="cite"');
		expect(html).not.toContain('References');
	});

	it('renders footnotes with markers, a notes list and backlinks', async () => {
		const html = await render('Text[^a] and more[^b], again[^a].\n\n[^b]: Second *note* [@veit2016].\n\n[^a]: First note.\n');
		const notes = [...html.matchAll(/<a class="cite" href="#fn-(\w+)"[^>]*><span class="visually-hidden">note <\/span>(\d+)<\/a>/g)].map(
			(m) => `${m[1]}=${m[2]}`
		);
		expect(notes).toEqual(['a=1', 'b=2', 'a=1']);
		expect(html).toMatch(/<ol class="footnotes"><li id="fn-a">.*First note\..*<\/li><li\s+id="fn-b"\s*>.*Second <em>note<\/em>/s);
		expect(html).toContain('href="#fnref-a"');
		expect(markers(html)).toEqual(['veit2016=1']); // citations inside notes count too
		expect(html).not.toContain('[^');
	});

	it('fails on a footnote without text and on text without a marker', async () => {
		await expect(render('Text[^missing].')).rejects.toThrow(/\[\^missing\] has no text/);
		await expect(render('Text.\n\n[^orphan]: Never used.')).rejects.toThrow(/\[\^orphan\] is never used/);
	});
});
