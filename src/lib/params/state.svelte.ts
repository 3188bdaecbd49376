// Reactive params for one widget: values + notes as runes, read from the URL once in the browser,
// written back (debounced) on every change. Widgets use this instead of wiring url.ts by hand.
//
//   const params = new ParamState(schema, { prefix: 'swap.' });
//   onMount(() => { params.load(); return () => params.destroy(); });
//   <ParamControls {schema} values={params.values} onchange={(n, v) => params.set(n, v)} />
//   <ParamNotes notes={params.notes} />
//
// Send `$state.snapshot(params.values)` (not the proxy) to a worker: proxies can't be cloned.

import { getContext, setContext } from 'svelte';
import { browser } from '$app/environment';
import {
	coerceValue,
	defaults,
	parseParams,
	toQuery,
	type KeyOptions,
	type ParamValue,
	type ParamValues,
	type Schema
} from './schema';
import { getParamSource, type ParamSource } from './source';
import { createUrlWriter, readUrlParams, urlWithParams, type UrlWriter } from './url';

type ValuesLike = Readonly<Record<string, unknown>>;

export type ParamStateOptions = KeyOptions & {
	/** Mirror values into the page URL (default true). Embeds may turn this off. */
	sync?: boolean;
	/** Debounce for URL writes, ms (default 300). */
	delay?: number;
};

/** A limit across params (e.g. a memory cap on pairs × width): the values to use, a note per change. */
export type Constrain<S extends Schema> = (values: ParamValues<S>) => { values: ParamValues<S>; notes: string[] };

export class ParamState<const S extends Schema> {
	values: ParamValues<S> = $state() as ParamValues<S>;
	/** Plain-text corrections from the URL or from set(); show with <ParamNotes>. */
	notes: string[] = $state([]);
	readonly schema: S;
	readonly options: ParamStateOptions;

	#writer: UrlWriter<S> | undefined;
	#loaded = false;
	#source: ParamSource | undefined;

	readonly #constrain: Constrain<S> | undefined;

	constructor(schema: S, options: ParamStateOptions & { constrain?: Constrain<S> } = {}) {
		this.schema = schema;
		this.options = options;
		this.#constrain = options.constrain;
		this.values = defaults(schema);
		// Created during a widget's initialisation: pick up a param source set above it (an embed's
		// attributes instead of the URL), and offer this state to the widget's children (the footer's
		// Embed button).
		this.#source = getParamSource();
		try {
			setContext(PARAM_STATE_KEY, this);
		} catch {
			/* created outside a component (tests, scripts): nothing to offer */
		}
	}

	/** Non-default values as a query string (no '?'), e.g. for a share link. Reactive. */
	get query(): string {
		return toQuery(this.schema, this.values, this.options);
	}

	/** Read the URL (browser only; call from onMount). Starts URL syncing if enabled. */
	load(): void {
		if (!browser) return;
		const fromAttributes = this.#source?.params;
		const { values, notes } = fromAttributes
			? parseParams(this.schema, fromAttributes, this.options)
			: readUrlParams(this.schema, this.options);
		const c = this.#constrain?.(values);
		this.values = c ? c.values : values;
		this.notes = c ? [...notes, ...c.notes] : notes;
		this.#loaded = true;
		// A custom element must never rewrite its host page's URL.
		if (this.options.sync !== false && !fromAttributes) this.#writer = createUrlWriter(this.schema, this.options);
	}

	/** Set one value; invalid values are corrected (with a note), never thrown. */
	set<K extends keyof ParamValues<S> & string>(name: K, value: ParamValues<S>[K]): void;
	set(name: string, value: ParamValue): void;
	set(name: string, value: unknown): void {
		const spec = this.schema.find((s) => s.name === name);
		if (!spec) return;
		const r = coerceValue(spec, value, (this.options.prefix ?? '') + name);
		(this.values as Record<string, ParamValue>)[name] = r.value;
		const c = this.#constrain?.($state.snapshot(this.values) as ParamValues<S>);
		if (c) for (const [k, v] of Object.entries(c.values)) if (v !== (this.values as Record<string, unknown>)[k]) (this.values as Record<string, ParamValue>)[k] = v as ParamValue;
		const added = [...(r.note ? [r.note] : []), ...(c?.notes ?? [])];
		if (added.length) this.notes = [...this.notes, ...added].slice(-6);
		this.#sync();
	}

	/** Back to defaults (and a clean URL). */
	reset(): void {
		this.values = defaults(this.schema);
		this.#sync();
	}

	/** Absolute link to this page with the current values, keeping other keys in the URL. */
	shareUrl(): string {
		const from = this.#source?.shareFrom?.();
		return urlWithParams(this.schema, this.values as ValuesLike, { ...this.options, from }).href;
	}

	destroy(): void {
		this.#writer?.flush();
		this.#writer = undefined;
	}

	#sync(): void {
		if (this.#loaded) this.#writer?.write(this.values as ValuesLike);
	}
}

const PARAM_STATE_KEY = Symbol('nrs-param-state');

/** The ParamState of the widget this component sits in (undefined outside one, or outside initialisation). */
export function getParamState(): ParamState<Schema> | undefined {
	try {
		return getContext<ParamState<Schema> | undefined>(PARAM_STATE_KEY);
	} catch {
		return undefined;
	}
}
