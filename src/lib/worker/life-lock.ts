// The Web Lock a worker holds for as long as it lives, so whoever started it can notice it is gone
// (terminated, crashed, out of memory), busy or not: the other side queues for the lock and the browser
// grants it the moment the worker is gone. Used by the page's ML worker (client.ts, watchLife) and by
// the grid's helper workers (jobs/double-it-helpers.ts).

/** Hold the Web Lock `name` until this worker ends. Resolves once held; false where Web Locks are missing (an insecure context). */
export function holdLifeLock(name: string): Promise<boolean> {
	const locks = (self.navigator as Navigator | undefined)?.locks;
	if (!locks) return Promise.resolve(false);
	return new Promise<boolean>((held) => {
		locks
			.request(name, () => {
				held(true);
				return new Promise<never>(() => {}); // released only with the worker
			})
			.catch(() => held(false));
	});
}
