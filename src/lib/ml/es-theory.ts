// The evolution-strategies essay's pure side (no tfjs, so the page can draw theory curves and cost
// axes without loading it): the compute accounting, the cosine theory, the log-log fit and the
// shapes of a cosine measurement (es.ts runs it in the worker).
//
// Compute is counted in forward-pass equivalents on one minibatch: a backprop step costs 3 (forward,
// and a backward of about twice the work), an ES generation with N antithetic pairs costs 2N, a GA
// generation costs its population size. The counters are exact integers.
import { IMAGE_SIZE, NUM_CLASSES } from './data';
import { type NetConfig, paramCount } from './net-layout';

export const COST = {
	backpropStep: 3,
	esGeneration: (pairs: number) => 2 * pairs,
	gaGeneration: (population: number) => population
} as const;

export function mlpConfig(width: number): NetConfig {
	return { depth: 0, width, residual: false };
}
export const mlpParamCount = (width: number) => paramCount(mlpConfig(width));

/**
 * The most floats a population may hold (2^23 float32 = 32 MiB): the GA keeps 2N candidates of d
 * parameters, the ES N noise rows of d. A link's pairs × width is capped so that 2N·d stays under it
 * (the credit schema, maxPairs), and es.ts refuses more, so no setting makes a tab allocate gigabytes.
 * It is also what es.ts's chunkSize assumes one evaluated chunk may take.
 */
export const MAX_POPULATION_FLOATS = 2 ** 23;

/** The largest N (antithetic pairs; the GA's population is 2N) whose population fits MAX_POPULATION_FLOATS at this width. */
export const maxPairs = (width: number) => Math.max(1, Math.floor(MAX_POPULATION_FLOATS / (2 * mlpParamCount(width))));

/** Multiply–adds of one forward pass of the MLP on one digit (for the FLOP bench). */
export const mlpMacs = (width: number) => IMAGE_SIZE * width + width * NUM_CLASSES;

/** Theory (Nesterov & Spokoiny): N Gaussian directions recover the gradient with cosine ≈ √(N/(N+d)). */
export const theoryCosine = (pairs: number, d: number) => Math.sqrt(pairs / (pairs + d));

// ---- the cosine measurement's request and result (measured by es.ts measureCosine) ------------------

export type CosineRequest = {
	width: number;
	/** the weights where the gradient is taken (d floats); default: the seeded initialisation */
	params?: Float32Array;
	seed: number;
	/** the population sizes to report (nested: the estimate for N uses the first N pairs) */
	pairs: number[];
	sigma: number;
	/** k parameters appended to the net that never touch the loss */
	useless: number;
	batchSize: number;
	/** which first-layer units to return as 28×28 pictures */
	units?: number[];
};

export type CosinePoint = { pairs: number; d: number; cosine: number; theory: number; cosineUseful: number };
export type CosineResult = {
	d: number;
	useless: number;
	points: CosinePoint[];
	/** per requested unit: first-layer column of the true gradient and of the ES estimate at the largest N */
	pictures: { unit: number; truth: Float32Array; estimate: Float32Array }[];
	/** forward-pass equivalents this measurement spent (2·max N) */
	compute: number;
};

/** Slope and intercept of the least-squares line through (log x, log y). */
export function logLogFit(points: { x: number; y: number }[]): { slope: number; intercept: number } {
	const ps = points.filter((p) => p.x > 0 && p.y > 0);
	const n = ps.length;
	if (n < 2) return { slope: NaN, intercept: NaN };
	const lx = ps.map((p) => Math.log(p.x));
	const ly = ps.map((p) => Math.log(p.y));
	const mx = lx.reduce((a, b) => a + b, 0) / n;
	const my = ly.reduce((a, b) => a + b, 0) / n;
	let sxy = 0,
		sxx = 0;
	for (let i = 0; i < n; i++) {
		sxy += (lx[i] - mx) * (ly[i] - my);
		sxx += (lx[i] - mx) ** 2;
	}
	const slope = sxx > 0 ? sxy / sxx : NaN;
	return { slope, intercept: my - slope * mx };
}
