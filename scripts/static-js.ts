// The JavaScript each built page makes the reader's browser load before any interaction, read from
// the production build (`vite build`) without a browser: deterministic, used by the page-weight
// guard (tests/e2e/page-weight.spec.ts) and by `npm run bench`; standalone:
// `npx tsx scripts/static-js.ts` prints the table.
//
// A page's JS = the static import closure (Vite manifest `imports`, not `dynamicImports`) of
//   - SvelteKit's client entry (start) and app,
//   - the route's nodes (layouts + page: `node_ids` in the prerendered HTML's boot script),
//   - the page's own module, which its load() imports at once: for /essays/<slug> the essay
//     (`essays/<slug>.md`; each essay is meant to be its own lazy chunk, counted for its page only),
//     for /embed/<name> the widget's component (its loader in src/lib/widgets/registry.ts).
// Everything reached only through import() (the worker's client, tfjs in the worker, other
// essays) is not counted: it is not downloaded unless something asks for it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';

type ManifestChunk = { file: string; src?: string; isEntry?: boolean; isDynamicEntry?: boolean; imports?: string[]; dynamicImports?: string[] };
export type Manifest = Record<string, ManifestChunk>;

export type PageJs = {
	/** route, e.g. '/', '/about', '/essays/modularity' */
	path: string;
	/** built files (relative to the client output), sorted */
	files: string[];
	bytes: number;
	gzipBytes: number;
	/** the files among `files` that hold tfjs code (a tfjs module, or tfjs-core's engine inlined) */
	tfjs: string[];
	/** /essays/<slug> and /embed/<name>: the page's own module (essay or widget component) and the
	 *  built file holding it (null if the build has no chunk of its own for it) */
	own?: { module: string; file: string | null };
};

/** What the pages without widgets may load (kB = 1000 bytes): checked by tests/e2e/page-weight.spec.ts
 *  after every build, and reported by `npm run bench`. */
export const JS_BUDGET = { pages: ['/', '/about'], bytes: 120_000, gzipBytes: 45_000 } as const;

const ENTRY_KEYS = ['node_modules/@sveltejs/kit/src/runtime/client/entry.js', '.svelte-kit/generated/client-optimized/app.js'];
const nodeKey = (id: number) => `.svelte-kit/generated/client-optimized/nodes/${id}.js`;
// tfjs-core's engine registers itself as a global `_tfengine`; every tfjs op needs the engine, so a
// chunk that inlines any of tfjs-core's runtime holds this name (minifiers keep property names).
const TFJS_ENGINE_MARK = '_tfengine';

export type BuildDirs = { client: string; pages: string };

export function buildDirs(root = process.cwd()): BuildDirs {
	return { client: join(root, '.svelte-kit/output/client'), pages: join(root, '.svelte-kit/output/prerendered/pages') };
}

export function readManifest(dirs: BuildDirs = buildDirs()): Manifest {
	const path = join(dirs.client, '.vite/manifest.json');
	if (!existsSync(path)) throw new Error(`no client manifest at ${path}: run \`npm run build\` first`);
	return JSON.parse(readFileSync(path, 'utf8')) as Manifest;
}

/** Manifest keys reachable from `roots` through static imports (roots included). */
export function staticClosure(manifest: Manifest, roots: string[]): string[] {
	const seen = new Set<string>();
	const stack = roots.filter((k) => k in manifest);
	while (stack.length) {
		const k = stack.pop()!;
		if (seen.has(k)) continue;
		seen.add(k);
		for (const i of manifest[k].imports ?? []) if (!seen.has(i)) stack.push(i);
	}
	return [...seen];
}

/** Prerendered pages under `dir` as [route, file] ('index.html' → '/', 'essays/x.html' → '/essays/x'). */
export function prerenderedPages(dir: string): [string, string][] {
	const out: [string, string][] = [];
	const walk = (d: string) => {
		for (const e of readdirSync(d, { withFileTypes: true })) {
			const p = join(d, e.name);
			if (e.isDirectory()) walk(p);
			else if (e.name.endsWith('.html')) {
				const rel = relative(dir, p).split(sep).join('/').replace(/\.html$/, '');
				out.push([rel === 'index' ? '/' : `/${rel.replace(/\/index$/, '')}`, p]);
			}
		}
	};
	walk(dir);
	return out.sort((a, b) => a[0].localeCompare(b[0]));
}

/** SvelteKit's boot script names the route's nodes: `node_ids: [0, 2, 4]`. A page rendered only in
 *  the browser (`ssr = false`: /bench) has none: its route is found at run time; null. */
