// Test-time surgery on a trained net: reorder, drop, repeat blocks; the swap matrix; the effective layer
// horizon; the size of each block's edit, the stream's norm, and what deleting a block does to the logits. Nothing here copies a weight: blocks are run by index.
//
// The intact net's stream after k blocks (prefix[k]) is computed once and kept, because most surgeries
// share a prefix with it: a swap of blocks i < j is identical to the intact net up to block i.
import * as tf from '@tensorflow/tfjs-core';
import { type Net, type NetConfig, type ResidualBlock, applyBlock, disposeNet, embed, head, identityOrder, residualDelta, unpack } from './model';
import type { TestSet } from './test-set';

export type SurgeryReport = {
	intact: number;
	/** swap[i][j] = accuracy with blocks i and j exchanged (symmetric; diagonal = intact) */
	swap: number[][];
	/** deleteOne[i] = accuracy without block i */
	deleteOne: number[];
	/** repeatOne[i] = accuracy with block i run twice in a row */
	repeatOne: number[];
	/** all blocks in reverse order */
	reverse: number;
	/**
	 * Effective layer horizon, three ways, each indexed by k = 0..depth (empty for non-residual nets).
	 * The stream entering block j is a sum of components: the embedding and the edits of blocks 0..j−1.
	 * horizonStrict[k]: block j sees only the last k components (Turner's definition; the embedding
	 *   counts as one, so early blocks still see it), computed in cascade from this truncated run.
	 * horizonPatched[k]: the same window, but filled with the intact run's components, so no block
	 *   reads another truncated block (Turner's literal procedure).
	 * horizon[k]: this site's earlier variant, the embedding always plus the last k edits, in cascade.
	 * In every case the head reads the embedding plus all the edits the blocks made.
	 */
	horizonStrict: number[];
	horizonPatched: number[];
	horizon: number[];
	/** mean over test digits of ‖edit_i‖ / ‖stream entering block i‖ in the intact net */
	editRatio: number[];
	/** streamNorm[k]: mean ‖h‖ of the intact stream after k blocks (k = 0: the embedding) */
	streamNorm: number[];
	/** mean ‖edit_i‖ in the intact net (for a plain layer, ‖output − input‖) */
	editNorm: number[];
	/** residual only: mean ‖edit_i · W_head‖, the change in logits if block i's edit alone were removed
	 * from the final stream and nothing downstream reacted (its direct effect) */
	directLogit: number[];
	/** mean ‖logits without block i − intact logits‖, everything downstream recomputed (its total effect) */
	deleteLogit: number[];
	/** mean ‖logits‖ of the intact net (the scale for the two above) */
	logitNorm: number;
};

export type HorizonMode = 'strict' | 'patched' | 'embedding';

// The test digits as tensors; shared by every experiment, kept in ./test-set.ts (re-exported here).
export { TestSet } from './test-set';

function correctCount(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
	return tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32'));
}

/** Read a list of scalar tensors with one async transfer, dispose them, return numbers. */
async function readScalars(ts: tf.Scalar[]): Promise<number[]> {
	if (ts.length === 0) return [];
	const stacked = tf.stack(ts);
	tf.dispose(ts);
	const v = Array.from(await stacked.data());
	stacked.dispose();
	return v;
}

/** A trained net held on the current backend for evaluation, with the intact stream cached. */
export class LoadedNet {
	readonly cfg: NetConfig;
	private readonly flat: tf.Tensor1D;
	private readonly net: Net;
	/** prefix[k]: stream after the first k blocks of the intact net, on the test set */
	private readonly prefix: tf.Tensor2D[];

	constructor(cfg: NetConfig, params: Float32Array, private readonly test: TestSet) {
		this.cfg = cfg;
		this.flat = tf.tensor1d(params);
		this.net = tf.tidy(() => unpack(this.flat, cfg));
		this.prefix = [];
		let h = embed(this.net, test.x);
		this.prefix.push(h);
		for (const block of this.net.blocks) {
			const prev = h;
			h = tf.tidy(() => applyBlock(block, prev));
			this.prefix.push(h);
		}
	}

	get depth() {
		return this.cfg.depth;
	}

