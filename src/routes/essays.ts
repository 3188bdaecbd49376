// The essay list for the home and About pages. It is the front matter of essays/*.md, read at build
// time by the Vite plugin in scripts/essay-index.ts and imported as JSON, so listing essays bundles no
// essay body, widget or tfjs. Each essay's body is its own lazy chunk, loaded only on its page
// (essays/[slug]/+page.ts). Validation (toMeta) lives in $lib/essay/meta.ts, shared with the plugin.
import { essays as published } from 'virtual:essay-index';
import type { EssayMeta } from '$lib/essay/meta';

export { slugOf, toMeta, type EssayMeta } from '$lib/essay/meta';

/** Published essays, by `order`, then title. */
export const essays: EssayMeta[] = published;
