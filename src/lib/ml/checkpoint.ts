// Checkpoint file: a small JSON header (config, training record, metrics) and the flat float32
// parameter vector, in one binary so a page fetches one file per net.
//   bytes 0..3   'NRSC'
//   bytes 4..7   header length H (uint32 LE)
//   bytes 8..8+H JSON header (utf-8), padded with spaces to a multiple of 4
//   then         float32 LE parameters
import { type NetConfig, paramCount } from './model';

const MAGIC = 0x4353524e; // 'NRSC'

export type CheckpointHeader = {
	config: NetConfig;
	/** how it was trained: enough to retrain it bit for bit on the cpu backend */
	training: { seed: number; steps: number; learningRate: number; batchSize: number; layerDrop: number; backend: string };
	/** loss curve recorded while training: [step, mean loss over the preceding steps] */
	lossCurve: [number, number][];
	testAccuracy: number;
	createdBy: string;
};

export function encodeCheckpoint(header: CheckpointHeader, params: Float32Array): Uint8Array {
	let json = JSON.stringify(header);
	const enc = new TextEncoder();
	while (enc.encode(json).length % 4 !== 0) json += ' ';
	const jsonBytes = enc.encode(json);
	const out = new Uint8Array(8 + jsonBytes.length + params.length * 4);
	const view = new DataView(out.buffer);
	view.setUint32(0, MAGIC, true);
	view.setUint32(4, jsonBytes.length, true);
	out.set(jsonBytes, 8);
	const body = new Float32Array(out.buffer, 8 + jsonBytes.length, params.length);
	body.set(params);
	return out;
}

export function decodeCheckpoint(bytes: Uint8Array): { header: CheckpointHeader; params: Float32Array } {
	if (bytes.length < 8) throw new Error('Checkpoint file is truncated.');
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	if (view.getUint32(0, true) !== MAGIC) throw new Error('Not a checkpoint file.');
	const h = view.getUint32(4, true);
	if (8 + h > bytes.length) throw new Error('Checkpoint header is truncated.');
	const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + h))) as CheckpointHeader;
	const n = paramCount(header.config);
	if (bytes.length !== 8 + h + n * 4) throw new Error('Checkpoint size does not match its net shape.');
	// copy so the parameters are 4-byte aligned whatever the source buffer offset
	const params = new Float32Array(bytes.slice(8 + h).buffer);
	return { header, params };
}
