// The credit-assignment widget's parameters: one declaration drives its controls, its URL query and
// validation. Defaults are the shipped results' settings (tuned by scripts/make-credit.ts).
import { defineSchema, type ParamValues } from '$lib/params/schema';
import { COSINE_PAIRS, DEFAULT_RACE, STUDY_BUDGET, TARGET_WIDTHS, type RaceSettings } from '$lib/ml/experiments/credit-defaults';
import { MAX_POPULATION_FLOATS, maxPairs, mlpMacs, mlpParamCount } from '$lib/ml/es-theory';

export const creditSchema = defineSchema([
	{
		name: 'useless',
		kind: 'int',
		label: 'Useless parameters k',
		help: 'Extra parameters that never touch the loss. Backprop’s gradient there is exactly zero; ES perturbs them like any other.',
		min: 0,
		max: 200000,
		step: 5000,
		default: 0
	},
	{ name: 'width', kind: 'int', label: 'Hidden units h', help: 'The net is 784-h-10: d = 795h + 10 parameters.', min: 2, max: 256, default: DEFAULT_RACE.width },
	{
		name: 'budget',
		kind: 'int',
		label: 'Compute budget',
		help: 'Forward-pass equivalents on minibatches of 128 that each method may spend.',
		min: 300,
		max: 30000,
		step: 300,
		default: DEFAULT_RACE.budget
	},
	{
		name: 'pairs',
		kind: 'int',
		label: 'ES population: N antithetic pairs',
		help: 'Each generation tries θ ± σε for N noise vectors ε: 2N forward passes. The GA’s population is 2N too.',
		min: 1,
		max: 128,
		default: DEFAULT_RACE.pairs
	},
	{ name: 'sigma', kind: 'float', label: 'ES noise σ', help: 'Size of the ES perturbations.', min: 0.001, max: 0.3, log: true, default: DEFAULT_RACE.sigma },
	{ name: 'eslr', kind: 'float', label: 'ES learning rate', help: 'Adam step size on the ES estimate.', min: 0.0001, max: 0.3, log: true, default: DEFAULT_RACE.esLearningRate },
	{ name: 'sgdlr', kind: 'float', label: 'Backprop learning rate', help: 'Adam step size on the true gradient.', min: 0.0001, max: 0.1, log: true, default: DEFAULT_RACE.sgdLearningRate },
	{ name: 'gasigma', kind: 'float', label: 'GA mutation σ', help: 'Noise added to every parameter of each child.', min: 0.001, max: 0.3, log: true, default: DEFAULT_RACE.gaSigma },
	{
		name: 'raceuseless',
		kind: 'int',
		label: 'ES rerun with k useless parameters',
		help: 'The race runs ES a second time with k parameters appended that the loss never reads (0: no rerun). If ES paid for raw parameter count, this run would fall behind.',
		min: 0,
		max: 200000,
		step: 5000,
		default: DEFAULT_RACE.useless
	},
	{ name: 'seed', kind: 'int', label: 'Seed', help: 'Initial weights (shared by all three methods), minibatch order and noise.', min: 0, max: 9999, default: DEFAULT_RACE.seed },
	// the compute-to-target study, recomputed live: how much of the shipped study to rerun
	{
		name: 'studyseeds',
		kind: 'int',
		label: 'Study seeds',
		help: 'Seeds 1 to this many, as shipped (the shipped study ran 3). Each seed trains 3 nets per width.',
		min: 1,
		max: 3,
		default: 1
	},
	{
		name: 'studywidths',
		kind: 'enum',
		label: 'Study widths h',
		help: 'Which widths of the shipped study to rerun; most of the time goes to h = 128.',
		choices: [
			{ value: '8', label: '8' },
			{ value: '32', label: '8, 32' },
			{ value: '128', label: '8, 32, 128' }
		],
		default: '128'
	}
]);

export type CreditParams = ParamValues<typeof creditSchema>;

// ---- what a link can cost ---------------------------------------------------------------------------
// Memory: the GA holds a population of 2N candidates of d = 795h + 10 parameters (the ES holds N noise
// rows of d). Every value above is in range on its own, but width 256 with 128 pairs would be 52M
// floats (208 MB) a copy, several copies at once. So 2N·d is capped at MAX_POPULATION_FLOATS (2^23
// floats, 32 MiB): pairs is lowered to fit the width, with a note. The shipped N (10 to 40 by width) fits: at h = 128, 40 is the cap's most.

