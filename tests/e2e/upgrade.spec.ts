// A deploy never mixes two builds. The built site is served by a small static server of this test's
// own, with Cache-Control: max-age=600 as GitHub Pages sends, at two base paths of one origin
// (/a/ and /b/, two deployments side by side, as /nrs and /nrs-staging on user.github.io). A reader
// visits /a/ (build A, its service worker installs) and /b/. Then build B is "deployed" at /a/: a copy
// of A with one checkpoint changed and a new version, as a new build would have (the version
// string, and the names of the hashed chunks whose contents change with it). The reader reloads:
// every runtime file the page's code reads (checkpoints, data, wasm) must be B's bytes, although A's
// service worker still controls the tab and the HTTP cache still holds A's files; B's own cache must
// hold B's bytes; and once B takes over, /b/'s cache must still be there.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, relative } from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect } from './helpers';

test.use({ serviceWorkers: 'allow' });

const CHANGED = 'checkpoints/modularity/residual.nrsc';
const RUNTIME = /\/(checkpoints|data|tfjs)\//;
const sha = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');

const TYPES: Record<string, string> = {
	'.html': 'text/html; charset=utf-8',
	'.js': 'text/javascript',
	'.css': 'text/css',
	'.json': 'application/json',
	'.svg': 'image/svg+xml',
	'.wasm': 'application/wasm',
	'.woff2': 'font/woff2'
};

