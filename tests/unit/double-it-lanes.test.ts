// Double it: the grid's groups shared over several lanes (helper workers) give the runs of one lane,
// a failed lane's group is trained again by another, a stop stops, and progress reaches 1.
import { describe, expect, it } from 'vitest';
import { helperCount, HELPER_MIN_FLOPS } from '../../src/lib/worker/jobs/double-it-helpers';
import { type RobustRun, runCost } from '../../src/lib/ml/experiments/double-it-robust-defaults';
import { driftLivePlan, robustLivePlan } from '../../src/lib/widgets/double-it/robust-figures';
import { BASELINE, VERDICT_ROWS, groupCost, type GridLane, type GroupPlan, type RunResult, ROWS, planGrid, shareGroups, splitGroups } from '../../src/lib/ml/experiments/double-it';

const plan = splitGroups(planGrid(ROWS.filter((r) => ['width', 'depth', 'learningRate'].includes(r.key)), [1, 2]).groups, 1);

/** A fake lane: each run's "result" is a function of its id alone (as a real net is of its seed), after `ticks` turns of the event loop. */
function fakeLane(opts: { ticks?: number; failOn?: (g: GroupPlan, calls: number) => boolean; stopOn?: (g: GroupPlan) => boolean; trained?: string[] } = {}): GridLane {
	let calls = 0;
	return async (g, onSteps) => {
		calls++;
		const longest = Math.max(...g.runs.map((r) => r.setting.steps));
		for (let t = 1; t <= (opts.ticks ?? 2); t++) {
			await new Promise((r) => setTimeout(r, 0));
			if (opts.failOn?.(g, calls)) throw new Error('the helper died');
			if (opts.stopOn?.(g)) return null;
			await onSteps(Math.round((longest * t) / (opts.ticks ?? 2)));
		}
		opts.trained?.push(g.key);
		return g.runs.map((r): RunResult => ({ id: r.id, seed: r.seed, curve: [{ step: r.setting.steps, accuracy: (r.id.length % 7) / 10, testLoss: 1 }], nonFinite: false, flops: 1, ms: 1 }));
	};
}

async function collect(local: GridLane, helpers: GridLane[], shouldStop?: () => boolean) {
	const runs: RunResult[] = [];
	const progress: number[] = [];
	const r = await shareGroups(plan, local, helpers, { onRun: (x) => void runs.push(x), onProgress: (f) => void progress.push(f), shouldStop });
	return { ...r, runs, progress };
}
const byId = (rs: RunResult[]) => [...rs].sort((a, b) => a.id.localeCompare(b.id));

