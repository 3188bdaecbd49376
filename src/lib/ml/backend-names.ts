// The tfjs backends by name, and the shape of the worker's choice among them. Free of tfjs: the page
// validates `?backend=` and shows the badge with these; backend.ts (in the worker) does the choosing.

export const BACKENDS = ['webgpu', 'wasm', 'webgl', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export type BackendAttempt = { name: BackendName; ok: boolean; note: string };
export type BackendChoice = {
	name: BackendName;
	reason: string;
	attempts: BackendAttempt[];
	/** cpu, or WebGPU on a software adapter: minutes for work wasm does in seconds, so widgets skip optional recomputation */
	slow: boolean;
};

export function isBackendName(v: unknown): v is BackendName {
	return typeof v === 'string' && (BACKENDS as readonly string[]).includes(v);
}
