// The reader's theme choice (the site header's switch). app.html applies a saved 'light'/'dark' before
// first paint (no flash); this store takes over after hydration. 'system' removes the override so CSS
// follows prefers-color-scheme. Plots do not read this store: their colours are CSS custom properties,
// and the few they must resolve to values watch <html> themselves (plots/theme.svelte.ts), so they
// follow any source of the theme (this switch, an embed's ?theme=, the system setting).

import { writable } from 'svelte/store';

export type ThemeChoice = 'system' | 'light' | 'dark';

const KEY = 'nrs-theme';
const isBrowser = typeof window !== 'undefined' && typeof document !== 'undefined';

function readSaved(): ThemeChoice {
	try {
		const v = localStorage.getItem(KEY);
		return v === 'light' || v === 'dark' ? v : 'system';
	} catch {
		return 'system'; // storage blocked (privacy mode, sandboxed iframe)
	}
}

function apply(choice: ThemeChoice): void {
	if (!isBrowser) return;
	if (choice === 'system') delete document.documentElement.dataset.theme;
	else document.documentElement.dataset.theme = choice;
	try {
		if (choice === 'system') localStorage.removeItem(KEY);
		else localStorage.setItem(KEY, choice);
	} catch {
		/* not persisted; still applied for this page view */
	}
}

// Starts as 'system' on server and client alike so hydration matches the prerendered HTML;
// initTheme() (called from the root layout on mount) loads the saved choice.
const choice = writable<ThemeChoice>('system');

export const theme = {
	subscribe: choice.subscribe,
	set(v: ThemeChoice) {
		choice.set(v);
		apply(v);
	},
	/** system → light → dark → system */
	cycle() {
		let next: ThemeChoice = 'system';
		choice.update((v) => (next = v === 'system' ? 'light' : v === 'light' ? 'dark' : 'system'));
		apply(next);
	}
};

export function initTheme(): void {
	if (isBrowser) choice.set(readSaved());
}
