// Theme state. app.html applies a saved 'light'/'dark' before first paint (no flash); this store
// takes over after hydration. 'system' removes the override so CSS follows prefers-color-scheme.
// Plots subscribe to `resolvedTheme` to re-read colours, and to `reducedMotion` to skip animation.

import { derived, readable, writable, type Readable } from 'svelte/store';

export type ThemeChoice = 'system' | 'light' | 'dark';
export type ResolvedTheme = 'light' | 'dark';

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

function mediaStore(query: string): Readable<boolean> {
	return readable(false, (set) => {
		if (!isBrowser || typeof matchMedia !== 'function') return;
		const mq = matchMedia(query);
		set(mq.matches);
		const on = (e: MediaQueryListEvent) => set(e.matches);
		mq.addEventListener('change', on);
		return () => mq.removeEventListener('change', on);
	});
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

export const prefersDark: Readable<boolean> = mediaStore('(prefers-color-scheme: dark)');

export const resolvedTheme: Readable<ResolvedTheme> = derived([choice, prefersDark], ([c, dark]) =>
	c === 'system' ? (dark ? 'dark' : 'light') : c
);

export const reducedMotion: Readable<boolean> = mediaStore('(prefers-reduced-motion: reduce)');

/** Read a CSS custom property (e.g. '--accent') as the browser resolves it now; '' on the server. */
export function cssVar(name: string, el?: Element): string {
	if (!isBrowser) return '';
	return getComputedStyle(el ?? document.documentElement).getPropertyValue(name).trim();
}
