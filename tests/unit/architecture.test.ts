// Architecture rules, checked by scanning source text (no bundler involved):
//  (a) src/lib/ml/** is pure TypeScript: no Svelte, no SvelteKit ($app/*), no UI layers
//      ($lib/widgets, $lib/ui, $lib/plots, $lib/worker) and no DOM globals (document., window.);
//  (b) a widget folder src/lib/widgets/<name>/ never imports another widget folder;
//  (c) src/lib/plots and src/lib/ui never import @tensorflow/*;
//  (d) main-thread code (everything under src/ except the worker's side: src/lib/ml, the worker
//      entries (the ML worker and the grid's helper worker), its context and jobs, src/lib/bench;
//      plus essays/*.md) never reaches @tensorflow/* through its transitive STATIC imports. Followed: `import … from`, `import '…'`, `export … from`
//      and eager `import.meta.glob` (it bundles every match, like a static import). Not followed:
//      `import type` / `export type` (erased), `import()` (a lazy chunk), `?worker&url` and other
//      `?query` imports (a URL or a string, not this page's code). `import { type A } from 'm'` IS
//      followed: with verbatimModuleSyntax (SvelteKit's tsconfig) it still loads m. Reported where
//      main-thread code steps onto a module that leads to tfjs, with the chain;
//  (e) src/lib/ui, src/lib/params and src/lib/plots import nothing (types included) from
//      src/lib/widgets, src/lib/embed or src/embed: those outer layers hand things in (contexts, props);
//  (f) an experiment in src/lib/ml/experiments imports another experiment's files only through
//      common.ts: `<name>.ts`, `<name>-defaults.ts` and `<name>-analysis.ts` are one experiment.
// Passes when the folders are empty or missing. The self-tests at the bottom prove the checker
// actually finds violations.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

export type SourceFile = { path: string; text: string }; // path: repo-relative, '/'-separated
export type Violation = { path: string; line: number; rule: string; detail: string };

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCANNED_EXT = /\.(ts|js|mjs|cjs|mts|cts|svelte|svelte\.ts|svelte\.js|md)$/;

/** Replace comments with spaces (keeping newlines, so line numbers stay right); strings are kept. */
export function stripComments(src: string): string {
	let out = '';
	let i = 0;
	const n = src.length;
	while (i < n) {
		const c = src[i];
		const d = src[i + 1];
		if (c === '/' && d === '/') {
			while (i < n && src[i] !== '\n') {
				out += ' ';
				i++;
			}
		} else if (c === '/' && d === '*') {
			out += '  ';
			i += 2;
			while (i < n && !(src[i] === '*' && src[i + 1] === '/')) {
				out += src[i] === '\n' ? '\n' : ' ';
				i++;
			}
			if (i < n) {
				out += '  ';
				i += 2;
			}
		} else if (c === '<' && src.startsWith('<!--', i)) {
			// HTML comments in .svelte markup
			const end = src.indexOf('-->', i + 4);
			const stop = end === -1 ? n : end + 3;
			for (; i < stop; i++) out += src[i] === '\n' ? '\n' : ' ';
		} else if (c === '"' || c === "'" || c === '`') {
			// Copy a string literal verbatim so "//" inside it isn't taken for a comment.
			// (Template literal ${...} nesting is treated as string text: good enough for imports.)
			out += c;
			i++;
			while (i < n && src[i] !== c) {
				if (src[i] === '\\' && i + 1 < n) {
					out += src[i] + src[i + 1];
					i += 2;
					continue;
				}
				if (src[i] === '\n' && c !== '`') break; // unterminated: stop at end of line
				out += src[i];
				i++;
			}
			if (i < n && src[i] === c) {
				out += c;
				i++;
			}
		} else {
			out += c;
			i++;
		}
	}
	return out;
}

