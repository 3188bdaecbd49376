// μP, the "maximal update parametrisation" of Yang and colleagues (Tensor Programs V, 2022, Table 3, the
// form for Adam without output multipliers), relative to a base width at which it is exactly the
// standard parametrisation the rest of the site uses (model.ts's init, one Adam step size):
//   - input weights (embed.W) and every bias: as standard;
//   - hidden weights (each block's matrices): the same init, Adam step size × base/width;
//   - output weights (head.W): init variance × base/width (so 1/width² up to a constant), step size × base/width.
// Free of tfjs: the factors are plain arrays; BatchedTrainer applies them (./batched.ts).
import { type NetConfig, paramCount, paramLayout } from './net-layout';

const isHidden = (name: string) => name.startsWith('block') && /\.(A|B|W)$/.test(name);

/** Per parameter, the factor μP puts on Adam's step size at this width (1 everywhere at the base width). */
export function mupLrFactors(cfg: NetConfig, baseWidth: number): Float32Array {
	const f = new Float32Array(paramCount(cfg)).fill(1);
	const r = baseWidth / cfg.width;
	for (const slot of paramLayout(cfg)) if (isHidden(slot.name) || slot.name === 'head.W') f.fill(r, slot.offset, slot.offset + slot.size);
	return f;
}

/** A standard init turned into μP's, in place: the output weights scaled by √(base/width). Returns `flat`. */
export function toMupInit(flat: Float32Array, cfg: NetConfig, baseWidth: number): Float32Array {
	const head = paramLayout(cfg).find((s) => s.name === 'head.W')!;
	const s = Math.sqrt(baseWidth / cfg.width);
	if (s !== 1) for (let i = head.offset; i < head.offset + head.size; i++) flat[i] *= s;
	return flat;
}
