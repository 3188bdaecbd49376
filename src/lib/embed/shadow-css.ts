// The site's global stylesheet (src/app.css), rewritten for a custom element's shadow root.

/**
 * The site's global CSS for a shadow root: its :root variables and body rules go on :host, the theme
 * follows the element's own `theme` attribute, and `all: initial` stops the host page's inherited
 * styles (font, colour, line height…) from leaking in.
 */
export function shadowCss(css: string): string {
	const themed = css
		.replace(/:root:not\(\[data-theme=(['"]?)light\1\]\)/g, ":host(:not([theme='light']))")
		.replace(/:root\[data-theme=(['"]?)dark\1\]/g, ":host([theme='dark'])")
		.replace(/:root/g, ':host')
		.replace(/(^|[};\s])(html|body)(\s*\{)/g, '$1:host$3');
	return `:host{all:initial;display:block}\n${themed}\n:host([hidden]){display:none}`;
}
