// Measures candidate storage formats for the shipped checkpoints: bytes (raw and gzipped) and what
// each does to the numbers the essays ship (results.json), re-evaluated from the decoded nets with
// scripts/shipped-evals.ts on the backend the results were made with (wasm).
//   float32      the reference (the original format)
//   float16      IEEE half, round to nearest even
//   int8         per-tensor symmetric int8 with a float32 scale
//   float16 Δ    (task vectors only, simulated) base in float16, each fine-tune as base16 + float16(θ − base16)
//   int8 Δ       (task vectors only, simulated) the same with int8 for the base and for each difference
//   float16+int8 Δ (task vectors only, simulated) base in float16, differences in int8
//   float32+float16 Δ (task vectors only, simulated) base as is, differences in float16
// Usage: npx tsx scripts/checkpoint-formats.ts [--ref <git revision with the float32 files>]
//        [--essays modularity,stitching,task-vectors] [--formats float32,float16,int8,...] [--headline]
//        [--trained]   (also the trained stitches: 6 × 300 steps more)
// Without --ref it reads the files in static/checkpoints, whatever their format (after compacting,
// the float32 originals are in git: the commit before "compact checkpoints").
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { useBackend, loadMnistFromDisk } from './node-tf';
import { type CheckpointDtype, decodeCheckpoint, encodeCheckpoint } from '../src/lib/ml/checkpoint';
import { CHECKPOINTS, ESSAYS, type Compared, type Essay, type Nets, evalEssay } from './shipped-evals';

const arg = (name: string) => {
	const i = process.argv.indexOf(`--${name}`);
	return i >= 0 ? process.argv[i + 1] : undefined;
};
const ref = arg('ref');
const essays = (arg('essays')?.split(',') ?? [...ESSAYS]) as Essay[];
const FORMATS = ['float32', 'float16', 'int8', 'float16 Δ', 'int8 Δ', 'float16+int8 Δ', 'float32+float16 Δ'] as const;
type Format = (typeof FORMATS)[number];
const formats = (arg('formats')?.split(',') ?? [...FORMATS]) as Format[];
const full = !process.argv.includes('--headline');
const trained = process.argv.includes('--trained');

function readCheckpoint(essay: string, name: string): Uint8Array {
	const path = `static/checkpoints/${essay}/${name}.nrsc`;
	if (ref) return new Uint8Array(execFileSync('git', ['show', `${ref}:${path}`], { maxBuffer: 64 << 20 }));
	return new Uint8Array(readFileSync(join(process.cwd(), path)));
}

const backend = await useBackend();
const data = loadMnistFromDisk();
console.log(`checkpoint-formats: backend ${backend}, ${ref ? `float32 files from ${ref}` : 'files in static/checkpoints'}, ${full ? 'every checkpoint figure' : 'headline numbers'}`);

const kB = (n: number) => `${(n / 1000).toFixed(0)} kB`;
const pts = (x: number) => `${(x * 100).toFixed(2)}`;

/** The nets as the format would deliver them, and the bytes of its files. */
function encodeAs(essay: Essay, format: Format, originals: Record<string, ReturnType<typeof decodeCheckpoint>>) {
	const nets: Nets = {};
	const files: Record<string, Uint8Array> = {};
	const delta = format.endsWith('Δ');
	const [baseDtype, deltaDtype = baseDtype] = format.split(' ')[0].split('+') as CheckpointDtype[];
	const roundTrip = (name: string, params: Float32Array) => {
		const { header } = originals[name];
		const dtype = name === 'base' || !delta ? baseDtype : deltaDtype;
		const bytes = encodeCheckpoint(header, params, dtype);
		files[name] = bytes;
		return decodeCheckpoint(bytes).params;
	};
	for (const name of CHECKPOINTS[essay]) {
		const { header, params } = originals[name];
		if (delta && essay === 'task-vectors' && name !== 'base') {
			// θ ≈ base_q + q(θ − base_q): the file holds the difference, decoding adds the decoded base
			const b = nets.base.params;
			const d = Float32Array.from(params, (x, i) => x - b[i]);
			const dq = roundTrip(name, d);
			nets[name] = { config: header.config, params: Float32Array.from(dq, (x, i) => b[i] + x) };
		} else nets[name] = { config: header.config, params: roundTrip(name, params) };
	}
	return { nets, files };
}

/** Accuracies over one size of evaluation set (2,000 test digits per domain, 1,000 held out, 500 figure digits). */
type AccGroup = { count: number; changed: number; maxDigits: number; max: number; worst: Compared | null };
type Summary = { acc: Record<number, AccGroup>; accMax: number; other: { rel: number; abs: number; worst: Compared | null }; mismatches: Record<string, number> };

