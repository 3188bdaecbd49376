// The nets' configuration and the layout of their one flat parameter vector (see model.ts). Free of
// tfjs: the page counts parameters (credit's cost model) without loading it.
import { IMAGE_SIZE, NUM_CLASSES } from './data';

export type NetConfig = {
	depth: number;
	width: number;
	residual: boolean;
	/**
	 * Non-residual nets only: each block is the residual block's own two-matrix MLP without the skip,
	 * h ← relu(h·A + a)·B + b (the modularity essay's control, so its parameter count matches). Absent
	 * or false: the one-matrix layer h ← relu(h·W + c) the other essays use.
	 */
	twoMatrix?: boolean;
};

export type ParamSlot = { name: string; shape: number[]; offset: number; size: number };

export function paramLayout(cfg: NetConfig): ParamSlot[] {
	const w = cfg.width;
	const slots: ParamSlot[] = [];
	let offset = 0;
	const add = (name: string, shape: number[]) => {
		const size = shape.reduce((a, b) => a * b, 1);
		slots.push({ name, shape, offset, size });
		offset += size;
	};
	add('embed.W', [IMAGE_SIZE, w]);
	add('embed.b', [w]);
	for (let i = 0; i < cfg.depth; i++) {
		if (cfg.residual || cfg.twoMatrix) {
			add(`block${i}.A`, [w, w]);
			add(`block${i}.a`, [w]);
			add(`block${i}.B`, [w, w]);
			add(`block${i}.b`, [w]);
		} else {
			add(`block${i}.W`, [w, w]);
			add(`block${i}.c`, [w]);
		}
	}
	add('head.W', [w, NUM_CLASSES]);
	add('head.b', [NUM_CLASSES]);
	return slots;
}

export function paramCount(cfg: NetConfig): number {
	const slots = paramLayout(cfg);
	const last = slots[slots.length - 1];
	return last.offset + last.size;
}
