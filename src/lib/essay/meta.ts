// What an essay says about itself in its front matter (essays/*.md): title, claim, headline, order,
// summary, optional thumb, date and draft. Plain TypeScript with no imports, so the build-time essay
// index (scripts/essay-index.ts, a Vite plugin running in Node) and the pages share one validation.

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

/** The essays a reader is offered: drafts left out, by `order`, then title. */
export function publishedEssays(all: EssayMeta[]): EssayMeta[] {
	return all.filter((e) => !e.draft).sort((a, b) => a.order - b.order || a.title.localeCompare(b.title));
}
