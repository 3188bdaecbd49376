// Vite plugin: `import { essays } from 'virtual:essay-index'` is the list of published essays, read
// from the front matter of essays/*.md at build time (and by the dev server, which reloads it when an
// essay is added, removed or edited). The module holds JSON only: no essay body, no widget, no tfjs.
//
// Why not `import.meta.glob('/essays/*.md', { eager: true, import: 'metadata' })`: mdsvex compiles
// each essay's <script> imports (its widgets) into the same module, those imports have side effects,
// so the bundler keeps them, and every page that lists essays carried every body, widget and tfjs-core.
//
// The front matter is parsed by mdsvex itself (its `compile` on the front-matter block alone), so the
// list and an essay's own `metadata` export always agree, and no second YAML parser is needed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compile } from 'mdsvex';
import { normalizePath, type Plugin } from 'vite';
import { type EssayMeta, publishedEssays, slugOf, toMeta } from '../src/lib/essay/meta.ts';

export const ESSAY_INDEX_ID = 'virtual:essay-index';
const RESOLVED_ID = '\0' + ESSAY_INDEX_ID;

const FRONT_MATTER = /^---\r?\n[\s\S]*?\r?\n---[ \t]*(?:\r?\n|$)/;

/** The front matter of one essay's source as mdsvex reads it (undefined when there is none). */
export async function frontMatter(source: string): Promise<Record<string, unknown> | undefined> {
	const block = FRONT_MATTER.exec(source)?.[0];
	if (!block) return undefined;
	const out = await compile(block);
	const fm = (out?.data as { fm?: unknown } | undefined)?.fm;
	return fm && typeof fm === 'object' ? (fm as Record<string, unknown>) : undefined;
}

/** Every essay in `dir` (drafts included), validated by toMeta, in file-name order. */
export async function readEssays(dir: string): Promise<{ file: string; meta: EssayMeta; hadFrontMatter: boolean }[]> {
	if (!existsSync(dir)) return [];
	const files = readdirSync(dir)
		.filter((f) => f.endsWith('.md'))
		.sort();
	return Promise.all(
		files.map(async (f) => {
			const source = readFileSync(join(dir, f), 'utf8');
			const fm = await frontMatter(source);
			return { file: join(dir, f), meta: toMeta(slugOf(f), fm), hadFrontMatter: FRONT_MATTER.test(source) && fm !== undefined };
		})
	);
}

export function essayIndex(options: { dir?: string } = {}): Plugin {
	let dir = normalizePath(resolve(options.dir ?? 'essays'));
	const isEssay = (file: string) => file.startsWith(dir + '/') && file.endsWith('.md') && !file.slice(dir.length + 1).includes('/');
	return {
		name: 'nrs-essay-index',
		configResolved(config) {
			dir = normalizePath(resolve(config.root, options.dir ?? 'essays'));
		},
		resolveId(id) {
			return id === ESSAY_INDEX_ID ? RESOLVED_ID : undefined;
		},
		async load(id) {
			if (id !== RESOLVED_ID) return;
			const all = await readEssays(dir);
			for (const e of all) {
				// an edited essay invalidates this module (the dev server; harmless in a build)
				this.addWatchFile(e.file);
				if (!e.hadFrontMatter) this.warn(`${e.file}: no readable front matter; listed as "${e.meta.title}"`);
			}
			return `export const essays = ${JSON.stringify(publishedEssays(all.map((e) => e.meta)))};\n`;
		},
		// Dev server: an essay added, removed or edited changes the list. addWatchFile covers edits of
		// known files; a new or deleted file is not in the module graph yet, so invalidate by hand.
		hotUpdate({ file, modules }) {
			if (!isEssay(file)) return;
			const index = this.environment.moduleGraph.getModuleById(RESOLVED_ID);
			if (!index) return;
			this.environment.moduleGraph.invalidateModule(index);
			return [...modules, index];
		}
	};
}