	/** Longest prefix of `order` that equals the intact order: that part is already computed. */
	private sharedPrefix(order: readonly number[]): number {
		let k = 0;
		while (k < order.length && order[k] === k) k++;
		return k;
	}

	/** Correct-count tensor for a block order (kept lazily; the caller reads it back). */
	private correctFor(order: readonly number[]): tf.Scalar {
		return tf.tidy(() => {
			const k = this.sharedPrefix(order);
			let h = this.prefix[k];
			for (let p = k; p < order.length; p++) h = applyBlock(this.net.blocks[order[p]], h);
			return correctCount(head(this.net, h), this.test.labels);
		});
	}

	/** Test accuracy for each block order, in one readback. */
	async accuracies(orders: readonly (readonly number[])[]): Promise<number[]> {
		const counts = await readScalars(orders.map((o) => this.correctFor(o)));
		return counts.map((c) => c / this.test.n);
	}

	async accuracy(order: readonly number[]): Promise<number> {
		return (await this.accuracies([order]))[0];
	}

	/** Predicted labels of the first `count` test digits under `order`. */
	async predictions(order: readonly number[], count: number): Promise<number[]> {
		const pred = tf.tidy(() => {
			const n = Math.min(count, this.test.n);
			let h = tf.slice(this.prefix[0], [0, 0], [n, this.cfg.width]) as tf.Tensor2D;
			for (const i of order) h = applyBlock(this.net.blocks[i], h);
			return tf.argMax(head(this.net, h), 1);
		});
		const v = Array.from(await pred.data());
		pred.dispose();
		return v;
	}

	/**
	 * Swap matrix. Each pair i<j starts from the cached stream after block i−1 and runs only the rest;
	 * accuracies come back in one transfer. (On wasm, per-pair 2-D matmuls over all test digits are
	 * already large enough that batching pairs together saves nothing; 3-D matmuls would be slower.)
	 */
	async swapMatrix(): Promise<number[][]> {
		const L = this.depth;
		const orders: number[][] = [identityOrder(L)];
		const pairs: [number, number][] = [];
		for (let i = 0; i < L; i++)
			for (let j = i + 1; j < L; j++) {
				const o = identityOrder(L);
				o[i] = j;
				o[j] = i;
				orders.push(o);
				pairs.push([i, j]);
			}
		const acc = await this.accuracies(orders);
		const m = Array.from({ length: L }, () => new Array<number>(L).fill(acc[0]));
		pairs.forEach(([i, j], p) => {
			m[i][j] = acc[p + 1];
			m[j][i] = acc[p + 1];
		});
		return m;
	}

	/** Edits of the intact net, block by block (residual nets). */
	private intactEdits(): tf.Tensor2D[] {
		return this.net.blocks.map((_, i) => tf.sub(this.prefix[i + 1], this.prefix[i]) as tf.Tensor2D);
	}

	/** The residual blocks (the horizon is defined for them only). */
	private residualBlocks(): ResidualBlock[] {
		return this.net.blocks.map((b) => {
			if (b.kind !== 'residual') throw new Error('horizon needs a residual net');
			return b;
		});
	}

	/**
	 * Accuracy at each horizon k = 0..depth under `mode` (see SurgeryReport). `truncate: false` keeps the
	 * whole window whatever k is (every variant must then give back the intact net; a unit test checks).
	 */
	async horizonCurve(mode: HorizonMode, truncate = true): Promise<number[]> {
		if (!this.cfg.residual) return [];
		const L = this.depth;
		const blocks = this.residualBlocks();
		const counts: tf.Scalar[] = [];
		for (let k = 0; k <= L; k++) {
			counts.push(
				tf.tidy(() => {
					const h0 = this.prefix[0];
					const clean = mode === 'patched' ? [h0, ...this.intactEdits()] : [];
					// comps[c]: component c of the stream this run builds (0 = embedding, c = edit of block c−1)
					const comps: tf.Tensor2D[] = [h0];
					for (let j = 0; j < L; j++) {
						let input: tf.Tensor2D[];
						if (mode === 'embedding') input = [h0, ...comps.slice(truncate ? Math.max(1, j + 1 - k) : 1, j + 1)];
						else input = (mode === 'patched' ? clean : comps).slice(truncate ? Math.max(0, j + 1 - k) : 0, j + 1);
						const hIn = input.length === 0 ? tf.zerosLike(h0) : input.length === 1 ? input[0] : (tf.addN(input) as tf.Tensor2D);
						comps.push(residualDelta(blocks[j], hIn));
					}
					return correctCount(head(this.net, tf.addN(comps) as tf.Tensor2D), this.test.labels);
				})
			);
		}
		return (await readScalars(counts)).map((c) => c / this.test.n);
	}

