// The essay list is front matter read at build time (scripts/essay-index.ts): the same values as each
// essay's own `metadata`, drafts left out, in order, and a module that holds JSON only.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from 'mdsvex';
import { essayIndex, frontMatter, readEssays } from '../../scripts/essay-index';
import { publishedEssays, toMeta } from '../../src/lib/essay/meta';

describe('essay index', () => {
	it('reads the real essays as mdsvex does for their pages', async () => {
		const all = await readEssays('essays');
		expect(all.length).toBeGreaterThan(0);
		const mod = all.find((e) => e.meta.slug === 'modularity');
		expect(mod?.meta).toMatchObject({ title: 'Shuffle the layers', order: 1, thumb: 'layer-swap', date: '2026-11-23', draft: false });
		for (const e of all) {
			// the page's meta comes from the compiled essay's metadata: the list must agree with it
			const whole = await compile(readFileSync(e.file, 'utf8'));
			expect(e.meta).toEqual(toMeta(e.meta.slug, (whole?.data as { fm?: Record<string, unknown> }).fm));
		}
	});

	const dir = mkdtempSync(join(tmpdir(), 'nrs-essays-'));
	afterAll(() => rmSync(dir, { recursive: true, force: true }));
	writeFileSync(join(dir, 'b.md'), '---\ntitle: B\norder: 2\ndate: "2026-01-02"\n---\n<script>import W from "$lib/widgets/x/W.svelte";</script>\nBody of B.\n');
	writeFileSync(join(dir, 'a.md'), '---\ntitle: A\norder: 2\nthumb: layer-swap\n---\nBody of A.\n');
	writeFileSync(join(dir, 'c.md'), '---\ntitle: C\norder: 1\ndraft: true\n---\nDraft.\n');
	writeFileSync(join(dir, 'd.md'), 'No front matter at all.\n');
	writeFileSync(join(dir, 'e.md'), '---\ntitle: [unclosed\n---\nBroken YAML.\n');
	writeFileSync(join(dir, 'notes.txt'), 'not an essay');

	it('tolerates missing and broken front matter, and lists published essays by order, then title', async () => {
		expect(await frontMatter('No front matter')).toBeUndefined();
		const all = await readEssays(dir);
		expect(all.map((e) => e.meta.slug)).toEqual(['a', 'b', 'c', 'd', 'e']);
		expect(all.find((e) => e.meta.slug === 'd')?.meta.title).toBe('d');
		expect(all.find((e) => e.meta.slug === 'e')?.hadFrontMatter).toBe(false);
		expect(publishedEssays(all.map((e) => e.meta)).map((e) => e.slug)).toEqual(['a', 'b', 'd', 'e']);
		expect(all.find((e) => e.meta.slug === 'b')?.meta.date).toBe('2026-01-02');
	});

	it('emits a module of JSON only (no essay body, no import), and watches every essay', async () => {
		const plugin = essayIndex({ dir });
		const resolved = (plugin.resolveId as (id: string) => string | undefined)('virtual:essay-index');
		expect(resolved).toBe('\0virtual:essay-index');
		const watched: string[] = [];
		const warnings: string[] = [];
		const ctx = { addWatchFile: (f: string) => watched.push(f), warn: (m: string) => warnings.push(m) };
		const code = await (plugin.load as unknown as (this: typeof ctx, id: string) => Promise<string>).call(ctx, resolved!);
		expect(code).not.toMatch(/\bimport\b/);
		expect(code).not.toContain('Body of');
		const m = /^export const essays = (.*);\n$/s.exec(code);
		expect(m).not.toBeNull();
		expect(JSON.parse(m![1]).map((e: { slug: string }) => e.slug)).toEqual(['a', 'b', 'd', 'e']);
		expect(watched).toHaveLength(5);
		expect(warnings.join('\n')).toMatch(/d\.md.*front matter[\s\S]*e\.md/);
	});
});
