// Second build, run by `npm run build` after the site: embed.js (src/embed/main.ts), the custom
// elements for other people's pages. It compiles the site's own Svelte components (with their CSS
// injected into each shadow root instead of emitted as files), maps the few $app/* imports to small
// shims, and writes embed.js + _embed/* (chunks, the worker) into the built site, next to index.html,
// so it is served from the site root (BASE_PATH included) like everything else.
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { svelte, vitePreprocess } from '@sveltejs/vite-plugin-svelte';
import { defineConfig, type Plugin } from 'vite';

const at = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const OUT = at('.svelte-kit/output/embed');
// adapter-static's output, and what `vite preview` serves (Playwright, `npm run preview`)
const SITE_DIRS = [at('build'), at('.svelte-kit/output/client')];
// The site build's version, so that embed.js fetches the runtime files as ?v=<version> like the site
// (src/lib/versioned-assets.ts) and never pairs its code with a previous deploy's cached files.
const SITE_VERSION_FILE = at('.svelte-kit/output/client/_app/version.json');
const siteVersion = existsSync(SITE_VERSION_FILE) ? (JSON.parse(readFileSync(SITE_VERSION_FILE, 'utf8')).version as string) : 'embed';

const copyIntoSite: Plugin = {
	name: 'nrs-copy-embed-into-site',
	apply: 'build',
	closeBundle() {
		for (const dir of SITE_DIRS) {
			if (!existsSync(dir)) throw new Error(`embed build: ${dir} is missing; build the site first (vite build)`);
			cpSync(OUT, dir, { recursive: true });
		}
	}
};

export default defineConfig({
	// Chunks and the worker are found relative to embed.js (import.meta.url), wherever it is hosted.
	base: './',
	publicDir: false,
	plugins: [
		svelte({
			configFile: false,
			preprocess: vitePreprocess(),
			emitCss: false,
			compilerOptions: { css: 'injected' }
		}),
		copyIntoSite
	],
	resolve: {
		alias: {
			$lib: at('src/lib'),
			'$app/paths': at('src/embed/shims/paths.ts'),
			'$app/environment': at('src/embed/shims/environment.ts'),
			'$app/navigation': at('src/embed/shims/navigation.ts')
		}
	},
	define: { __NRS_SITE_URL__: JSON.stringify(process.env.SITE_URL ?? ''), __NRS_VERSION__: JSON.stringify(siteVersion) },
	worker: { format: 'es' },
	build: {
		outDir: OUT,
		emptyOutDir: true,
		assetsDir: '_embed',
		// Vite's preload helper would add <link> tags to the host page's <head>: not ours to touch.
		modulePreload: false,
		target: 'es2022',
		rolldownOptions: {
			input: at('src/embed/main.ts'),
			preserveEntrySignatures: 'strict',
			output: { entryFileNames: 'embed.js', chunkFileNames: '_embed/[name]-[hash].js', assetFileNames: '_embed/[name]-[hash][extname]' }
		}
	}
});
