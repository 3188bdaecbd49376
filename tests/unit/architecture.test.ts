// Architecture rules, checked by scanning source text (no bundler involved):
//  (a) src/lib/ml/** is pure TypeScript: no Svelte, no SvelteKit ($app/*), no UI layers
//      ($lib/widgets, $lib/ui, $lib/plots, $lib/worker) and no DOM globals (document., window.);
//  (b) a widget folder src/lib/widgets/<name>/ never imports another widget folder;
//  (c) src/lib/plots and src/lib/ui never import @tensorflow/*.
// Passes when the folders are empty or missing. The self-tests at the bottom prove the checker
// actually finds violations.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

export type SourceFile = { path: string; text: string }; // path: repo-relative, '/'-separated
export type Violation = { path: string; line: number; rule: string; detail: string };

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCANNED_EXT = /\.(ts|js|mjs|cjs|mts|cts|svelte|svelte\.ts|svelte\.js)$/;

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
	}
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
	const files = readSources(['src/lib/ml', 'src/lib/widgets', 'src/lib/plots', 'src/lib/ui']);

	it('src/lib/ml is free of Svelte, SvelteKit, UI layers and the DOM', () => {
		const v = checkArchitecture(files).filter((x) => x.rule === 'ml-pure');
		expect(v, format(v)).toEqual([]);
	});

	it('widgets do not import other widgets', () => {
		const v = checkArchitecture(files).filter((x) => x.rule === 'widget-isolation');
		expect(v, format(v)).toEqual([]);
	});

	it('plots and ui do not import @tensorflow/*', () => {
		const v = checkArchitecture(files).filter((x) => x.rule === 'no-tfjs-in-view');
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
		expect(rulesOf(files)).toEqual([
			'src/lib/plots/Line.svelte:2:no-tfjs-in-view',
			'src/lib/ui/Button.svelte:2:no-tfjs-in-view'
		]);
	});

	it('reads nothing from missing folders', () => {
		expect(readSources(['src/lib/does-not-exist'])).toEqual([]);
	});
});
