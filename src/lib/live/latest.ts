// "Latest wins" for quick queries that may overlap (a slider dragged faster than the worker answers):
// each call takes a ticket, and only the newest ticket's answer is used.
export class Latest {
	#n = 0;
	/** a new ticket; every older ticket is now stale */
	take(): number {
		return ++this.#n;
	}
	stale(ticket: number): boolean {
		return ticket !== this.#n;
	}
	/** make every ticket stale (e.g. the nets changed under the query) */
	drop(): void {
		this.#n++;
	}
}
