// The "Double it" grid, free of tfjs (the page imports it): one working baseline, and rows that each
// change exactly one setting by powers of two. A cell is (row, factor); each cell is trained from
// several seeds. The plan turns cells into training runs grouped by shape, so nets of one shape can be
// trained together (../batched.ts), and the steps row reads one long run at several points.

/** The working setting every cell starts from. Smaller than the sketch (batch 128, 1,000 steps)
 *  because the shipped grid is trained on a shared 2-core machine. The width and batch-size rows reach
 *  ×8 (512): on wasm a wide net costs less time than its FLOPs say (width 512 is ~5× the baseline's time
 *  per step for ~30× the FLOPs), so the whole grid still fits in a script run of about half an hour. */
export const BASELINE = {
	width: 64,
	depth: 4,
	residual: true,
	learningRate: 1e-3,
	batchSize: 64,
	steps: 400,
	nTrain: 4000
} as const;

export type Setting = {
	width: number;
	depth: number;
	residual: boolean;
	learningRate: number;
	batchSize: number;
	steps: number;
	nTrain: number;
	/** naive init (all weights N(0, σ²)); absent = He init */
	naiveStd?: number;
};

export type RowKey = 'width' | 'depth' | 'nTrain' | 'learningRate' | 'batchSize' | 'steps' | 'plainDepth' | 'naiveDepth';

export type Row = {
	key: RowKey;
	label: string;
	/** what the factor multiplies */
	unit: string;
	factors: readonly number[];
	/** a control row: not a single doubling of the baseline, so not counted by the verdict */
	control?: string;
};

/** A broke flag: non-finite training loss, or test accuracy this far (fraction) below the baseline's mean. */
export const BROKE_MARGIN = 0.05;
/** The grid's training-set size may double at most to the 8,000 training digits there are. */
export const MAX_TRAIN = 8000;
export const NAIVE_STD = 0.01;

const pow2 = (lo: number, hi: number) => Array.from({ length: hi - lo + 1 }, (_, i) => 2 ** (lo + i));

export const ROWS: readonly Row[] = [
	{ key: 'width', label: 'Width', unit: 'units per layer', factors: pow2(-2, 3) },
	{ key: 'depth', label: 'Depth (residual)', unit: 'blocks', factors: pow2(-2, 2) },
	{ key: 'nTrain', label: 'Training digits', unit: 'examples', factors: pow2(-2, 1) },
	{ key: 'learningRate', label: 'Learning rate', unit: 'Adam step size', factors: pow2(-3, 5) },
	{ key: 'batchSize', label: 'Batch size', unit: 'digits per step', factors: pow2(-2, 3) },
	{ key: 'steps', label: 'Training steps', unit: 'Adam steps', factors: pow2(-2, 2) },
	{ key: 'plainDepth', label: 'Depth (plain, no skips)', unit: 'layers', factors: pow2(-2, 2), control: 'no skip connections: two changes from the baseline' },
	{ key: 'naiveDepth', label: 'Depth (plain, naive init)', unit: 'layers', factors: pow2(-2, 2), control: `no skips and every weight N(0, ${NAIVE_STD}²): a known way to break` }
];

export const rowByKey = (key: RowKey): Row => ROWS.find((r) => r.key === key)!;

/**
 * The cells the verdict reads and nothing else: every non-control row at ×½, ×1 and ×2. A reader can
 * check the claim with these in a fraction of the whole grid's compute (about 1/8 of its FLOPs).
 */
export const VERDICT_ROWS: readonly Row[] = ROWS.filter((r) => !r.control).map((r) => ({ ...r, factors: r.factors.filter((f) => f === 0.5 || f === 1 || f === 2) }));

/** The setting of cell (row, factor). */
export function cellSetting(key: RowKey, factor: number, base: Setting = BASELINE): Setting {
	const s: Setting = { ...base };
	const round = (v: number) => Math.max(1, Math.round(v));
	switch (key) {
		case 'width':
			s.width = round(base.width * factor);
			break;
		case 'depth':
			s.depth = round(base.depth * factor);
			break;
		case 'plainDepth':
		case 'naiveDepth':
			s.depth = round(base.depth * factor);
			s.residual = false;
			if (key === 'naiveDepth') s.naiveStd = NAIVE_STD;
			break;
		case 'nTrain':
			s.nTrain = Math.min(MAX_TRAIN, round(base.nTrain * factor));
			break;
		case 'learningRate':
			s.learningRate = base.learningRate * factor;
			break;
		case 'batchSize':
			s.batchSize = round(base.batchSize * factor);
			break;
		case 'steps':
			s.steps = round(base.steps * factor);
			break;
	}
	return s;
}

/** The value a cell shows for its row (e.g. 128 for width ×2). */
export function cellValue(key: RowKey, s: Setting): number {
	if (key === 'plainDepth' || key === 'naiveDepth') return s.depth;
	return s[key] as number;
}

export const cellId = (key: RowKey, factor: number) => `${key}@${factor}`;
export const isBaselineCell = (key: RowKey, factor: number) => factor === 1 && !rowByKey(key).control;

