// Worker training runs only while its widget can be seen (on screen, in a visible tab) and the reader
// has not paused it. One gate per widget joins those two conditions and tells the worker, so every
// widget pauses and resumes by the same rule.
import { watchVisibility } from './visibility';

type Pausable = { pause(): unknown; resume(): unknown };

export class PauseGate {
	/** Off screen or in a hidden tab (reactive: widgets say so next to their training controls). */
	offscreen = $state(false);
	/** The reader pressed pause (or step, which pauses after one update). */
	userPaused = false;

	constructor(
		private readonly opts: {
			/** The worker, once started. */
			worker: () => Pausable | null;
			/** Whether a pausable job is running now (other work, e.g. a one-off analysis, is left alone). */
			active: () => boolean;
			/** Told the outcome each time the gate pauses or resumes the worker. */
			onchange: (paused: boolean) => void;
		}
	) {}

	/** Follow `el`'s visibility until the returned function is called. */
	watch(el: Element | undefined): () => void {
		return watchVisibility(el, (visible) => {
			this.offscreen = !visible;
			this.apply();
		});
	}

	/** Record the reader's choice and apply it. */
	setUserPaused(paused: boolean): void {
		this.userPaused = paused;
		this.apply();
	}

	/** Pause or resume the worker to match the two conditions (no-op while nothing pausable runs). */
	apply(): void {
		const worker = this.opts.worker();
		if (!worker || !this.opts.active()) return;
		const paused = this.offscreen || this.userPaused;
		if (paused) worker.pause();
		else worker.resume();
		this.opts.onchange(paused);
	}
}
