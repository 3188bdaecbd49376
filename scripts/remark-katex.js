// Renders remark-math nodes ($…$, $$…$$) with KaTeX at build time.
// mdsvex treats `{` and `}` in HTML as Svelte expressions, so KaTeX's output must have them escaped
// as HTML entities; otherwise Svelte tries to evaluate parts of the formula.
import katex from 'katex';

/** @param {string} s */
const escapeSvelte = (s) => s.replace(/[{}]/g, (c) => (c === '{' ? '&#123;' : '&#125;'));

/** @param {any} node @param {(n: any) => void} fn */
function walk(node, fn) {
	fn(node);
	if (node.children) for (const child of node.children) walk(child, fn);
}

export function remarkKatex() {
	/** @param {any} tree */
	return (tree) => {
		walk(tree, (node) => {
			if (node.type !== 'math' && node.type !== 'inlineMath') return;
			const html = katex.renderToString(node.value, {
				displayMode: node.type === 'math',
				throwOnError: false,
				output: 'htmlAndMathml'
			});
			node.type = 'html';
			node.value = escapeSvelte(html);
			delete node.data;
			delete node.children;
		});
	};
}