/** Lower `pairs` so the GA's population 2N·d fits MAX_POPULATION_FLOATS; a note when it changed. */
export function constrainCredit(p: CreditParams): { values: CreditParams; notes: string[] } {
	const most = maxPairs(p.width);
	if (p.pairs <= most) return { values: p, notes: [] };
	const d = mlpParamCount(p.width);
	const mib = Math.round((2 * p.pairs * d * 4) / 2 ** 20);
	return {
		values: { ...p, pairs: most },
		notes: [
			`pairs=${p.pairs} at width=${p.width} would hold ${2 * p.pairs} × ${d.toLocaleString('en')} parameters (${mib} MiB); using pairs=${most}, the most that fits in ${(MAX_POPULATION_FLOATS * 4) / 2 ** 20} MiB.`
		]
	};
}

/**
 * Work of the race, in multiply–adds: three methods × budget forward passes on minibatches of 128 of
 * the 784-h-10 net (ES's useless-parameter rerun is not counted: links compare against the shipped
 * race, which has one too). The worst link (width 256, budget 30000) is about 40× the shipped race.
 */
export function raceWork(p: Pick<CreditParams, 'width' | 'budget'>): number {
	return 3 * p.budget * DEFAULT_RACE.batchSize * mlpMacs(p.width);
}
export const SHIPPED_RACE_WORK = raceWork(DEFAULT_RACE);

/**
 * Work of the cosine measurement, counted in Gaussian draws: N_max pairs × (d + k) draws, twice
 * (once for the losses, once for the estimate). The draws in JS, not the forward passes, set its time:
 * at width 256 and k = 200,000 it is about 16× the shipped measurement (55 s on wasm in the review).
 */
export function cosineWork(p: Pick<CreditParams, 'width' | 'useless'>): number {
	return 2 * Math.max(...COSINE_PAIRS) * (mlpParamCount(p.width) + p.useless);
}
export const SHIPPED_COSINE_WORK = cosineWork({ width: DEFAULT_RACE.width, useless: 0 });

export function raceSettingsFrom(p: CreditParams): RaceSettings {
	return {
		...DEFAULT_RACE,
		width: p.width,
		budget: p.budget,
		pairs: p.pairs,
		sigma: p.sigma,
		esLearningRate: p.eslr,
		sgdLearningRate: p.sgdlr,
		gaSigma: p.gasigma,
		seed: p.seed,
		useless: p.raceuseless
	};
}

/** Do two settings describe the same race (so the shipped curves apply)? */
export function sameRace(a: RaceSettings, b: RaceSettings): boolean {
	const close = (x: number, y: number) => Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x));
	return (
		a.width === b.width &&
		a.budget === b.budget &&
		a.pairs === b.pairs &&
		a.seed === b.seed &&
		a.batchSize === b.batchSize &&
		a.gaParents === b.gaParents &&
		a.useless === b.useless &&
		close(a.sigma, b.sigma) &&
		close(a.esLearningRate, b.esLearningRate) &&
		close(a.sgdLearningRate, b.sgdLearningRate) &&
		close(a.gaSigma, b.gaSigma)
	);
}

/** The live study's widths and seeds (the shipped study's first ones). */
export function studyPlan(p: Pick<CreditParams, 'studyseeds' | 'studywidths'>): { widths: number[]; seeds: number[] } {
	const most = Number(p.studywidths);
	return { widths: TARGET_WIDTHS.filter((w) => w <= most), seeds: Array.from({ length: p.studyseeds }, (_, i) => i + 1) };
}

/**
 * What the live study will train: 3 nets per width and seed, each method at most its STUDY_BUDGET of
 * forward passes (backprop and ES stop once they reach every target), and the multiply–adds of those
 * budgets on minibatches of 128 (the weights of the progress bar).
 */
export function studyWork(plan: { widths: readonly number[]; seeds: readonly number[] }, batchSize = DEFAULT_RACE.batchSize) {
	const perSeed = plan.widths.reduce((a, w) => a + (STUDY_BUDGET.sgd + STUDY_BUDGET.es + STUDY_BUDGET.ga) * batchSize * mlpMacs(w), 0);
	return {
		nets: 3 * plan.widths.length * plan.seeds.length,
		forwardPasses: (STUDY_BUDGET.sgd + STUDY_BUDGET.es + STUDY_BUDGET.ga) * plan.widths.length * plan.seeds.length,
		macs: perSeed * plan.seeds.length
	};
}
