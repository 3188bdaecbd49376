// Not Rocket Science: optional helper for pages that embed widgets as iframes. It listens for the
// size messages an embed sends and sets the height of the iframe that sent it, nothing else.
// Include it once: <script src="https://…/embed-resize.js" defer></script>
// Checks: the message has the expected shape, comes from the very iframe (contentWindow) it resizes,
// and from the origin that iframe's src points to (or "null" from a frame sandboxed without
// allow-same-origin). Only iframes marked data-nrs-embed are touched.
(function () {
	'use strict';
	if (window.__nrsEmbedResize) return;
	window.__nrsEmbedResize = true;
	var MIN = 80;
	var MAX = 20000;
	window.addEventListener('message', function (event) {
		var data = event.data;
		if (!data || typeof data !== 'object' || data.type !== 'nrs-embed:size') return;
		var height = data.height;
		if (typeof height !== 'number' || !isFinite(height)) return;
		var frames = document.querySelectorAll('iframe[data-nrs-embed]');
		for (var i = 0; i < frames.length; i++) {
			var frame = frames[i];
			if (frame.contentWindow !== event.source) continue;
			var origin;
			try {
				origin = new URL(frame.src, location.href).origin;
			} catch (e) {
				continue;
			}
			// A frame sandboxed without allow-same-origin has an opaque origin, so its messages say
			// "null"; the source check above already ties the message to this frame (a height is no secret).
			var opaque = frame.hasAttribute('sandbox') && !frame.sandbox.contains('allow-same-origin');
			if (event.origin !== origin && !(opaque && event.origin === 'null')) continue;
			// The height attribute, not inline style: works under a style-src CSP too.
			frame.setAttribute('height', String(Math.round(Math.min(MAX, Math.max(MIN, height)))));
			frame.setAttribute('data-nrs-resized', '');
		}
	});
})();
