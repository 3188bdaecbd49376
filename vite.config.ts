import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
	plugins: [sveltekit()],
	// Optional public address of the site for embed snippets (default: wherever the page runs).
	define: { __NRS_SITE_URL__: JSON.stringify(process.env.SITE_URL ?? '') },
	// tfjs in a module worker needs ES-format worker chunks.
	worker: { format: 'es' },
	server: { host: '127.0.0.1', fs: { allow: ['essays'] } },
	test: {
		include: ['tests/unit/**/*.test.ts'],
		environment: 'node',
		testTimeout: 60_000,
		pool: 'forks'
	}
});