/** A static host like GitHub Pages: `/<deployment>/<path>` from that deployment's folder, `x` → x.html. */
function serve(deployments: Map<string, string>): Promise<Server> {
	const server = createServer((req, res) => {
		const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
		const [, name, ...rest] = path.split('/');
		const root = deployments.get(name);
		const file = root && [rest.join('/') || 'index.html', `${rest.join('/')}.html`, `${rest.join('/')}/index.html`]
			.map((f) => join(root, f))
			.find((f) => f.startsWith(root) && existsSync(f) && statSync(f).isFile());
		const headers = { 'cache-control': 'max-age=600', 'access-control-allow-origin': '*' };
		if (!file) {
			res.writeHead(404, { ...headers, 'content-type': 'text/plain' }).end('not found');
			return;
		}
		res.writeHead(200, { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
	});
	return new Promise((done) => server.listen(0, '127.0.0.1', () => done(server)));
}

function filesUnder(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

const inlineScripts = (html: string) => [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
const cspHash = (script: string) => `sha256-${createHash('sha256').update(script).digest('base64')}`;

/**
 * Build B from a copy of build A, as a new build would differ: a new version everywhere it is
 * written, new names for the hashed chunks whose contents changed (and for the chunks that import
 * those, and so on), the pages' CSP hashes of their changed inline scripts, and one changed checkpoint
 * (still valid: JSON whitespace in its header).
 */
function deployB(dirA: string, dirB: string): { versionA: string; versionB: string } {
	cpSync(dirA, dirB, { recursive: true });
	const versionA = JSON.parse(readFileSync(join(dirB, '_app/version.json'), 'utf8')).version as string;
	const versionB = `${versionA}-b`;
	const text = filesUnder(dirB).filter((f) => ['.html', '.js', '.json'].includes(extname(f)) && !RUNTIME.test(`/${relative(dirB, f)}`));
	// B's one changed checkpoint (a byte of its header's padding), with its new hash in the checkpoints'
	// manifest, which a real build writes (scripts/hash-checkpoints.ts) and bundles into the ML worker
	const ckpt = readFileSync(join(dirB, CHANGED));
	const headerEnd = 8 + ckpt.readUInt32LE(4);
	expect(ckpt[headerEnd - 1], 'the header ends in its padding').toBe(0x20);
	const [shaA, bytes] = [sha(ckpt), ckpt.length];
	ckpt[headerEnd - 1] = 0x0a;
	const shaB = sha(ckpt);
	writeFileSync(join(dirB, CHANGED), ckpt);
	const manifestPath = join(dirB, 'checkpoints/manifest.json');
	const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
	expect(manifest[CHANGED.replace('checkpoints/', '')], 'the changed checkpoint is in the manifest').toEqual({ bytes, sha256: shaA });
	manifest[CHANGED.replace('checkpoints/', '')].sha256 = shaB;
	writeFileSync(manifestPath, JSON.stringify(manifest, null, '\t'));
	let replace: [string, string][] = [
		[versionA, versionB],
		[shaA, shaB]
	];
	const renamed = new Set<string>();
	while (replace.length) {
		const next: [string, string][] = [];
		for (const f of text) {
			const before = readFileSync(f, 'utf8');
			let after = before;
			for (const [from, to] of replace) after = after.replaceAll(from, to);
			if (after === before) continue;
			if (f.endsWith('.html')) {
				const [was, now] = [inlineScripts(before), inlineScripts(after)];
				was.forEach((s, i) => (after = after.replace(`'${cspHash(s)}'`, `'${cspHash(now[i])}'`)));
			}
			writeFileSync(f, after);
			if (relative(dirB, f).startsWith('_app/immutable/') && !renamed.has(basename(f))) {
				const name = basename(f).replace(/(\.[a-z0-9]+)$/i, '-b$1');
				renamed.add(name);
				next.push([basename(f), name]);
			}
		}
		for (const [from, to] of next) {
			const i = text.findIndex((f) => basename(f) === from);
			const moved = join(dirname(text[i]), to);
			renameSync(text[i], moved);
			text[i] = moved;
		}
		replace = next;
	}
	return { versionA, versionB };
}

/** Wait until this page is controlled by an activated service worker. */
async function controlled(page: Page) {
	await page.waitForFunction(() => navigator.serviceWorker.controller?.state === 'activated', null, { timeout: 60_000 });
}

/** Every cache of the origin: name → the paths it holds (with their query). */
async function cacheContents(page: Page): Promise<Record<string, string[]>> {
	return page.evaluate(async () => {
		const out: Record<string, string[]> = {};
		for (const name of await caches.keys()) out[name] = (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname + new URL(r.url).search);
		return out;
	});
}

test('an upgrade never mixes two builds, and two deployments on one origin keep their caches', async ({ page, context }) => {
	test.setTimeout(240_000);
	const tmp = mkdtempSync(join(tmpdir(), 'nrs-upgrade-'));
	const [dirA, dirB] = [join(tmp, 'A'), join(tmp, 'B')];
	cpSync('build', dirA, { recursive: true });
	const deployments = new Map([
		['a', dirA],
		['b', dirA]
	]);
	const server = await serve(deployments);
	const site = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	try {
		// Build A at /a/ and at /b/: both service workers install and take their pages.
		await page.goto(`${site}/b/about`);
		await controlled(page);
		await page.goto(`${site}/a/essays/modularity?backend=wasm`);
		await controlled(page);
		const widget = page.locator('[data-widget="layer-swap"]');
		await expect(widget).toHaveAttribute('data-source', /live/, { timeout: 120_000 });
		const before = await cacheContents(page);
		expect(Object.values(before).flat().some((k) => k.startsWith(`/b/${CHANGED}`)), '/b/ cached its files').toBe(true);

		// Deploy B at /a/.
		const { versionA, versionB } = deployB(dirA, dirB);
		deployments.set('a', dirB);
		const wanted = new Map(filesUnder(dirB).map((f) => [`/a/${relative(dirB, f)}`, sha(readFileSync(f))]));
		expect(wanted.get(`/a/${CHANGED}`)).not.toBe(sha(readFileSync(join(dirA, CHANGED))));

		// Reload: B's page and code, while A's worker still controls the tab. Record the bytes of every
		// runtime file that reaches the page or its ML worker.
		const got: Promise<[string, string]>[] = [];
		page.on('response', (res) => {
			const path = new URL(res.url()).pathname;
			if (RUNTIME.test(path) && path.startsWith('/a/') && res.request().method() === 'GET')
				got.push(res.body().then((b) => [path, sha(b)] as [string, string]));
		});
		await page.reload();
		await expect(widget).toHaveAttribute('data-source', /live/, { timeout: 120_000 });
		const read = new Map(await Promise.all(got));
		expect([...read.keys()], 'the checkpoints were read after the reload').toContain(`/a/${CHANGED}`);
		for (const [path, hash] of read) expect(hash, `${path} is B's`).toBe(wanted.get(path));

		// B's worker installed from the network, not from the HTTP cache's copies of A.
		await page.waitForFunction(
			async (v) => (await caches.keys()).some((n) => n.endsWith(v)) && (await navigator.serviceWorker.getRegistration())?.waiting?.state === 'installed',
			versionB,
			{ timeout: 120_000 }
		);
		// (a page too: the HTTP cache holds A's HTML under the same URL, and B's cache must not take it)
		const cachedB = await page.evaluate(
			async ({ v, paths }) => {
				const cache = await caches.open((await caches.keys()).find((n) => n.endsWith(v))!);
				const keys = await cache.keys();
				const out: Record<string, number[] | null> = {};
				for (const path of paths) {
					const hit = keys.find((r) => new URL(r.url).pathname === path);
					out[path] = hit ? [...new Uint8Array(await (await cache.match(hit))!.arrayBuffer())] : null;
				}
				return out;
			},
			{ v: versionB, paths: [`/a/${CHANGED}`, '/a/essays/modularity'] }
		);
		for (const [path, bytes] of Object.entries(cachedB)) {
			expect(bytes, `B's cache holds ${path}`).not.toBeNull();
			expect(sha(Uint8Array.from(bytes!)), `B's cache holds B's ${path}`).toBe(wanted.get(path) ?? wanted.get(`${path}.html`));
		}

		// Once no tab of A is open, B takes over /a/ and drops A's cache, and only A's: /b/ keeps its own.
		const next = await context.newPage();
		await page.close();
		await next.goto(`${site}/b/about`);
		await next.waitForFunction(
			async () => {
				const reg = await navigator.serviceWorker.getRegistration('/a/');
				return !!reg && !reg.waiting && reg.active?.state === 'activated';
			},
			null,
			{ timeout: 60_000 }
		);
		await expect.poll(async () => Object.keys(await cacheContents(next)).some((n) => n.endsWith(versionA) && !n.includes('/b')), { timeout: 60_000 }).toBe(false);
		const after = await cacheContents(next);
		expect(Object.values(after).flat().some((k) => k.startsWith(`/b/${CHANGED}`)), `/b/'s cache survives /a/'s upgrade`).toBe(true);
		expect(Object.values(after).flat().some((k) => k.startsWith(`/a/${CHANGED}`)), '/a/ is cached (build B)').toBe(true);
	} finally {
		server.close();
		rmSync(tmp, { recursive: true, force: true });
	}
});
