// Input domains for the task-vector essay: the same ten digit labels, the pictures changed.
//   upright   the digit as it is (identity)
//   rot90     rotated a quarter turn counter-clockwise
//   inverted  colours inverted (255 − x): a white digit on black becomes black on white
//   flipped   upside down (rows reversed; not a rotation: a 6 does not become a 9)
// Everything works on the uint8 28×28 images of the data asset and returns new Mnist-shaped data, so the
// existing TrainingData / TestSet classes take a domain's digits unchanged. Pure functions, no tfjs.
import { IMAGE_SIZE, type Mnist } from './data';
import { makeRng } from './rng';

export const DOMAINS = ['upright', 'rot90', 'inverted', 'flipped'] as const;
export type Domain = (typeof DOMAINS)[number];

export const DOMAIN_LABEL: Record<Domain, string> = {
	upright: 'upright',
	rot90: 'rotated 90°',
	inverted: 'inverted colours',
	flipped: 'upside down'
};

const SIDE = 28;

/** One image (784 bytes at `src[offset…]`) transformed into `out[outOffset…]`. */
export function transformInto(src: Uint8Array, offset: number, domain: Domain, out: Uint8Array, outOffset: number): void {
	switch (domain) {
		case 'upright':
			out.set(src.subarray(offset, offset + IMAGE_SIZE), outOffset);
			return;
		case 'inverted':
			for (let i = 0; i < IMAGE_SIZE; i++) out[outOffset + i] = 255 - src[offset + i];
			return;
		case 'flipped':
			for (let r = 0; r < SIDE; r++) out.set(src.subarray(offset + (SIDE - 1 - r) * SIDE, offset + (SIDE - r) * SIDE), outOffset + r * SIDE);
			return;
		case 'rot90':
			// counter-clockwise: out[r][c] = in[c][27 − r]
			for (let r = 0; r < SIDE; r++) for (let c = 0; c < SIDE; c++) out[outOffset + r * SIDE + c] = src[offset + c * SIDE + (SIDE - 1 - r)];
			return;
	}
}

/** `count` images starting at image `start` of `pixels`, transformed. */
export function transformImages(pixels: Uint8Array, domain: Domain, start = 0, count = Math.floor(pixels.length / IMAGE_SIZE) - start): Uint8Array {
	const out = new Uint8Array(count * IMAGE_SIZE);
	for (let i = 0; i < count; i++) transformInto(pixels, (start + i) * IMAGE_SIZE, domain, out, i * IMAGE_SIZE);
	return out;
}

/** A contiguous slice of a split (images and labels), as a new small Mnist-like pair of arrays. */
export type Digits = { x: Uint8Array; y: Uint8Array; n: number };

export function sliceDigits(pixels: Uint8Array, labels: Uint8Array, start: number, count: number): Digits {
	const n = Math.max(0, Math.min(count, labels.length - start));
	return { x: pixels.subarray(start * IMAGE_SIZE, (start + n) * IMAGE_SIZE), y: labels.subarray(start, start + n), n };
}

export function transformDigits(d: Digits, domain: Domain): Digits {
	return { x: transformImages(d.x, domain, 0, d.n), y: d.y, n: d.n };
}

/**
 * Each digit in one domain drawn at random (seeded) from `domains`: the mixed data a generalist base
 * (all four domains) or the multi-task baseline (the two task domains) trains on.
 */
export function mixedDigits(d: Digits, domains: readonly Domain[], seed: number): Digits {
	const rng = makeRng(seed, 41);
	const x = new Uint8Array(d.n * IMAGE_SIZE);
	for (let i = 0; i < d.n; i++) transformInto(d.x, i * IMAGE_SIZE, domains[rng.int(domains.length)], x, i * IMAGE_SIZE);
	return { x, y: d.y, n: d.n };
}

/** Digits as training data for Trainer (TrainingData reads trainX/trainY/nTrain only). */
export function asTrainSet(d: Digits): Mnist {
	return { nTrain: d.n, nTest: 0, trainX: d.x, trainY: d.y, testX: new Uint8Array(0), testY: new Uint8Array(0) };
}

/**
 * The fixed split of the task-vector experiment: the first `nTrain − holdout` training digits train every
 * net; the last `holdout` are held out for choosing λ (never the test digits); the test digits report.
 */
export type TaskSplit = { train: Digits; holdout: Digits; test: Digits };

export function taskSplit(data: Mnist, holdout = 1000, testLimit = data.nTest): TaskSplit {
	const nFit = data.nTrain - holdout;
	return {
		train: sliceDigits(data.trainX, data.trainY, 0, nFit),
		holdout: sliceDigits(data.trainX, data.trainY, nFit, holdout),
		test: sliceDigits(data.testX, data.testY, 0, testLimit)
	};
}

/** The same digits in each domain, stacked domain after domain (the evaluation set of a merge). */
export function stackDomains(d: Digits, domains: readonly Domain[] = DOMAINS): Digits {
	const x = new Uint8Array(domains.length * d.n * IMAGE_SIZE);
	const y = new Uint8Array(domains.length * d.n);
	domains.forEach((dom, k) => {
		x.set(transformImages(d.x, dom, 0, d.n), k * d.n * IMAGE_SIZE);
		y.set(d.y, k * d.n);
	});
	return { x, y, n: domains.length * d.n };
}
