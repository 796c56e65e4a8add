import { z } from 'zod';

/**
 * One configuration key (an entry of configKeys in config-schema.ts): its environment
 * variable, what it is for, and its default; `loadConfig` validates them all once at start-up.
 */
export interface ConfigKey<T> {
  env: string;
  doc: string;
  /** Default as the environment would spell it; `undefined` means "unset". */
  default?: string | ((env: Record<string, string | undefined>) => string | undefined);
  schema: z.ZodType<T>;
  /** A secret (or a value that may embed one, like a connection string): errors never echo it. */
  secret?: true;
}

/** Value schemas shared by the keys (each refusal message says what a good value looks like). */
export const bool = z.enum(['true', 'false'], { message: 'must be true or false' }).transform((v) => v === 'true');
export const count = (min: number) => z.coerce.number().int('must be an integer').min(min, `must be at least ${min}`);
/** DATA_KEYS: `kid:base64key[,kid:base64key...]`, each key 32 bytes (AES-256); ids unique. */
export const dataKeys = z
  .string()
  .transform((s) => s.split(',').map((e) => e.trim()).filter(Boolean))
  .pipe(
    z
      .array(
        z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/_=-]+$/, 'must be a list of kid:base64key entries (kid: 1-32 letters, digits, _ or -)')
          .transform((e) => {
            const i = e.indexOf(':');
            // Node's base64 decoder reads both the standard and the url-safe alphabet.
            return { kid: e.slice(0, i), key: Buffer.from(e.slice(i + 1), 'base64') };
          })
          .refine((k) => k.key.length === 32, 'must hold 32-byte keys (openssl rand -base64 32)'),
      )
      .min(1, 'must list at least one key')
      .refine((ks) => new Set(ks.map((k) => k.kid)).size === ks.length, 'must not repeat a key id'),
  );

export const port = z.coerce.number().int('must be an integer').min(1, 'must be 1-65535').max(65535, 'must be 1-65535');
export const seconds = z.coerce.number().int('must be an integer').min(1, 'must be at least 1');
export const origin = z
  .string()
  .transform((s) => s.trim())
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === s;
    } catch {
      return false;
    }
  }, 'must be a list of origins like https://login.example.com (scheme://host[:port], no path or trailing slash)');
