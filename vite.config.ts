import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
	plugins: [sveltekit()],
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
