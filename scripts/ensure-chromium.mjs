// Make sure a Chromium that Playwright can drive is installed (Playwright can't download its own
// browsers in our environments). Uses CHROMIUM_PATH if set, else Debian's /usr/bin/chromium.
// As root with apt-get available, installs the `chromium` package when it is missing; otherwise it
// prints the command to run and exits 1 — before Playwright gets a chance to fail cryptically.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const DEFAULT_PATH = '/usr/bin/chromium';
const INSTALL_CMD = 'sudo apt-get update && sudo apt-get install -y chromium';
const fromEnv = process.env.CHROMIUM_PATH;
const path = fromEnv || DEFAULT_PATH;

/** @returns {string | null} the version string, or null when the binary is missing or doesn't run */
function chromiumVersion() {
	if (!existsSync(path)) return null;
	try {
		const out = execFileSync(path, ['--version'], {
			encoding: 'utf8',
			timeout: 30_000,
			stdio: ['ignore', 'pipe', 'pipe'] // Debian's wrapper prints harmless shell noise on stderr
		});
		return out.trim() || null;
	} catch {
		return null;
	}
}

function fail(reason) {
	console.error(`\nensure-chromium: ${reason}`);
	if (fromEnv) {
		console.error(`CHROMIUM_PATH is set to "${fromEnv}": point it at a working Chromium binary, or unset it to use ${DEFAULT_PATH}.`);
	} else {
		console.error('The end-to-end tests drive Debian\'s Chromium (Playwright cannot download its own browsers here).');
		console.error('Install it with:\n');
		console.error(`    ${INSTALL_CMD}\n`);
		console.error('or set CHROMIUM_PATH to another Chromium/Chrome binary.');
	}
	process.exit(1);
}

let version = chromiumVersion();
if (version) {
	console.log(`ensure-chromium: ${version} (${path})`);
	process.exit(0);
}

if (fromEnv) fail(`"${path}" is missing or \`${path} --version\` does not run.`);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = existsSync('/usr/bin/apt-get') || spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
if (!isRoot || !hasApt) {
	fail(`${path} is missing or does not run${!hasApt ? ' (and apt-get is not available)' : ''}.`);
}

console.log(`ensure-chromium: ${path} is missing or does not run; installing Debian's chromium package (apt-get)…`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [['update'], ['install', '-y', 'chromium']]) {
	const r = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env });
	if (r.status !== 0) fail(`\`apt-get ${args.join(' ')}\` failed (exit ${r.status ?? r.signal}).`);
}

version = chromiumVersion();
if (!version) fail(`installed the chromium package, but \`${path} --version\` still does not run.`);
console.log(`ensure-chromium: ${version} (${path})`);
