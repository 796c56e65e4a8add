/** How the MongoDB adapters map records to documents and back (every mongo-*.ts uses these). */

/** A record stored with its key as `_id`. */
export type Doc<T extends { id: string }> = Omit<T, 'id'> & { _id: string };

/** Drops `null` fields: they read as absent (older writes, other tools), as in the memory store. */
export const stripNulls = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null)) as T;

/** The record as a document: its `id` becomes `_id`. */
export function toDoc<T extends { id: string }>(value: T): Doc<T> {
  const { id, ...rest } = value;
  return { _id: id, ...rest } as Doc<T>;
}

/** Maps `{ _id, ...rest }` back to a record keyed by `key` (default `id`); `null` fields read as absent. */
export function fromDoc<T>(doc: object | null | undefined, key = 'id'): T | undefined {
  if (!doc) return undefined;
  const { _id, ...rest } = doc as Record<string, unknown>;
  return stripNulls({ [key]: _id, ...rest }) as T;
}