/** Module specifiers of static imports, re-exports, dynamic import() and require(), with 1-based lines. */
export function findImports(code: string): { spec: string; line: number }[] {
	const found: { spec: string; line: number }[] = [];
	const patterns = [
		/\bimport\s+(?:type\s+)?(?:[\w*$\s{},]+?\s+from\s+)?(['"])([^'"\n]+)\1/g, // import x from '…' / import '…'
		/\bexport\s+(?:type\s+)?(?:\*(?:\s+as\s+[\w$]+)?|\{[^}]*\})\s+from\s+(['"])([^'"\n]+)\1/g, // export … from '…'
		/\bimport\s*\(\s*(['"`])([^'"`\n]+)\1\s*\)/g, // import('…')
		/\brequire\s*\(\s*(['"`])([^'"`\n]+)\1\s*\)/g, // require('…')
		/\bnew\s+URL\s*\(\s*(['"`])([^'"`\n]+)\1\s*,\s*import\.meta\.url/g // new URL('./w.ts', import.meta.url) (workers)
	];
	for (const re of patterns) {
		for (const m of code.matchAll(re)) found.push({ spec: m[2], line: lineOf(code, m.index) });
	}
	return found.sort((a, b) => a.line - b.line);
}

function lineOf(code: string, index: number): number {
	return code.slice(0, index).split('\n').length;
}

/** Resolve a relative specifier against the importing file (repo-relative, '/'-separated). */
function resolveRelative(fromPath: string, spec: string): string {
	return posix.normalize(posix.join(posix.dirname(fromPath), spec));
}

/** Normalise a specifier to a repo-relative path when it points into src/lib; otherwise return it as is. */
function target(fromPath: string, spec: string): string {
	if (spec === '$lib' || spec.startsWith('$lib/')) return 'src/lib' + spec.slice(4);
	if (spec.startsWith('./') || spec.startsWith('../')) return resolveRelative(fromPath, spec);
	return spec;
}

const ML_FORBIDDEN_PACKAGES: { test: (spec: string) => boolean; name: string }[] = [
	{ name: 'svelte', test: (s) => s === 'svelte' || s.startsWith('svelte/') },
	{ name: '$app/*', test: (s) => s === '$app' || s.startsWith('$app/') },
	{ name: '@sveltejs/*', test: (s) => s.startsWith('@sveltejs/') }
];
const ML_FORBIDDEN_DIRS = ['src/lib/widgets', 'src/lib/ui', 'src/lib/plots', 'src/lib/worker'];

function under(path: string, dir: string): boolean {
	return path === dir || path.startsWith(dir + '/');
}


// ---- (d): the static import graph ------------------------------------------------------------------

/** Blank out everything outside <script> blocks (keeping newlines): markup and Markdown prose may
 *  show import-like text, but only script blocks are code. */
export function scriptBlocks(text: string): string {
	let out = '';
	let at = 0;
	for (const m of text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)) {
		const start = m.index + m[0].indexOf('>') + 1;
		const end = start + m[1].length;
		out += text.slice(at, start).replace(/[^\n]/g, ' ') + text.slice(start, end);
		at = end;
	}
	return out + text.slice(at).replace(/[^\n]/g, ' ');
}

/** The code of a source file as the bundler sees it, comments blanked, line numbers kept. */
function codeOf(file: SourceFile): string {
	const code = file.path.endsWith('.svelte') || file.path.endsWith('.md') ? scriptBlocks(file.text) : file.text;
	return stripComments(code);
}

export type StaticImport = { spec: string; line: number; typeOnly: boolean; glob?: boolean };

/** Static imports and re-exports (flagged when type-only), and the patterns of eager import.meta.glob calls. */
export function findStaticImports(code: string): StaticImport[] {
	const found: StaticImport[] = [];
	for (const m of code.matchAll(/\bimport\s+(type\s+)?(?:[\w*$\s{},]+?\s+from\s+)?(['"])([^'"\n]+)\2/g))
		found.push({ spec: m[3], line: lineOf(code, m.index), typeOnly: !!m[1] });
	for (const m of code.matchAll(/\bexport\s+(type\s+)?(?:\*(?:\s+as\s+[\w$]+)?|\{[^}]*\})\s+from\s+(['"])([^'"\n]+)\2/g))
		found.push({ spec: m[3], line: lineOf(code, m.index), typeOnly: !!m[1] });
	for (const m of code.matchAll(/\bimport\.meta\.glob\b[^(]*\(\s*(\[[^\]]*\]|(['"`])[^'"`\n]+\2)\s*(?:,\s*(\{[^}]*\}))?/g)) {
		if (!/\beager\s*:\s*true\b/.test(m[3] ?? '')) continue; // lazy: one chunk per match, loaded on demand
		for (const p of m[1].matchAll(/(['"`])([^'"`\n]+)\1/g))
			if (!p[2].startsWith('!')) found.push({ spec: p[2], line: lineOf(code, m.index), typeOnly: false, glob: true });
	}
	return found.sort((a, b) => a.line - b.line);
}

const CODE_EXT = /\.(ts|js|mjs|cjs|mts|cts|svelte|md)$/;
const RESOLVE_SUFFIXES = ['', '.ts', '.js', '.svelte', '.svelte.ts', '.svelte.js', '/index.ts', '/index.js'];

export type Target =
	| { kind: 'file'; path: string }
	| { kind: 'tfjs'; name: string }
	| { kind: 'other' } // a package, $app/*, a virtual module, an asset, a ?url/?worker import
	| { kind: 'unresolved'; path: string };

/** Where a static import leads, against the scanned files. */
export function resolveImport(fromPath: string, spec: string, known: ReadonlySet<string>): Target {
	if (spec.startsWith('@tensorflow/')) return { kind: 'tfjs', name: spec };
	if (spec.includes('?')) return { kind: 'other' };
	let p: string;
	if (spec === '$lib' || spec.startsWith('$lib/')) p = 'src/lib' + spec.slice(4);
	else if (spec === '$essays' || spec.startsWith('$essays/')) p = 'essays' + spec.slice(7);
	else if (spec.startsWith('./') || spec.startsWith('../')) p = resolveRelative(fromPath, spec);
	else return { kind: 'other' };
	for (const suffix of RESOLVE_SUFFIXES) if (known.has(p + suffix)) return { kind: 'file', path: p + suffix };
	if (/\.js$/.test(p) && known.has(p.replace(/\.js$/, '.ts'))) return { kind: 'file', path: p.replace(/\.js$/, '.ts') };
	if (/\.[a-z]+$/i.test(p) && !CODE_EXT.test(p)) return { kind: 'other' }; // .json, .css, …
	return { kind: 'unresolved', path: p };
}

/** Files matched by a glob pattern ('/…' from the repo root, else relative to the importing file). */
function globMatches(fromPath: string, pattern: string, known: ReadonlySet<string>): string[] {
	const base = pattern.startsWith('/') ? pattern.slice(1) : resolveRelative(fromPath, pattern);
	const re = new RegExp(
		'^' +
			base
				.split(/(\*\*\/|\*)/)
				.map((part) => (part === '**/' ? '(?:.*/)?' : part === '*' ? '[^/]*' : part.replace(/[.+^${}()|[\]\\?]/g, '\\$&')))
				.join('') +
			'$'
	);
	return [...known].filter((k) => re.test(k)).sort();
}

/** Code that runs on the page's main thread (see rule (d)); the worker's side is excluded. */
export function isMainThread(path: string): boolean {
	if (/^essays\/[^/]+\.md$/.test(path)) return true;
	if (!path.startsWith('src/') || path.endsWith('.d.ts')) return false;
	return !(
		under(path, 'src/lib/ml') ||
		under(path, 'src/lib/bench') ||
		under(path, 'src/lib/worker/jobs') ||
		path === 'src/lib/worker/ml.worker.ts' ||
		path === 'src/lib/worker/grid-helper.worker.ts' ||
		path === 'src/lib/worker/context.ts'
	);
}

type Edge = { line: number; spec: string; target: Target };

function staticEdges(files: SourceFile[]): Map<string, Edge[]> {
	const known = new Set(files.map((f) => f.path));
	const edges = new Map<string, Edge[]>();
	for (const f of files) {
		const out: Edge[] = [];
		for (const imp of findStaticImports(codeOf(f))) {
			if (imp.typeOnly) continue;
			if (imp.glob) for (const path of globMatches(f.path, imp.spec, known)) out.push({ line: imp.line, spec: imp.spec, target: { kind: 'file', path } });
			else out.push({ line: imp.line, spec: imp.spec, target: resolveImport(f.path, imp.spec, known) });
		}
		edges.set(f.path, out);
	}
	return edges;
}

/** The shortest chain of static imports from `start` to a @tensorflow package, or null. */
function chainToTfjs(start: string, edges: Map<string, Edge[]>): string[] | null {
	const parent = new Map<string, string | null>([[start, null]]);
	const queue = [start];
	while (queue.length) {
		const at = queue.shift()!;
		for (const e of edges.get(at) ?? []) {
			if (e.target.kind === 'tfjs') {
				const chain = [e.target.name];
				for (let p: string | null = at; p !== null; p = parent.get(p) ?? null) chain.unshift(p);
				return chain;
			}
			if (e.target.kind === 'file' && !parent.has(e.target.path)) {
				parent.set(e.target.path, at);
				queue.push(e.target.path);
			}
		}
	}
	return null;
}

/** Rule (d): each place where main-thread code steps onto a module that statically leads to tfjs. */
function mainThreadTfjs(files: SourceFile[]): Violation[] {
	const edges = staticEdges(files);
	const violations: Violation[] = [];
	const memo = new Map<string, string[] | null>();
	for (const f of files) {
		if (!isMainThread(f.path)) continue;
		for (const e of edges.get(f.path) ?? []) {
			let chain: string[] | null = null;
			if (e.target.kind === 'tfjs') chain = [e.target.name];
			else if (e.target.kind === 'file' && !isMainThread(e.target.path)) {
				const t = e.target.path;
				if (!memo.has(t)) memo.set(t, chainToTfjs(t, edges));
				chain = memo.get(t)!;
			}
			// a main-thread target that leads to tfjs is reported at its own boundary
			if (chain) violations.push({ path: f.path, line: e.line, rule: 'main-thread-tfjs', detail: `imports ${e.spec} → ${chain.join(' → ')}` });
		}
	}
	return violations;
}

/** Static imports of main-thread code that point at a scanned folder but match no file (the graph
 *  would silently stop there). */
export function unresolvedImports(files: SourceFile[]): Violation[] {
	const edges = staticEdges(files);
	const out: Violation[] = [];
	for (const f of files)
		for (const e of edges.get(f.path) ?? [])
			if (e.target.kind === 'unresolved') out.push({ path: f.path, line: e.line, rule: 'unresolved', detail: `${e.spec} → ${e.target.path}` });
	return out;
}

// ---- (e), (f) ----------------------------------------------------------------------------------------

const INNER_LAYERS = ['src/lib/ui', 'src/lib/params', 'src/lib/plots'];
const OUTER_LAYERS = ['src/lib/widgets', 'src/lib/embed', 'src/embed'];

/** 'credit-defaults.ts' → 'credit'; 'common.ts' → null (shared by all). */
/** Studies of one essay kept in files of their own: part of that essay's experiment, not another one. */
const PART_OF: Record<string, string> = { 'double-it-robust': 'double-it', 'double-it-descent': 'double-it' };

function experimentOf(path: string): string | null | undefined {
	const m = /^src\/lib\/ml\/experiments\/([^/]+?)(?:-defaults|-analysis)?\.ts$/.exec(path);
	if (!m) return undefined;
	return m[1] === 'common' ? null : (PART_OF[m[1]] ?? m[1]);
}

export function checkArchitecture(files: SourceFile[]): Violation[] {
	const violations: Violation[] = [];
	// Widget folders = subfolders of src/lib/widgets that hold files. Files directly in
	// src/lib/widgets/ (shared types/helpers) are not widgets and may be imported by any widget.
	const widgetFolders = new Set<string>();
	for (const f of files) {
		const m = /^src\/lib\/widgets\/([^/]+)\//.exec(f.path.split(sep).join('/'));
		if (m) widgetFolders.add(m[1]);
	}
	for (const file of files) {
		const path = file.path.split(sep).join('/');
		const code = stripComments(file.text);
		const imports = findImports(code);

		// (a) src/lib/ml is framework- and DOM-free.
		if (under(path, 'src/lib/ml')) {
			if (path.endsWith('.svelte')) {
				violations.push({ path, line: 1, rule: 'ml-pure', detail: 'Svelte component inside src/lib/ml' });
			}
			for (const { spec, line } of imports) {
				const pkg = ML_FORBIDDEN_PACKAGES.find((p) => p.test(spec));
				if (pkg) violations.push({ path, line, rule: 'ml-pure', detail: `imports ${spec} (${pkg.name})` });
				const t = target(path, spec);
				const dir = ML_FORBIDDEN_DIRS.find((d) => under(t, d));
				if (dir) violations.push({ path, line, rule: 'ml-pure', detail: `imports ${spec} (${dir})` });
			}
			for (const m of code.matchAll(/(?<![\w$.])(document|window)\s*(\?\.|\.)/g)) {
				violations.push({ path, line: lineOf(code, m.index), rule: 'ml-pure', detail: `references ${m[1]}.` });
			}
		}

		// (b) widgets don't import each other.
		const widget = /^src\/lib\/widgets\/([^/]+)\//.exec(path)?.[1];
		if (widget) {
			for (const { spec, line } of imports) {
				const m = /^src\/lib\/widgets\/([^/]+)(\/)?/.exec(target(path, spec));
				const other = m?.[1];
				// '<other>/…' is inside a folder; a bare '<other>' is a folder's index if such a folder exists.
				const isFolder = !!m?.[2] || (other !== undefined && widgetFolders.has(other));
				if (other && other !== widget && isFolder) {
					violations.push({ path, line, rule: 'widget-isolation', detail: `widget "${widget}" imports ${spec} (widget "${other}")` });
				}
			}
		}

		// (c) plots and ui don't touch tfjs.
		if (under(path, 'src/lib/plots') || under(path, 'src/lib/ui')) {
			for (const { spec, line } of imports) {
				if (spec.startsWith('@tensorflow/')) {
					violations.push({ path, line, rule: 'no-tfjs-in-view', detail: `imports ${spec}` });
				}
			}
		}

		// (e) ui, params and plots know nothing of widgets or embedding.
		const inner = INNER_LAYERS.find((d) => under(path, d));
		if (inner) {
			for (const { spec, line } of imports) {
				const outer = OUTER_LAYERS.find((d) => under(target(path, spec), d));
				if (outer) violations.push({ path, line, rule: 'layer-order', detail: `${inner} imports ${spec} (${outer})` });
			}
		}

		// (f) experiments share code only through experiments/common.ts.
		const experiment = experimentOf(path);
		if (experiment) {
			for (const { spec, line } of imports) {
				const t = target(path, spec);
				if (!under(t, 'src/lib/ml/experiments')) continue;
				const other = experimentOf(t.endsWith('.ts') ? t : t + '.ts');
				if (other !== null && other !== experiment)
					violations.push({ path, line, rule: 'experiment-isolation', detail: `experiment "${experiment}" imports ${spec} (${other ?? t}); share it through ./common` });
			}
		}

		// (g) widgets own no worker plumbing: the LiveSession (src/lib/live) starts the worker, pauses,
		// steps and cancels its runs; a widget only says what to compute.
		if (under(path, 'src/lib/widgets')) {
			for (const { spec, line, typeOnly } of findStaticImports(code)) {
				if (typeOnly) continue; // the jobs' event types are the worker's contract, not plumbing
				const t = target(path, spec);
				if (spec === 'comlink' || under(t, 'src/lib/worker') || t.startsWith('src/lib/ui/pause-gate'))
					violations.push({ path, line, rule: 'widget-lifecycle', detail: `imports ${spec}; use the LiveSession ($lib/live)` });
			}
		}
	}
	// (d) needs the whole graph.
	violations.push(...mainThreadTfjs(files.map((f) => ({ ...f, path: f.path.split(sep).join('/') }))));
	return violations;
}

/** Read every source file under the given repo-relative directories (missing ones are skipped). */
export function readSources(dirs: string[], root = ROOT): SourceFile[] {
	const files: SourceFile[] = [];
	const walk = (abs: string) => {
		let entries: string[];
		try {
			entries = readdirSync(abs);
		} catch {
			return; // missing folder
		}
		for (const name of entries) {
			if (name === 'node_modules' || name.startsWith('.')) continue;
			const p = join(abs, name);
			const st = statSync(p);
			if (st.isDirectory()) walk(p);
			else if (SCANNED_EXT.test(name)) {
				files.push({ path: relative(root, p).split(sep).join('/'), text: readFileSync(p, 'utf8') });
			}
		}
	};
	for (const d of dirs) walk(join(root, d));
	return files;
}

function format(v: Violation[]): string {
	return v.map((x) => `${x.path}:${x.line} [${x.rule}] ${x.detail}`).join('\n');
}

describe('architecture', () => {
	const files = readSources(['src', 'essays']);
	const found = checkArchitecture(files);

	it('src/lib/ml is free of Svelte, SvelteKit, UI layers and the DOM', () => {
		const v = found.filter((x) => x.rule === 'ml-pure');
		expect(v, format(v)).toEqual([]);
	});

	it('widgets do not import other widgets', () => {
		const v = found.filter((x) => x.rule === 'widget-isolation');
		expect(v, format(v)).toEqual([]);
	});

	it('plots and ui do not import @tensorflow/*', () => {
		const v = found.filter((x) => x.rule === 'no-tfjs-in-view');
		expect(v, format(v)).toEqual([]);
	});

	it('main-thread code never reaches @tensorflow/* through static imports (tfjs runs in the worker)', () => {
		const v = found.filter((x) => x.rule === 'main-thread-tfjs');
		expect(v, format(v)).toEqual([]);
	});

	it('the graph is complete: every $lib and relative import resolves to a file', () => {
		expect(files.filter((f) => isMainThread(f.path)).length).toBeGreaterThan(50);
		const v = unresolvedImports(files);
		expect(v, format(v)).toEqual([]);
	});

	it('ui, params and plots import nothing from widgets or embed', () => {
		const v = found.filter((x) => x.rule === 'layer-order');
		expect(v, format(v)).toEqual([]);
	});

	it('experiments share code only through experiments/common.ts', () => {
		const v = found.filter((x) => x.rule === 'experiment-isolation');
		expect(v, format(v)).toEqual([]);
	});

	it('widgets start no worker and hold no run control of their own (the LiveSession does)', () => {
		const v = found.filter((x) => x.rule === 'widget-lifecycle');
		expect(v, format(v)).toEqual([]);
	});
});

describe('architecture checker (self-test)', () => {
	const rulesOf = (files: SourceFile[]) =>
		checkArchitecture(files)
			.map((v) => `${v.path}:${v.line}:${v.rule}`)
			.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));

	it('passes on an empty file list', () => {
		expect(checkArchitecture([])).toEqual([]);
	});

	it('finds forbidden imports and DOM use in src/lib/ml', () => {
		const files: SourceFile[] = [
			{
				path: 'src/lib/ml/bad.ts',
				text: [
					"import { onMount } from 'svelte';", // 1
					"import { base } from '$app/paths';", // 2
					"import Knob from '$lib/widgets/knob/Knob.svelte';", // 3
					"import { theme } from '../ui/theme';", // 4
					"export { line } from '$lib/plots/line';", // 5
					"const w = await import('$lib/worker/train');", // 6
					'const h = window.innerHeight;', // 7
					"document.title = 'x';", // 8
					"import type { Writable } from 'svelte/store';" // 9
				].join('\n')
			}
		];
		expect(rulesOf(files)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map((l) => `src/lib/ml/bad.ts:${l}:ml-pure`));
	});

	it('ignores comments and allowed imports in src/lib/ml', () => {
		const files: SourceFile[] = [
			{
				path: 'src/lib/ml/ok.ts',
				text: [
					"// import { onMount } from 'svelte'; window.alert(1)",
					"/* document.body; import x from '$app/paths' */",
					"import * as tf from '@tensorflow/tfjs-core';",
					"import { rng } from './rng';",
					"import { loadMnist } from '$lib/ml/data';",
					"const url = 'https://example.com/a//b'; // document.x",
					'const mydocument = { x: 1 }; mydocument.x; self.postMessage(1);',
					"const s = 'window.foo';"
				].join('\n')
			}
		];
		// 'window.foo' inside a string literal is still text: the rule is deliberately strict there.
		expect(rulesOf(files)).toEqual(['src/lib/ml/ok.ts:8:ml-pure']);
	});

	it('finds cross-widget imports (alias and relative), allows own-folder and shared imports', () => {
		const files: SourceFile[] = [
			{
				path: 'src/lib/widgets/layer-swap/LayerSwap.svelte',
				text: [
					'<script lang="ts">', // 1
					"\timport Slider from '$lib/widgets/slider/Slider.svelte';", // 2
					"\timport { helper } from '../loss-curve/helper';", // 3
					"\timport { local } from './local';", // 4
					"\timport { theme } from '$lib/ui/theme';", // 5
					"\timport { same } from '$lib/widgets/layer-swap/same';", // 6
					"\timport type { WidgetProps } from '../types';", // 7
					"\timport { knob } from '$lib/widgets/knob';", // 8: folder index
					'</script>', // 9
					"<!-- import X from '$lib/widgets/other/X.svelte' -->" // 10
				].join('\n')
			},
			{ path: 'src/lib/widgets/knob/index.ts', text: "export const knob = 1;" },
			{ path: 'src/lib/widgets/types.ts', text: "export type WidgetProps = { id: string };" }
		];
		expect(rulesOf(files)).toEqual([
			'src/lib/widgets/layer-swap/LayerSwap.svelte:2:widget-isolation',
			'src/lib/widgets/layer-swap/LayerSwap.svelte:3:widget-isolation',
			'src/lib/widgets/layer-swap/LayerSwap.svelte:8:widget-isolation'
		]);
	});

	it('finds @tensorflow imports in plots and ui', () => {
		const files: SourceFile[] = [
			{ path: 'src/lib/plots/Line.svelte', text: "<script>\nimport * as tf from '@tensorflow/tfjs-core';\n</script>" },
			{ path: 'src/lib/ui/Button.svelte', text: "<script>\nconst tf = await import('@tensorflow/tfjs-backend-wasm');\n</script>" },
			{ path: 'src/lib/ml/model.ts', text: "import * as tf from '@tensorflow/tfjs-core';" }
		];
		// The static import also puts tfjs on the main thread (d); the dynamic one does not.
		expect(rulesOf(files)).toEqual([
			'src/lib/plots/Line.svelte:2:main-thread-tfjs',
			'src/lib/plots/Line.svelte:2:no-tfjs-in-view',
			'src/lib/ui/Button.svelte:2:no-tfjs-in-view'
		]);
	});

	it('finds main-thread code that reaches tfjs through static imports, and only at the boundary', () => {
		const tf = "import * as tf from '@tensorflow/tfjs-core';";
		const files: SourceFile[] = [
			{ path: 'src/lib/ml/heavy.ts', text: `${tf}\nexport const COST = 3;\nexport type Report = { a: number };` },
			{ path: 'src/lib/ml/middle.ts', text: "export * from './heavy';" },
			{ path: 'src/lib/ml/pure.ts', text: "import { rng } from './rng';\nexport const theory = (n: number) => n;" },
			{ path: 'src/lib/ml/rng.ts', text: 'export const rng = 1;' },
			{
				path: 'src/lib/widgets/w/W.svelte',
				text: [
					'<script lang="ts">', // 1
					"\timport { COST } from '$lib/ml/middle';", // 2: → middle → heavy → tfjs
					"\timport type { Report } from '$lib/ml/heavy';", // 3: erased
					"\timport { type Report as R } from '$lib/ml/heavy';", // 4: still loads heavy (verbatimModuleSyntax)
					"\timport { theory } from '$lib/ml/pure';", // 5: tf-free
					"\tconst lazy = () => import('$lib/ml/heavy');", // 6: a lazy chunk
					"\timport workerUrl from '$lib/worker/ml.worker.ts?worker&url';", // 7: a URL
					"\timport { helper } from './helper';", // 8: main thread → main thread
					'</script>', // 9
					"<p>import x from '@tensorflow/tfjs' is prose here</p>" // 10
				].join('\n')
			},
			// reported at its own boundary (line 1), not again at W.svelte:8
			{ path: 'src/lib/widgets/w/helper.ts', text: "import { COST } from '$lib/ml/heavy';\nexport const helper = COST;" },
			{ path: 'src/lib/worker/ml.worker.ts', text: `${tf}\nimport { COST } from '../ml/heavy';` },
			{ path: 'src/lib/worker/jobs/j.ts', text: "import { COST } from '../../ml/heavy';" },
			{ path: 'src/lib/bench/b.ts', text: tf },
			{ path: 'src/lib/ui/Direct.svelte', text: `<script>\n${tf}\n</script>` }
		];
		expect(rulesOf(files)).toEqual([
			'src/lib/ui/Direct.svelte:2:main-thread-tfjs',
			'src/lib/ui/Direct.svelte:2:no-tfjs-in-view',
			'src/lib/widgets/w/helper.ts:1:main-thread-tfjs',
			'src/lib/widgets/w/W.svelte:2:main-thread-tfjs',
			'src/lib/widgets/w/W.svelte:4:main-thread-tfjs',
			'src/lib/widgets/w/W.svelte:7:widget-lifecycle'
		]);
		const detail = checkArchitecture(files).find((v) => v.path === 'src/lib/widgets/w/W.svelte' && v.line === 2)?.detail;
		expect(detail).toBe('imports $lib/ml/middle → src/lib/ml/middle.ts → src/lib/ml/heavy.ts → @tensorflow/tfjs-core');
	});

	it('follows eager import.meta.glob and essays\' script blocks, not lazy globs or prose', () => {
		const files: SourceFile[] = [
			{ path: 'src/lib/ml/heavy.ts', text: "import * as tf from '@tensorflow/tfjs-core';\nexport const x = 1;" },
			{ path: 'src/lib/widgets/w/W.svelte', text: "<script>\nimport { x } from '$lib/ml/heavy';\n</script>" },
			{
				path: 'essays/a.md',
				text: "---\ntitle: A\n---\n\nProse: `import tf from '@tensorflow/tfjs'`.\n\n<script>\n\timport W from '$lib/widgets/w/W.svelte';\n</script>\n"
			},
			{
				// the essay list as it was: every body, widget and tfjs on the home page
				path: 'src/routes/essays.ts',
				text: "const m = import.meta.glob<Record<string, unknown> | undefined>('/essays/*.md', {\n\teager: true,\n\timport: 'metadata'\n});"
			},
			{ path: 'src/routes/essays/[slug]/+page.ts', text: "const lazy = import.meta.glob('/src/lib/ml/*.ts');" },
			{ path: 'src/routes/eager.ts', text: "const all = import.meta.glob(['/src/lib/ml/*.ts', '!/src/lib/ml/x.ts'], { eager: true });" }
		];
		expect(rulesOf(files)).toEqual(['src/lib/widgets/w/W.svelte:2:main-thread-tfjs', 'src/routes/eager.ts:1:main-thread-tfjs']);
		// the eager glob of essays is an edge into them (their widgets then report themselves)
		const known = new Set(files.map((f) => f.path));
		expect(resolveImport('src/routes/essays.ts', '$lib/widgets/w/W.svelte', known)).toEqual({ kind: 'file', path: 'src/lib/widgets/w/W.svelte' });
		expect(findStaticImports(files[3].text)).toEqual([{ spec: '/essays/*.md', line: 1, typeOnly: false, glob: true }]);
		expect(findStaticImports(files[4].text)).toEqual([]);
	});

	it('resolves $lib, relative, .svelte.ts, index and extensionless imports; reports what it cannot', () => {
		const known = new Set(['src/lib/params/state.svelte.ts', 'src/lib/plots/index.ts', 'src/lib/ml/es-theory.ts', 'essays/x.md']);
		const r = (spec: string, from = 'src/lib/widgets/w/W.svelte') => resolveImport(from, spec, known);
		expect(r('$lib/params/state.svelte')).toEqual({ kind: 'file', path: 'src/lib/params/state.svelte.ts' });
		expect(r('$lib/plots')).toEqual({ kind: 'file', path: 'src/lib/plots/index.ts' });
		expect(r('../../ml/es-theory.js')).toEqual({ kind: 'file', path: 'src/lib/ml/es-theory.ts' });
		expect(r('$essays/x.md')).toEqual({ kind: 'file', path: 'essays/x.md' });
		expect(r('@tensorflow/tfjs-backend-wasm')).toEqual({ kind: 'tfjs', name: '@tensorflow/tfjs-backend-wasm' });
		for (const other of ['d3', '$app/paths', 'virtual:essay-index', '../../../../static/r.json', '../app.css?inline']) expect(r(other)).toEqual({ kind: 'other' });
		expect(r('$lib/ml/missing')).toEqual({ kind: 'unresolved', path: 'src/lib/ml/missing' });
		const files: SourceFile[] = [{ path: 'src/routes/x.ts', text: "import { y } from '$lib/ml/missing';\nimport r from './r.json';" }];
		expect(unresolvedImports(files).map((v) => `${v.path}:${v.line}:${v.rule}`)).toEqual(['src/routes/x.ts:1:unresolved']);
	});

	it('finds ui, params and plots importing widgets or embed code (types too)', () => {
		const files: SourceFile[] = [
			{
				path: 'src/lib/ui/Panel.svelte',
				text: [
					'<script lang="ts">', // 1
					"\timport { widgetForSchema } from '$lib/widgets/registry';", // 2
					"\timport { embedSnippets } from '$lib/embed/snippets';", // 3
					"\timport { getParamState } from '$lib/params/state.svelte';", // 4: same layer, fine
					"\timport CopyLinkButton from './CopyLinkButton.svelte';", // 5
					'</script>'
				].join('\n')
			},
			{ path: 'src/lib/params/state.svelte.ts', text: "import type { EmbedContext } from '../embed/context';" },
			{ path: 'src/lib/plots/Chart.svelte', text: "<script>\nimport { x } from '../../embed/main';\n</script>" },
			{ path: 'src/lib/embed/EmbedPanel.svelte', text: "<script>\nimport ParamControls from '$lib/ui/ParamControls.svelte';\nimport { widgets } from '$lib/widgets/registry';\n</script>" }
		];
		expect(rulesOf(files)).toEqual([
			'src/lib/params/state.svelte.ts:1:layer-order',
			'src/lib/plots/Chart.svelte:2:layer-order',
			'src/lib/ui/Panel.svelte:2:layer-order',
			'src/lib/ui/Panel.svelte:3:layer-order'
		]);
	});

	it('finds experiments importing each other instead of common.ts', () => {
		const files: SourceFile[] = [
			{
				path: 'src/lib/ml/experiments/credit.ts',
				text: [
					"import { aggregate } from './modularity';", // 1
					"import type { Stat } from './stitching-analysis';", // 2
					"import { DEFAULT_RACE } from './credit-defaults';", // 3: own
					"import { verdict } from './credit-analysis';", // 4: own
					"import { type TestSet, aggregate as agg } from './common';", // 5: shared
					"import { COST } from '../es-theory';" // 6: not an experiment
				].join('\n')
			},
			{ path: 'src/lib/ml/experiments/task-vectors-analysis.ts', text: "import type { Task } from './task-vectors-defaults';\nimport { ARCHS } from '$lib/ml/experiments/modularity-defaults';" }
		];
		expect(rulesOf(files)).toEqual([
			'src/lib/ml/experiments/credit.ts:1:experiment-isolation',
			'src/lib/ml/experiments/credit.ts:2:experiment-isolation',
			'src/lib/ml/experiments/task-vectors-analysis.ts:2:experiment-isolation'
		]);
	});

	it('finds widgets reaching for the worker, Comlink or the pause gate', () => {
		const files: SourceFile[] = [
			{
				path: 'src/lib/widgets/w/W.svelte',
				text: [
					'<script lang="ts">', // 1
					"\timport * as Comlink from 'comlink';", // 2
					"\timport { getMlWorker } from '$lib/worker/client';", // 3
					"\timport type { SweepEvent } from '../../worker/jobs/j';", // 4: a type, fine
					"\timport { PauseGate } from '$lib/ui/pause-gate.svelte';", // 5
					"\timport { LiveSession } from '$lib/live/session.svelte';", // 6: the way
					'</script>'
				].join('\n')
			},
			{ path: 'src/lib/live/session.svelte.ts', text: "import * as Comlink from 'comlink';\nimport { getMlWorker } from '$lib/worker/client';" }
		];
		expect(rulesOf(files).filter((r) => r.endsWith('widget-lifecycle'))).toEqual([
			'src/lib/widgets/w/W.svelte:2:widget-lifecycle',
			'src/lib/widgets/w/W.svelte:3:widget-lifecycle',
			'src/lib/widgets/w/W.svelte:5:widget-lifecycle'
		]);
	});

	it('reads nothing from missing folders', () => {
		expect(readSources(['src/lib/does-not-exist'])).toEqual([]);
	});
});
