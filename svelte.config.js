import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';
import { mdsvex } from 'mdsvex';
import remarkMath from 'remark-math';
import { remarkKatex } from './scripts/remark-katex.js';
import { remarkCite } from './scripts/remark-cite.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

// The theme script inline in src/app.html runs before first paint; the CSP allows it by its hash,
// computed here from the file so an edit to the script cannot silently block it.
const themeScript = /<script>([\s\S]*?)<\/script>/.exec(readFileSync('src/app.html', 'utf8'))?.[1];
if (themeScript === undefined) throw new Error('svelte.config.js: no inline <script> in src/app.html to hash for the CSP');
const themeScriptHash = `sha256-${createHash('sha256').update(themeScript).digest('base64')}`;
// SITE_URL (vite.config.ts): the public address the embed snippets name. The Embed panel's previews
// load the embed page and embed.js from there, so it is allowed next to 'self'.
const siteOrigin = process.env.SITE_URL ? [new URL(process.env.SITE_URL).origin] : [];

/** @type {import('@sveltejs/kit').Config} */
const config = {
	extensions: ['.svelte', '.md'],
	preprocess: [
		vitePreprocess(),
		mdsvex({
			extensions: ['.md'],
			// Math is rendered to HTML at build time; see scripts/remark-katex.js for the `{}` escaping.
			// Citations ([@key]) and footnotes ([^id]) are resolved against one BibTeX file: scripts/remark-cite.js.
			remarkPlugins: [remarkMath, remarkKatex, [remarkCite, { bibliography: 'essays/references.bib' }]]
		})
	],
	kit: {
		// 404.html lets static hosts (e.g. GitHub Pages) show the site's own not-found page.
		adapter: adapter({ pages: 'build', assets: 'build', fallback: '404.html', strict: true }),
		paths: { base: process.env.BASE_PATH ?? '' },
		// Registered from src/routes/(site)/+layout.svelte, not on every page: an /embed/* page on
		// someone's blog must not install the whole site's offline cache in the reader's browser.
		serviceWorker: { register: false },
		// A <meta> CSP in every prerendered page (GitHub Pages sends no headers). Defence in depth: no
		// page renders untrusted markup today. SvelteKit adds the hash of its own inline start-up
		// script; the theme script's hash is added here. 'wasm-unsafe-eval': tfjs-backend-wasm
		// compiles its .wasm (the ML worker is a blob module under this policy inside embeds).
		// Styles stay 'unsafe-inline': KaTeX and Svelte write style attributes. frame-ancestors and
		// sandbox cannot be set from a <meta> (and the embeds are meant to be framed).
		csp: {
			mode: 'hash',
			directives: {
				'default-src': ['self'],
				'script-src': ['self', ...siteOrigin, 'wasm-unsafe-eval', themeScriptHash],
				// blob:/data: — the ML worker's start-up shim where the page's origin is not the site's
				// (src/lib/worker/client.ts startWorker: data: in a sandboxed frame, blob: elsewhere)
				'worker-src': ['self', 'blob:', 'data:'],
				'connect-src': ['self', ...siteOrigin],
				'img-src': ['self', 'data:', 'blob:'],
				'font-src': ['self', 'data:'],
				'style-src': ['self', 'unsafe-inline'],
				'frame-src': ['self', ...siteOrigin],
				'object-src': ['none'],
				'base-uri': ['self'],
				'form-action': ['self']
			}
		},
		alias: { $essays: 'essays' },
		prerender: {
			handleHttpError: 'fail',
			handleMissingId: 'warn',
			// These dynamic routes may legitimately have no entries (no essays or widgets yet);
			// any other unseen route is a real mistake.
			handleUnseenRoutes: ({ routes, message }) => {
				const mayBeEmpty = new Set(['/embed/[widget]', '/(site)/essays/[slug]']);
				if (routes.some((r) => !mayBeEmpty.has(r))) throw new Error(message);
			}
		}
	}
};

export default config;