describe('shareGroups', () => {
	it('with the local lane alone trains the groups in the plan’s order, progress rising to 1', async () => {
		const trained: string[] = [];
		const one = await collect(fakeLane({ trained }), []);
		expect(one.stopped).toBe(false);
		expect(trained).toEqual(plan.map((g) => g.key));
		expect(one.runs.map((r) => r.id)).toEqual(plan.flatMap((g) => g.runs.map((r) => r.id)));
		expect(one.progress.at(-1)).toBeCloseTo(1, 12);
		for (let i = 1; i < one.progress.length; i++) expect(one.progress[i]).toBeGreaterThanOrEqual(one.progress[i - 1]);
	});

	it('with three lanes gives the same runs as one, each group trained once, and uses every lane', async () => {
		const one = await collect(fakeLane(), []);
		const counts = [[], [], []] as string[][];
		const three = await collect(fakeLane({ trained: counts[0] }), [fakeLane({ trained: counts[1], ticks: 3 }), fakeLane({ trained: counts[2], ticks: 1 })]);
		expect(three.stopped).toBe(false);
		expect(byId(three.runs)).toEqual(byId(one.runs));
		expect(counts.flat().sort()).toEqual(plan.map((g) => g.key).sort());
		for (const c of counts) expect(c.length).toBeGreaterThan(0);
		expect(three.progress.at(-1)).toBeCloseTo(1, 12);
		expect(Math.max(...three.progress)).toBeLessThanOrEqual(1 + 1e-12);
	});

	it('trains a failed helper’s group again on another lane and drops that helper', async () => {
		const one = await collect(fakeLane(), []);
		const dead: string[] = [];
		const local: string[] = [];
		// the helper dies in the middle of its second group
		const helper = fakeLane({ failOn: (g, calls) => calls === 2 && (dead.push(g.key), true), trained: [] });
		const shared = await collect(fakeLane({ trained: local }), [helper]);
		expect(shared.stopped).toBe(false);
		expect(byId(shared.runs)).toEqual(byId(one.runs));
		expect(new Set(dead).size).toBe(1);
		expect(local).toContain(dead[0]);
		expect(shared.progress.at(-1)).toBeCloseTo(1, 12);
	});

	it('a helper that never starts leaves all the work to the local lane', async () => {
		const one = await collect(fakeLane(), []);
		const shared = await collect(fakeLane(), [async () => Promise.reject(new Error('no worker'))]);
		expect(byId(shared.runs)).toEqual(byId(one.runs));
	});

	it('stops handing out groups once a lane is stopped, and says stopped', async () => {
		let stop = false;
		const trained: string[] = [];
		const stopAt = plan[3].key;
		// as a cancel reaches every lane: whichever lane trains group 3 sees it first
		const stopOn = (g: GroupPlan) => (stop ||= g.key === stopAt);
		const r = await collect(fakeLane({ trained, stopOn }), [fakeLane({ trained, stopOn })], () => stop);
		expect(r.stopped).toBe(true);
		expect(trained.length).toBeLessThan(plan.length);
		expect(r.runs.length).toBeLessThan(plan.flatMap((g) => g.runs).length);
	});

	it('the local lane’s own error is the run’s error', async () => {
		await expect(collect(fakeLane({ failOn: () => true }), [fakeLane()])).rejects.toThrow('the helper died');
	});

	it('the plan is the default one (sanity: a baseline net is in it)', () => {
		expect(plan.some((g) => g.runs.some((r) => r.setting.width === BASELINE.width && r.setting.depth === BASELINE.depth))).toBe(true);
	});
});

describe('helperCount', () => {
	const check = splitGroups(planGrid(VERDICT_ROWS, [1], BASELINE, { curves: false }).groups, 1).map(groupCost);
	const on = (backend: string, cores: number, sameOrigin = true) => ({ backend, cores, sameOrigin });
	it('shares a large plan on wasm and cpu with one helper per other core, at most three', () => {
		expect(check.reduce((a, c) => a + c, 0)).toBeGreaterThan(HELPER_MIN_FLOPS);
		expect(helperCount(check, on('wasm', 2))).toBe(1);
		expect(helperCount(check, on('cpu', 4))).toBe(3);
		expect(helperCount(check, on('wasm', 16))).toBe(3);
		expect(helperCount(check, on('wasm', 1))).toBe(0);
		expect(helperCount(check, on('wasm', 0))).toBe(0);
	});
	it('starts none on a GPU, embedded on another origin, for fewer than 3 groups, or for little work', () => {
		expect(helperCount(check, on('webgpu', 8))).toBe(0);
		expect(helperCount(check, on('webgl', 8))).toBe(0);
		expect(helperCount(check, on('wasm', 8, false))).toBe(0);
		expect(helperCount(check.slice(0, 2), on('wasm', 8))).toBe(0);
		const small = splitGroups(planGrid(ROWS.filter((r) => r.key === 'batchSize'), [1], { ...BASELINE, steps: 10 }, { curves: false }).groups, 1).map(groupCost);
		expect(small.length).toBeGreaterThanOrEqual(3);
		expect(helperCount(small, on('wasm', 8))).toBe(0);
	});
	it('shares the drift panel’s live plans (one width and width 64, seven rates each) and the robustness panel’s wide ones, not its two-net plan', () => {
		const costs = (runs: RobustRun[]) => runs.map((r) => runCost(r.setting));
		for (const w of [32, 128, 512]) expect(helperCount(costs(driftLivePlan(w, 2, 'mup')), on('wasm', 2))).toBe(1);
		expect(helperCount(costs(driftLivePlan(64, 2)), on('wasm', 4))).toBe(3);
		expect(helperCount(costs(robustLivePlan('width', 512, 2)), on('wasm', 2))).toBe(1);
		expect(helperCount(costs(robustLivePlan('width', 32, 2)), on('wasm', 8))).toBe(0);
	});
});