export function nodeIdsOf(html: string): number[] | null {
	const m = /node_ids:\s*\[([\d,\s]*)\]/.exec(html);
	if (!m) return null;
	return m[1]
		.split(',')
		.map((s) => s.trim())
		.filter(Boolean)
		.map(Number);
}

/** The widget components of the registry's loaders, by widget name (read from its source). */
export function widgetComponents(root = process.cwd()): Record<string, string> {
	const path = join(root, 'src/lib/widgets/registry.ts');
	if (!existsSync(path)) return {};
	const out: Record<string, string> = {};
	const src = readFileSync(path, 'utf8');
	for (const m of src.matchAll(/^\t(?:'([\w-]+)'|([\w$]+)):\s*\{[^}]*?component:\s*\(\)\s*=>\s*import\(\s*'\.\/([^']+)'\s*\)/gm))
		out[m[1] ?? m[2]] = `src/lib/widgets/${m[3]}`;
	return out;
}

/** The module a page's load() imports at once, as a manifest key. */
function ownModule(path: string, components: Record<string, string>): string | undefined {
	const essay = /^\/essays\/([^/]+)$/.exec(path)?.[1];
	if (essay) return `essays/${essay}.md`;
	const widget = /^\/embed\/([^/]+)$/.exec(path)?.[1];
	if (widget) return components[widget] ?? `src/lib/widgets/(unknown: ${widget})`;
	return undefined;
}

export function pageJs(manifest: Manifest, dirs: BuildDirs, path: string, html: string, components: Record<string, string> = {}): PageJs | null {
	const ids = nodeIdsOf(html);
	if (!ids) return null;
	const roots = [...ENTRY_KEYS, ...ids.map(nodeKey)];
	const module = ownModule(path, components);
	let own: PageJs['own'];
	if (module) {
		own = { module, file: manifest[module]?.file ?? null };
		if (own.file) roots.push(module);
	}
	const keys = staticClosure(manifest, roots);
	const files = [...new Set(keys.map((k) => manifest[k].file))].filter((f) => f.endsWith('.js')).sort();
	let bytes = 0;
	let gzipBytes = 0;
	const tfjs: string[] = [];
	for (const f of files) {
		const body = readFileSync(join(dirs.client, f));
		bytes += body.length;
		gzipBytes += gzipSync(body, { level: 6 }).length;
		if (body.includes(TFJS_ENGINE_MARK)) tfjs.push(f);
	}
	for (const k of keys) if ((manifest[k].src ?? k).includes('node_modules/@tensorflow/')) tfjs.push(manifest[k].file);
	return { path, files, bytes, gzipBytes, tfjs: [...new Set(tfjs)].sort(), ...(own ? { own } : {}) };
}

/** Every server-rendered page of the build, with its static JS (client-only pages are left out). */
export function siteJs(root = process.cwd()): PageJs[] {
	const dirs = buildDirs(root);
	const manifest = readManifest(dirs);
	const components = widgetComponents(root);
	return prerenderedPages(dirs.pages)
		.map(([path, file]) => pageJs(manifest, dirs, path, readFileSync(file, 'utf8'), components))
		.filter((r): r is PageJs => r !== null);
}

export function jsTable(rows: PageJs[]): string[] {
	const kB = (n: number) => `${(n / 1000).toFixed(1)} kB`;
	const lines = ['', 'Static JS per page (before any interaction; raw | gzip -6), from the build manifest', `  ${'page'.padEnd(28)} ${'raw'.padStart(10)} ${'gzip'.padStart(10)}  files  tfjs`];
	for (const r of rows)
		lines.push(`  ${r.path.padEnd(28)} ${kB(r.bytes).padStart(10)} ${kB(r.gzipBytes).padStart(10)}  ${String(r.files.length).padStart(5)}  ${r.tfjs.length ? r.tfjs.join(' ') : '-'}`);
	return lines;
}

// standalone
if (import.meta.url === `file://${process.argv[1]}`) {
	const rows = siteJs();
	console.log(jsTable(rows).join('\n'));
	const essays = rows.filter((r) => r.path.startsWith('/essays/'));
	const chunks = new Set(essays.map((r) => r.own?.file));
	console.log(`\n  essay chunks: ${essays.map((r) => `${r.path} → ${r.own?.file ?? '(none)'}`).join(', ')}`);
	console.log(`  one chunk per essay: ${essays.every((r) => r.own?.file) && chunks.size === essays.length ? 'yes' : 'no'}`);
}