	/** Mean ‖h‖ of the intact stream after each number of blocks, 0..depth. */
	async streamNorms(): Promise<number[]> {
		return readScalars(this.prefix.map((h) => tf.tidy(() => tf.mean(tf.norm(h, 'euclidean', 1)) as tf.Scalar)));
	}

	/** Per block: mean ‖edit‖, its direct effect on the logits (residual only) and the total effect of deleting it. */
	async deletionEffects(): Promise<{ editNorm: number[]; directLogit: number[]; deleteLogit: number[]; logitNorm: number }> {
		const L = this.depth;
		const editNorm = this.net.blocks.map((_, i) =>
			tf.tidy(() => tf.mean(tf.norm(tf.sub(this.prefix[i + 1], this.prefix[i]), 'euclidean', 1)) as tf.Scalar)
		);
		const direct = this.cfg.residual
			? this.net.blocks.map((_, i) =>
					tf.tidy(() => tf.mean(tf.norm(tf.matMul(tf.sub(this.prefix[i + 1], this.prefix[i]), this.net.headW), 'euclidean', 1)) as tf.Scalar)
				)
			: [];
		const [logitNorm, ...total] = tf.tidy(() => {
			const intact = head(this.net, this.prefix[L]);
			return [
				tf.mean(tf.norm(intact, 'euclidean', 1)) as tf.Scalar,
				...identityOrder(L).map((i) => {
					let h = this.prefix[i];
					for (let p = i + 1; p < L; p++) h = applyBlock(this.net.blocks[p], h);
					return tf.mean(tf.norm(tf.sub(head(this.net, h), intact), 'euclidean', 1)) as tf.Scalar;
				})
			];
		});
		const v = await readScalars([...editNorm, ...direct, ...total, logitNorm]);
		const d = L + direct.length;
		return { editNorm: v.slice(0, L), directLogit: v.slice(L, d), deleteLogit: v.slice(d, d + L), logitNorm: v[d + L] };
	}

	/**
	 * Relative size of each block's edit to the stream it edits: ‖f_i(h)‖/‖h‖ for a residual block,
	 * ‖relu(W h + c) − h‖/‖h‖ for a plain layer (deleting it replaces its output by its input, so this is
	 * the size of the change a deletion makes at that point).
	 */
	async editRatios(): Promise<number[]> {
		const ratios = this.net.blocks.map((_, i) =>
			tf.tidy(() => {
				const hIn = this.prefix[i];
				const edit = tf.sub(this.prefix[i + 1], hIn);
				const r = tf.div(tf.norm(edit, 'euclidean', 1), tf.add(tf.norm(hIn, 'euclidean', 1), 1e-6));
				return tf.mean(r) as tf.Scalar;
			})
		);
		return readScalars(ratios);
	}

	async report(): Promise<SurgeryReport> {
		const L = this.depth;
		const swap = await this.swapMatrix();
		const deleteOrders = identityOrder(L).map((i) => identityOrder(L).filter((b) => b !== i));
		const repeatOrders = identityOrder(L).map((i) => identityOrder(L).flatMap((b) => (b === i ? [b, b] : [b])));
		const reverseOrder = identityOrder(L).reverse();
		const acc = await this.accuracies([...deleteOrders, ...repeatOrders, reverseOrder]);
		return {
			intact: swap[0][0],
			swap,
			deleteOne: acc.slice(0, L),
			repeatOne: acc.slice(L, 2 * L),
			reverse: acc[2 * L],
			horizonStrict: await this.horizonCurve('strict'),
			horizonPatched: await this.horizonCurve('patched'),
			horizon: await this.horizonCurve('embedding'),
			editRatio: await this.editRatios(),
			streamNorm: await this.streamNorms(),
			...(await this.deletionEffects())
		};
	}

	dispose() {
		disposeNet(this.net);
		tf.dispose([this.flat, ...this.prefix]);
	}
}