function summarise(rows: Compared[]): Summary {
	const s: Summary = { acc: {}, accMax: 0, other: { rel: 0, abs: 0, worst: null }, mismatches: {} };
	for (const r of rows) {
		if (/\.predictions|\.perms/.test(r.key)) {
			const k = r.key.includes('perms') ? 'perm entries' : 'sample predictions';
			s.mismatches[k] = (s.mismatches[k] ?? 0) + (r.shipped === r.value ? 0 : 1);
		} else if (r.digits) {
			const g = (s.acc[r.digits] ??= { count: 0, changed: 0, maxDigits: 0, max: 0, worst: null });
			const d = Math.abs(r.value - r.shipped);
			const digits = Math.round(d * r.digits);
			g.count++;
			if (digits > 0) g.changed++;
			g.maxDigits = Math.max(g.maxDigits, digits);
			if (d > g.max) {
				g.max = d;
				g.worst = r;
			}
			s.accMax = Math.max(s.accMax, d);
		} else {
			// shipped numbers are rounded to 5–6 significant digits: smaller relative changes are rounding
			const abs = Math.abs(r.value - r.shipped);
			const rel = abs / Math.max(Math.abs(r.shipped), 1e-12);
			if (rel > 1e-4 && rel > s.other.rel) s.other = { rel, abs, worst: r };
		}
	}
	return s;
}

const table: string[] = [];
for (const essay of essays) {
	const originals = Object.fromEntries(CHECKPOINTS[essay].map((n) => [n, decodeCheckpoint(readCheckpoint(essay, n))]));
	for (const format of formats) {
		if (format.endsWith('Δ') && essay !== 'task-vectors') continue;
		const t0 = performance.now();
		const { nets, files } = encodeAs(essay, format, originals);
		const rows = await evalEssay(essay, nets, data, full, trained);
		const s = summarise(rows);
		const raw = Object.values(files).reduce((n, f) => n + f.length, 0);
		const gz = Object.values(files).reduce((n, f) => n + gzipSync(f, { level: 9 }).length, 0);
		const per = Object.entries(files)
			.map(([n, f]) => `${n} ${f.length} (gz ${gzipSync(f, { level: 9 }).length})`)
			.join(', ');
		const mism = Object.entries(s.mismatches)
			.map(([k, v]) => `${v} ${k} differ`)
			.join('; ');
		const groups = Object.entries(s.acc)
			.sort(([a], [b]) => Number(b) - Number(a))
			.map(([n, g]) => `${n} digits: max |Δ| ${pts(g.max)} (${g.maxDigits}), ${g.changed}/${g.count} changed`)
			.join('; ');
		const line = `${essay.padEnd(13)} ${format.padEnd(15)} ${kB(raw).padStart(8)} ${kB(gz).padStart(8)}   max |Δ| ${pts(s.accMax)} points   ${groups}`;
		console.log(line);
		console.log(`    files: ${per}`);
		for (const g of Object.values(s.acc))
			if (g.worst) console.log(`    largest change over ${g.worst.digits} digits: ${g.worst.key} shipped ${pts(g.worst.shipped)} → ${pts(g.worst.value)} %`);
		if (s.other.worst) console.log(`    other numbers: largest relative change ${s.other.worst.key} ${s.other.worst.shipped} → ${s.other.worst.value.toPrecision(5)}`);
		if (mism) console.log(`    ${mism}`);
		if (essay === 'task-vectors') {
			// what storage does to the task vectors themselves: RMS of the error in τ = θ − θ0, relative to RMS τ
			const b0 = originals.base.params;
			const bq = nets.base.params;
			const rel = CHECKPOINTS[essay]
				.filter((n) => n !== 'base')
				.map((n) => {
					const t0 = originals[n].params;
					const tq = nets[n].params;
					let e = 0;
					let t = 0;
					for (let i = 0; i < b0.length; i++) {
						const tau = t0[i] - b0[i];
						e += (tq[i] - bq[i] - tau) ** 2;
						t += tau ** 2;
					}
					return `${n.replace('ft-', '')} ${((100 * Math.sqrt(e)) / Math.sqrt(t)).toFixed(2)} %`;
				});
			console.log(`    error of τ = θ − θ0 (RMS, relative to RMS τ): ${rel.join(', ')}`);
		}
		const changed = rows.filter((r) => r.digits && r.digits >= 1000 && Math.round(Math.abs(r.value - r.shipped) * r.digits) > 0);
		if (changed.length && changed.length <= 16)
			console.log(`    changed (≥ 1,000 digits): ${changed.map((r) => `${r.key} ${pts(r.shipped)}→${pts(r.value)}`).join(', ')}`);
		console.log(`    (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
		table.push(line);
	}
}
console.log('\nSummary (bytes: sum of the essay\'s checkpoint files, raw and gzip -9; accuracies vs results.json)');
for (const l of table) console.log(l);
