import { credentialKey, type CredentialKey } from './credential-key.js';

/**
 * How many credentials' verification keys one process keeps: about 2 KB of memory each
 * (measured for P-256 and RSA-2048 keys), so at most about 20 MB. Importing a P-256 key costs
 * more than verifying with it (about 85 µs against 55 µs on the benchmark machine), so every
 * hit saves more than a signature check; a miss costs the import the library path paid on
 * every sign-in.
 */
export const DEFAULT_CREDENTIAL_KEY_CACHE_SIZE = 10_000;

/**
 * A bounded least-recently-used cache of {@link CredentialKey}s, keyed by credential id.
 *
 * Contract:
 * - `get(credentialId, cose)` returns the key built from exactly these COSE bytes. An entry
 *   is used only when the bytes it was built from equal `cose` byte for byte (the bytes are
 *   their own fingerprint: an exact comparison, cheaper than hashing them and free of
 *   collisions). A credential whose stored key changed, or another credential presenting the
 *   same id, therefore never gets a stale key: its entry is rebuilt and replaced.
 * - At most `capacity` entries; using an entry makes it the most recent, and adding one past
 *   the bound drops the least recently used. A key that cannot be built is never cached
 *   (`credentialKey`'s error is thrown to the caller).
 * - Nothing here is state another instance needs: it only saves work, and a removed
 *   credential's entry is harmless (the credential is never found in the store again) until
 *   it ages out.
 * Synchronous throughout, so it needs no locking inside one process.
 */
export class CredentialKeyCache {
  readonly #entries = new Map<string, { cose: Buffer; key: CredentialKey }>();

  constructor(readonly capacity: number = DEFAULT_CREDENTIAL_KEY_CACHE_SIZE) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new TypeError(`CredentialKeyCache capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.#entries.size;
  }

  get(credentialId: string, cose: Uint8Array): CredentialKey {
    const entry = this.#entries.get(credentialId);
    if (entry && entry.cose.equals(cose)) {
      // Map iteration order is insertion order: re-inserting makes this the most recent.
      this.#entries.delete(credentialId);
      this.#entries.set(credentialId, entry);
      return entry.key;
    }
    const key = credentialKey(cose);
    this.#entries.delete(credentialId);
    this.#entries.set(credentialId, { cose: Buffer.from(cose), key });
    if (this.#entries.size > this.capacity) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
    return key;
  }

  clear(): void {
    this.#entries.clear();
  }
}
