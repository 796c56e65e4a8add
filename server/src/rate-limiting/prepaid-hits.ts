/**
 * Rate-limit hits counted in the shared store ahead of the request they are for, kept in
 * this process until that request comes (rate-limiting/enforce-rate-limit.ts). A ceremony is two requests
 * (options, then result): the options request counts both in one store increment, and the
 * result, when it reaches the same instance within the same window, takes the prepaid hit
 * instead of a second round trip.
 *
 * Nothing another instance needs lives here: every hit is in the store before anything is
 * served, so the shared count never undercounts. A prepaid hit that is never taken (the
 * result went to another instance, or never came) stays counted, which errs on the safe
 * side by one request per unfinished ceremony. Bounded: past `max` keys the book is emptied
 * (losing prepaid hits again only over-counts).
 */
export class PrepaidHits {
  private readonly book = new Map<string, { hits: number; start: number; resetAt: number }>();

  constructor(private readonly max = 10_000) {}

  /** Takes one prepaid hit of `key` for the window that contains `now`; `false` when there is none. */
  take(key: string, now: Date): boolean {
    const entry = this.book.get(key);
    if (!entry) return false;
    const t = now.getTime();
    if (t < entry.start || t >= entry.resetAt) {
      this.book.delete(key);
      return false;
    }
    entry.hits -= 1;
    if (entry.hits === 0) this.book.delete(key);
    return true;
  }

  /** Keeps `hits` already counted for `key` in the window `[start, resetAt)`, replacing older ones of that key. */
  add(key: string, hits: number, start: number, resetAt: number): void {
    if (hits <= 0) return;
    const entry = this.book.get(key);
    if (entry && entry.start === start) {
      entry.hits += hits;
      return;
    }
    if (this.book.size >= this.max) this.book.clear();
    this.book.set(key, { hits, start, resetAt });
  }

  /** How many keys hold prepaid hits (tests). */
  get size(): number {
    return this.book.size;
  }
}
