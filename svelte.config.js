import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';
import { mdsvex } from 'mdsvex';
import remarkMath from 'remark-math';
import { remarkKatex } from './scripts/remark-katex.js';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	extensions: ['.svelte', '.md'],
	preprocess: [
		vitePreprocess(),
		mdsvex({
			extensions: ['.md'],
			// Math is rendered to HTML at build time; see scripts/remark-katex.js for the `{}` escaping.
			remarkPlugins: [remarkMath, remarkKatex]
		})
	],
	kit: {
		adapter: adapter({ pages: 'build', assets: 'build', fallback: undefined, strict: true }),
		paths: { base: process.env.BASE_PATH ?? '' },
		alias: { $essays: 'essays' },
		prerender: { handleHttpError: 'fail', handleMissingId: 'warn' }
	}
};

export default config;
