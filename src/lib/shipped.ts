// Shipped results: the JSON that the repo's make-* scripts write from fixed seeds, bundled into the
// page at build time. One loader for every widget: it checks the shape a widget relies on, so a stale
// or hand-edited results.json fails loudly at build and in the tests instead of drawing nonsense.

/** `json` as T, once it has every key the widget reads (else an error naming the missing keys). */
export function shippedResults<T>(json: unknown, name: string, keys: readonly (keyof T & string)[]): T {
	if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${name}/results.json is not an object`);
	const missing = keys.filter((k) => !(k in json));
	if (missing.length) throw new Error(`${name}/results.json lacks ${missing.join(', ')}: regenerate it with npm run make-checkpoints`);
	return json as T;
}

/** Bytes from base64 (shipped sample digits). */
export function decodeBase64(b64: string): Uint8Array {
	const bin = atob(b64);
	const out = new Uint8Array(bin.length);
	for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
	return out;
}
