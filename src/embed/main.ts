// embed.js: defines <nrs-NAME> for every registered widget, for pages that allow a module script:
//   <script type="module" src="https://…/embed.js"></script>
//   <nrs-layer-swap depth="8" seed="3"></nrs-layer-swap>
// Each element mounts the site's own widget component (EmbedView + the widget, the same code as the
// /embed iframe) into a shadow root, so host styles and ours don't mix. Attributes are the widget's
// params schema plus the embed options, parsed by the same parseParams as a URL (values are data,
// never HTML; corrections show as a note). Changing an attribute re-mounts the widget in its new state.
// All elements on a page share one ML worker (lib/worker/client.ts), started from this site's origin.
import { mount, unmount } from 'svelte';
import appCss from '../app.css?inline';
import EmbedView from '$lib/embed/EmbedView.svelte';
import { embedOptionNames, embedOptionsSchema } from '$lib/embed/options';
import { shadowCss } from '$lib/embed/shadow-css';
import { setSiteRoot } from '$lib/embed/site';
import { elementName } from '$lib/embed/snippets';
import { parseParams } from '$lib/params/schema';
import { widgets, type WidgetEntry } from '$lib/widgets/registry';

// embed.js sits at the site root: data, checkpoints, wasm and the worker are fetched from there.
const siteUrl = new URL('.', import.meta.url).href;
setSiteRoot(siteUrl);

let sheet: CSSStyleSheet | null = null;
function sharedSheet(): CSSStyleSheet {
	if (!sheet) {
		sheet = new CSSStyleSheet();
		sheet.replaceSync(shadowCss(appCss));
	}
	return sheet;
}

function defineWidget(entry: WidgetEntry): void {
	const tag = elementName(entry.name);
	if (customElements.get(tag)) return; // embed.js included twice
	const observed = [...entry.schema.map((s) => s.name), ...embedOptionNames];

	customElements.define(
		tag,
		class extends HTMLElement {
			static observedAttributes = observed;
			#root: ShadowRoot;
			#app: Record<string, unknown> | null = null;
			#pending = false;
			#renders = 0;

			constructor() {
				super();
				this.#root = this.attachShadow({ mode: 'open' });
				this.#root.adoptedStyleSheets = [sharedSheet()];
			}
			connectedCallback() {
				this.#schedule();
			}
			disconnectedCallback() {
				this.#unmount();
			}
			attributeChangedCallback() {
				if (this.#app) this.#schedule();
			}
			// Several attributes set in a row cause one re-mount.
			#schedule() {
				if (this.#pending) return;
				this.#pending = true;
				queueMicrotask(() => {
					this.#pending = false;
					if (this.isConnected) void this.#render();
				});
			}
			async #render() {
				const token = ++this.#renders;
				try {
					const { default: component } = await entry.component();
					if (token !== this.#renders || !this.isConnected) return;
					this.#unmount();
					const attributes: Record<string, string | null> = {};
					for (const name of observed) attributes[name] = this.getAttribute(name);
					const options = parseParams(embedOptionsSchema, attributes);
					this.#app = mount(EmbedView, {
						target: this.#root,
						props: { widget: entry, component, options: options.values, notes: options.notes, params: attributes }
					});
				} catch (e) {
					// e.g. a host that cached an old embed.js whose chunks are gone after a deploy: say so in
					// the element rather than leave it empty
					if (token !== this.#renders) return;
					this.#unmount();
					this.#showFailure(e);
				}
			}
			#showFailure(e: unknown) {
				const note = document.createElement('p');
				note.setAttribute('role', 'alert');
				note.dataset.testid = 'embed-failed';
				const why = e instanceof Error ? e.message : String(e);
				note.append(`The “${entry.title}” widget could not be loaded (${why}). `);
				const link = document.createElement('a');
				link.href = new URL(`essays/${entry.essay}`, siteUrl).href;
				link.target = '_blank';
				link.rel = 'noopener';
				link.textContent = 'Open it in the essay ↗';
				note.append(link);
				this.#root.replaceChildren(note);
			}
			#unmount() {
				if (this.#app) void unmount(this.#app);
				this.#app = null;
				this.#root.querySelector('[data-testid="embed-failed"]')?.remove(); // a note from an earlier failure
			}
		}
	);
}

for (const entry of Object.values(widgets)) defineWidget(entry);
