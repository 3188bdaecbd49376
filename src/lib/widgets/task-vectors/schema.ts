// The task-vector widget's parameters: one declaration drives its controls, URL query and validation.
// Defaults are the shipped checkpoints' settings (scripts/make-task-vectors.ts).
import { defineSchema, type ParamValues } from '$lib/params/schema';
import {
	DEFAULT_SETTINGS,
	DEFAULT_TASK_A,
	DEFAULT_TASK_B,
	type Task,
	type TaskVectorSettings
} from '$lib/ml/experiments/task-vectors-defaults';

const TASK_CHOICES = [
	{ value: 'rot90', label: 'rotated 90°' },
	{ value: 'inverted', label: 'inverted colours' },
	{ value: 'flipped', label: 'upside down' }
] as const;

export const taskVectorSchema = defineSchema([
	{ name: 'a', kind: 'enum', label: 'Task A', help: 'The first fine-tuning task: the digits shown this way.', choices: TASK_CHOICES, default: DEFAULT_TASK_A },
	{ name: 'b', kind: 'enum', label: 'Task B', help: 'The second fine-tuning task.', choices: TASK_CHOICES, default: DEFAULT_TASK_B },
	{ name: 'la', kind: 'float', label: 'λA', help: 'How much of task vector A to add (negative subtracts it).', min: -2, max: 2, step: 0.05, default: 1, live: true },
	{ name: 'lb', kind: 'float', label: 'λB', help: 'How much of task vector B to add.', min: -2, max: 2, step: 0.05, default: 1, live: true },
	{
		name: 'lr',
		kind: 'float',
		label: 'λ random',
		help: 'The control: a random direction with the same length as task vector A.',
		min: -2,
		max: 2,
		step: 0.05,
		default: 0,
		live: true
	},
	{
		name: 'lg',
		kind: 'float',
		label: 'λ generic',
		help: 'The strongest control: the base trained further on its own mix for as many steps as a fine-tune, rescaled to the length of task vector A.',
		min: -2,
		max: 2,
		step: 0.05,
		default: 0,
		live: true
	},
	{
		name: 'lo',
		kind: 'float',
		label: 'λ other task',
		help: 'A specificity control: the vector of the third task, the one neither A nor B (at 1, its own fine-tune). It was trained on digits of neither task.',
		min: -2,
		max: 2,
		step: 0.05,
		default: 0,
		live: true
	},
	{
		name: 'base',
		kind: 'enum',
		label: 'Base model',
		help: 'The generalist saw all four kinds of digit in training; the narrow base saw upright digits only (the case where addition fails).',
		choices: [
			{ value: 'generalist', label: 'generalist (all four domains)' },
			{ value: 'narrow', label: 'narrow (upright only: the failure case)' }
		],
		default: 'generalist'
	},
	{ name: 'seed', kind: 'int', label: 'Seed', help: 'Initial weights, data mix and batch order.', min: 0, max: 9999, default: DEFAULT_SETTINGS.seed },
	{ name: 'steps', kind: 'int', label: 'Fine-tune steps', help: 'Adam steps of batch 128 per task (the multi-task baseline gets twice as many).', min: 10, max: 2000, step: 10, default: DEFAULT_SETTINGS.ftSteps },
	{ name: 'ftlr', kind: 'float', label: 'Fine-tune learning rate', help: 'Larger rates make longer task vectors, which merge worse.', min: 1e-5, max: 1e-2, log: true, default: DEFAULT_SETTINGS.ftLr },
	{
		name: 'spu',
		kind: 'int',
		label: 'Steps per update',
		help: 'Training steps between updates of the curves (on a slow backend, try 5).',
		min: 1,
		max: 200,
		default: 25,
		live: true
	}
]);

export type TaskVectorParams = ParamValues<typeof taskVectorSchema>;

export function settingsFrom(p: TaskVectorParams): TaskVectorSettings {
	return { ...DEFAULT_SETTINGS, seed: p.seed, ftSteps: p.steps, ftLr: p.ftlr };
}

/**
 * Work of retraining for a link, in training steps of the one net (all runs use the same net and
 * batch): the base, three fine-tunes (the two tasks and the other-task control), the generic-training
 * control, the two multi-task baselines (two and four domains, 2 × steps each) and the head-only probe
 * (counted as a full step; it is less). The worst link (2000 steps) is about 4.7× the shipped work.
 */
export function trainingWork(p: Pick<TaskVectorParams, 'steps'>): number {
	return DEFAULT_SETTINGS.baseSteps + 9 * p.steps;
}
export const SHIPPED_TRAINING_WORK = trainingWork({ steps: DEFAULT_SETTINGS.ftSteps });

/** Same nets as the shipped checkpoints (then the shipped results and files apply)? */
export function isShippedConfig(p: TaskVectorParams): boolean {
	return p.base === 'generalist' && p.seed === DEFAULT_SETTINGS.seed && p.steps === DEFAULT_SETTINGS.ftSteps && Math.abs(p.ftlr - DEFAULT_SETTINGS.ftLr) < 1e-12;
}

/** Task B must differ from task A: if a link asks for the same one twice, pick the next. */
export function distinctTasks(a: Task, b: Task): { a: Task; b: Task; note?: string } {
	if (a !== b) return { a, b };
	const order: Task[] = ['rot90', 'inverted', 'flipped'];
	const nb = order[(order.indexOf(a) + 1) % order.length];
	return { a, b: nb, note: `Task B was the same as task A (${a}); using ${nb} for B.` };
}
