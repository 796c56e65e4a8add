/**
 * Group commit: writes that each could be a store round trip of their own share one.
 * A write made while none is in flight is flushed at once, alone (no timer, no added wait);
 * writes made while one is in flight wait for it and are then flushed together, up to `max`
 * of them (`weight` each) per flush. Writes are flushed in the order they were made.
 * `write` resolves only once its flush succeeded for it, and rejects with the flush's error:
 * the whole batch's when `flush` rejects, or the one `flush` returns at the item's index
 * (`undefined` there: that item was written). A write made while one is in flight waits for
 * it first: against a store that hangs, up to twice the store's own time bound.
 */
export class GroupCommit<T> {
  private readonly queue: { item: T; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private flushing = false;

  constructor(
    private readonly flush: (items: T[]) => Promise<readonly unknown[] | void>,
    private readonly max = 100,
    private readonly weight: (item: T) => number = () => 1,
  ) {}

  write(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.flushing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        let n = 0;
        let total = 0;
        // At least one, then as many as fit.
        while (n < this.queue.length && (n === 0 || total + this.weight(this.queue[n]!.item) <= this.max)) total += this.weight(this.queue[n++]!.item);
        const batch = this.queue.splice(0, n);
        try {
          const errors = await this.flush(batch.map((p) => p.item));
          batch.forEach((p, i) => (errors?.[i] === undefined ? p.resolve() : p.reject(errors[i])));
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
