// Seeded randomness for everything that must be reproducible: data split, weight init, batch order.
// mulberry32 is tiny, fast and good enough for ML shuffles and inits; Math.random is never used.

export type Rng = {
	/** uniform in [0, 1) */
	next(): number;
	/** integer in [0, n) */
	int(n: number): number;
	/** standard normal (Box–Muller, caches the second value) */
	normal(): number;
	/** a new independent stream derived from this one */
	fork(): Rng;
};

/** Mix a seed (any integer) and an optional stream label into a 32-bit state. */
export function hashSeed(seed: number, stream = 0): number {
	let h = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
	h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
	h = (h + Math.imul(stream + 1, 0xc2b2ae35)) >>> 0;
	h = Math.imul(h ^ (h >>> 13), 0x27d4eb2f) >>> 0;
	return (h ^ (h >>> 16)) >>> 0;
}

export function makeRng(seed: number, stream = 0): Rng {
	let state = hashSeed(seed, stream);
	let spare: number | null = null;
	const next = () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	const rng: Rng = {
		next,
		int: (n) => Math.floor(next() * n),
		normal() {
			if (spare !== null) {
				const s = spare;
				spare = null;
				return s;
			}
			let u = 0;
			while (u <= Number.EPSILON) u = next();
			const v = next();
			const r = Math.sqrt(-2 * Math.log(u));
			spare = r * Math.sin(2 * Math.PI * v);
			return r * Math.cos(2 * Math.PI * v);
		},
		fork: () => makeRng(Math.floor(next() * 4294967296), 1)
	};
	return rng;
}

/** Fisher–Yates permutation of 0..n-1. */
export function permutation(n: number, rng: Rng): Int32Array {
	const p = new Int32Array(n);
	for (let i = 0; i < n; i++) p[i] = i;
	for (let i = n - 1; i > 0; i--) {
		const j = rng.int(i + 1);
		const t = p[i];
		p[i] = p[j];
		p[j] = t;
	}
	return p;
}

/** Float32Array of n normals with the given standard deviation. */
export function normalArray(n: number, std: number, rng: Rng): Float32Array {
	const a = new Float32Array(n);
	for (let i = 0; i < n; i++) a[i] = rng.normal() * std;
	return a;
}
