// The site's stylesheet inside a custom element: variables and body rules land on :host, the themes
// follow the element's own theme attribute, and inherited host styles are cut off.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { shadowCss } from '../../src/lib/embed/shadow-css';

const appCss = readFileSync(new URL('../../src/app.css', import.meta.url), 'utf8');

describe('shadowCss', () => {
	for (const [label, css] of [
		['as written', appCss],
		// what a minifier makes of it (quotes dropped, no whitespace)
		['minified', appCss.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\s*([{};:,>])\s*/g, '$1').replace(/'/g, '')]
	] as const) {
		it(`maps :root, html, body and the theme selectors (${label})`, () => {
			const out = shadowCss(css).replace(/\/\*[\s\S]*?\*\//g, '');
			expect(out).not.toMatch(/:root|data-theme/);
			expect(out).not.toMatch(/(^|[};\s])(html|body)\s*\{/);
			expect(out).toContain(":host(:not([theme='light']))");
			expect(out).toContain(":host([theme='dark'])");
			expect(out.startsWith(':host{all:initial;display:block}')).toBe(true);
			// the palette is still all there
			for (const v of ['--bg', '--fg', '--accent', '--panel']) expect(out).toContain(`${v}:`);
		});
	}
});
