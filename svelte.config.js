import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';
import { mdsvex } from 'mdsvex';
import remarkMath from 'remark-math';
import { remarkKatex } from './scripts/remark-katex.js';
import { remarkCite } from './scripts/remark-cite.js';

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