/** One training run: a setting and a seed, read at `evalSteps` (always including its last step). */
export type RunPlan = { id: string; setting: Setting; seed: number; evalSteps: number[] };
/** Runs of one shape, batch size and length: trained together. */
export type GroupPlan = { key: string; runs: RunPlan[] };
/** Where a cell's number comes from: run `runId` at step `step`. */
export type CellSource = { cell: string; key: RowKey; factor: number; seed: number; runId: string; step: number };

export const settingKey = (s: Setting) => JSON.stringify([s.width, s.depth, s.residual, s.learningRate, s.batchSize, s.steps, s.nTrain, s.naiveStd ?? 0]);
const shapeKey = (s: Setting) => JSON.stringify([s.width, s.depth, s.residual, s.batchSize]);

/** How many evaluation points a run's curve has (besides step 0). */
export const CURVE_POINTS = 8;

export function curveSteps(steps: number, points = CURVE_POINTS): number[] {
	const out = new Set<number>();
	for (let i = 1; i <= points; i++) out.add(Math.max(1, Math.round((steps * i) / points)));
	return [...out];
}

/** The "bigger learns faster" panel's runs (the width row) are read this often, for a smooth early curve. */
export const LEARN_EVERY = 25;

/** Every LEARN_EVERY steps up to `steps` (and `steps` itself). */
export function learnSteps(steps: number, every = LEARN_EVERY): number[] {
	const out: number[] = [];
	for (let s = every; s < steps; s += every) out.push(s);
	return [...out, steps];
}

const mergeSteps = (a: readonly number[], b: readonly number[]) => [...new Set([...a, ...b])].sort((x, y) => x - y);

/** What a plan reads besides each cell's own step: curves for the figures, or nothing (a check of the verdict). */
export type PlanReads = { curves: boolean };

/**
 * The grid's runs for these rows and seeds: identical settings are run once (every row's ×1 is the
 * baseline); the steps row is the baseline run trained on to its longest length and read on the way.
 * With `reads.curves` (the default) every run is read at CURVE_POINTS steps and the width row's runs
 * (the "bigger learns faster" panel) every LEARN_EVERY steps up to the baseline's length, the baseline
 * run among them, so its early curve is as fine as the others'. Without, each run is evaluated only
 * where a cell reads it: the width row's 17 evaluations on the 2,000 test digits cost up to 40 % of
 * what training that run costs.
 */
export function planGrid(rows: readonly Row[], seeds: readonly number[], base: Setting = BASELINE, reads: PlanReads = { curves: true }): { groups: GroupPlan[]; sources: CellSource[] } {
	const runs = new Map<string, RunPlan>();
	const sources: CellSource[] = [];
	const stepsRow = rows.find((r) => r.key === 'steps');
	const longest = stepsRow ? Math.max(base.steps, ...stepsRow.factors.map((f) => cellSetting('steps', f, base).steps)) : base.steps;
	for (const seed of seeds) {
		for (const row of rows) {
			for (const factor of row.factors) {
				let s = cellSetting(row.key, factor, base);
				let step = s.steps;
				// the baseline and every steps cell: read off one run of the longest length
				if (settingKey({ ...s, steps: base.steps }) === settingKey(base)) {
					s = { ...s, steps: longest };
				}
				const id = `${settingKey(s)}#${seed}`;
				let run = runs.get(id);
				if (!run) {
					run = { id, setting: s, seed, evalSteps: reads.curves ? curveSteps(s.steps) : [] };
					runs.set(id, run);
				}
				run.evalSteps = mergeSteps(run.evalSteps, row.key === 'width' && reads.curves ? [step, ...learnSteps(base.steps)] : [step]);
				sources.push({ cell: cellId(row.key, factor), key: row.key, factor, seed, runId: id, step });
			}
		}
	}
	const groups = new Map<string, GroupPlan>();
	for (const r of runs.values()) {
		const k = `${shapeKey(r.setting)}|${r.setting.steps}`;
		if (!groups.has(k)) groups.set(k, { key: k, runs: [] });
		groups.get(k)!.runs.push(r);
	}
	// cheap groups first, so partial results arrive early and everywhere
	const list = [...groups.values()].sort((a, b) => groupCost(a) - groupCost(b));
	return { groups: list, sources };
}

/** Multiply-adds of one training step of one net per example (forward; backward is about twice that). */
export function macsPerExample(s: Pick<Setting, 'width' | 'depth' | 'residual'>): number {
	const w = s.width;
	return 784 * w + s.depth * (s.residual ? 2 : 1) * w * w + w * 10;
}

/** Training cost of a run in FLOPs: about 6 per multiply-add-weight per example (2 forward, 4 backward). */
export function trainFlops(s: Setting): number {
	return 6 * macsPerExample(s) * s.batchSize * s.steps;
}

export function groupCost(g: GroupPlan): number {
	return g.runs.reduce((a, r) => a + trainFlops(r.setting), 0);
}

/** The default seeds of the shipped grid. */
export const GRID_SEEDS = [1, 2, 3] as const;

/** The "bigger learns faster" panel: the width row's curves, plus wider nets when the reader asks. */
export const LEARN_WIDTHS = [16, 32, 64, 128, 256, 512, 1024] as const;
