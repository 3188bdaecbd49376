// Essay metadata from the front matter of essays/*.md (title, claim, headline, order, summary, optional
// thumb, date and draft). Only the `metadata` export is imported, so listing essays doesn't bundle their bodies.
// (Kept next to the routes that use it; could move to $lib/essays.ts.)

export type EssayMeta = {
	slug: string;
	title: string;
	claim: string;
	/** The claim in one line, for the essay list (front matter `headline:`; else the full claim). */
	headline: string;
	summary: string;
	order: number;
	/** Name of a registered widget whose Thumb to show on the home page card. */
	thumb?: string;
	/** Publication date, YYYY-MM-DD (front matter `date:`), used by "Cite this essay". */
	date?: string;
	draft: boolean;
};

export function slugOf(path: string): string {
	return path.replace(/^.*\//, '').replace(/\.md$/, '');
}

/** YAML turns `date: 2026-11-23` into a Date; a quoted date stays a string. Anything else: no date. */
function isoDate(v: unknown): string | undefined {
	if (v instanceof Date && !Number.isNaN(v.getTime())) return v.toISOString().slice(0, 10);
	return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : undefined;
}

/** Front matter is hand-written: tolerate missing or mistyped fields instead of crashing the build. */
export function toMeta(slug: string, m: Record<string, unknown> | undefined): EssayMeta {
	const str = (v: unknown) => (typeof v === 'string' ? v : '');
	const order = typeof m?.order === 'number' ? m.order : Number(m?.order);
	return {
		slug,
		title: str(m?.title) || slug,
		claim: str(m?.claim),
		headline: str(m?.headline) || str(m?.claim),
		summary: str(m?.summary),
		order: Number.isFinite(order) ? order : Number.MAX_SAFE_INTEGER,
		thumb: str(m?.thumb) || undefined,
		date: isoDate(m?.date),
		draft: m?.draft === true
	};
}

const metadata = import.meta.glob<Record<string, unknown> | undefined>('/essays/*.md', {
	eager: true,
	import: 'metadata'
});

/** Published essays, by `order`, then title. */
export const essays: EssayMeta[] = Object.entries(metadata)
	.map(([path, m]) => toMeta(slugOf(path), m))
	.filter((e) => !e.draft)
	.sort((a, b) => a.order - b.order || a.title.localeCompare(b.title));
