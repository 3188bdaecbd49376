// The module the Vite plugin in scripts/essay-index.ts builds from essays/*.md front matter.
declare module 'virtual:essay-index' {
	import type { EssayMeta } from '$lib/essay/meta';
	/** Published essays (drafts left out), by `order`, then title. JSON only: no essay body. */
	export const essays: EssayMeta[];
}
