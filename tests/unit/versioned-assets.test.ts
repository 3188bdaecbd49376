// Runtime files (data, checkpoints, wasm) are fetched under the build version, so a new build's code
// never reads an old build's bytes from the HTTP cache or an old service worker's cache.
import { describe, expect, it } from 'vitest';
import { isVersionedPath, withVersion } from '../../src/lib/versioned-assets';
import { versionAssetFetches } from '../../src/lib/worker/versioned-fetch';

describe('versioned runtime files', () => {
	it('knows which paths are versioned, under the base path', () => {
		expect(isVersionedPath('/nrs/checkpoints/modularity/residual.nrsc', '/nrs')).toBe(true);
		expect(isVersionedPath('/nrs/data/mnist.bin.gz', '/nrs')).toBe(true);
		expect(isVersionedPath('/tfjs/tfjs-backend-wasm-simd.wasm', '')).toBe(true);
		expect(isVersionedPath('/nrs/embed-resize.js', '/nrs')).toBe(false);
		expect(isVersionedPath('/nrs/_app/immutable/x.js', '/nrs')).toBe(false);
		expect(isVersionedPath('/other/data/mnist.bin.gz', '/nrs')).toBe(false);
	});

	it('sets v= and keeps the rest of the URL', () => {
		expect(withVersion('https://x.org/nrs/data/a.json', '17')).toBe('https://x.org/nrs/data/a.json?v=17');
		expect(withVersion('https://x.org/nrs/data/a.json?v=1&k=2', '17')).toBe('https://x.org/nrs/data/a.json?v=17&k=2');
	});

	it("the worker's fetch adds the version to the site's runtime files only", async () => {
		const asked: string[] = [];
		const scope = { fetch: (async (input: RequestInfo | URL) => (asked.push(String(input)), new Response('ok'))) as typeof fetch };
		versionAssetFetches(scope, { root: 'https://x.org/nrs', version: '42' });
		await scope.fetch('https://x.org/nrs/checkpoints/task-vectors/base.nrsc');
		await scope.fetch(new URL('https://x.org/nrs/tfjs/tfjs-backend-wasm-simd.wasm'), { credentials: 'same-origin' });
		await scope.fetch('https://x.org/nrs/data/mnist.manifest.json');
		await scope.fetch('https://x.org/nrs/_app/immutable/chunk.js');
		await scope.fetch('https://elsewhere.org/nrs/data/mnist.manifest.json');
		expect(asked).toEqual([
			'https://x.org/nrs/checkpoints/task-vectors/base.nrsc?v=42',
			'https://x.org/nrs/tfjs/tfjs-backend-wasm-simd.wasm?v=42',
			'https://x.org/nrs/data/mnist.manifest.json?v=42',
			'https://x.org/nrs/_app/immutable/chunk.js',
			'https://elsewhere.org/nrs/data/mnist.manifest.json'
		]);
	});
});
