import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';
import { essayIndex } from './scripts/essay-index.ts';

export default defineConfig({
	// essayIndex: `virtual:essay-index`, the essay list from front matter only (scripts/essay-index.ts)
	plugins: [essayIndex(), sveltekit()],
	// Optional public address of the site for embed snippets (default: wherever the page runs).
	define: { __NRS_SITE_URL__: JSON.stringify(process.env.SITE_URL ?? '') },
	// tfjs in a module worker needs ES-format worker chunks.
	worker: { format: 'es' },
	server: { host: '127.0.0.1', fs: { allow: ['essays'] } },
	// Access-Control-Allow-Origin: * as GitHub Pages sends: embeds on other origins, and sandboxed
	// frames (origin "null"), import the worker and fetch the data and checkpoints with CORS.
	preview: { cors: true },
	test: {
		include: ['tests/unit/**/*.test.ts'],
		environment: 'node',
		testTimeout: 60_000,
		pool: 'forks'
	}
});
