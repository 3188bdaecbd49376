import { defineConfig } from '@playwright/test';
import type { LaunchOptions } from '@playwright/test';

// Playwright can't download its own browsers here: we drive Debian's Chromium
// (`apt-get install chromium`; `node scripts/ensure-chromium.mjs` checks/installs it).
// Override the binary with CHROMIUM_PATH.
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const PORT = Number(process.env.PW_PORT ?? 4173);
export const BASE_URL = `http://127.0.0.1:${PORT}`;
// The embed tests' stand-in blog (tests/fixtures/blog): another origin than the site.
export const FIXTURE_PORT = Number(process.env.PW_FIXTURE_PORT ?? PORT + 10);
export const FIXTURE_URL = `http://127.0.0.1:${FIXTURE_PORT}`;

// Shared with scripts/screenshots.ts. (Playwright itself adds --headless, --disable-dev-shm-usage, …)
export const chromiumLaunchOptions: LaunchOptions = {
	executablePath: CHROMIUM_PATH,
	args: [
		'--no-sandbox', // CI runs as root
		'--enable-unsafe-webgpu', // WebGPU (on SwiftShader when there is no GPU)
		'--disable-background-networking',
		'--disable-component-update',
		'--disable-sync',
		'--no-first-run'
	]
};

const isCI = !!process.env.CI;

export default defineConfig({
	testDir: 'tests/e2e',
	outputDir: 'test-results',
	// 2 cores; tfjs training is CPU heavy. One worker on CI keeps timings stable; override with PW_WORKERS.
	workers: process.env.PW_WORKERS ? Number(process.env.PW_WORKERS) : isCI ? 1 : 2,
	fullyParallel: false,
	forbidOnly: isCI,
	retries: 0,
	// WebGPU on SwiftShader is ~30x slower than wasm: be generous per test.
	timeout: 120_000,
	expect: { timeout: 30_000 },
	reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
	use: {
		baseURL: BASE_URL,
		browserName: 'chromium',
		launchOptions: chromiumLaunchOptions,
		// The site's service worker would precache the whole site (~20 MB) in every test's fresh context;
		// tests that exercise it (offline.spec.ts) opt in with test.use({ serviceWorkers: 'allow' }).
		serviceWorkers: 'block',
		screenshot: 'only-on-failure',
		trace: 'retain-on-failure',
		video: 'off'
	},
	webServer: [
		{
			// Serves the already-built site (`npm run build` first; `npm test` does it).
			command:
				'test -d .svelte-kit/output/client || { echo "playwright: no build found - run npm run build first" >&2; exit 1; }; ' +
				`npx vite preview --host 127.0.0.1 --port ${PORT} --strictPort`,
			url: BASE_URL,
			reuseExistingServer: !isCI,
			timeout: 60_000,
			stdout: 'ignore',
			stderr: 'pipe'
		},
		{
			command: `node tests/fixtures/blog/server.mjs ${FIXTURE_PORT} ${BASE_URL}`,
			url: FIXTURE_URL,
			reuseExistingServer: !isCI,
			timeout: 20_000,
			stdout: 'ignore',
			stderr: 'pipe'
		}
	]
});
