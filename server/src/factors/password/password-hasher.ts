import { hash, verify } from '@node-rs/argon2';

/**
 * Password hashing with argon2id through @node-rs/argon2 (a maintained Rust binding shipped
 * as prebuilt binaries in npm packages: no install script, no compiler; Node 20 has no
 * argon2 of its own). Parameters are OWASP's first recommendation for argon2id: 19 MiB of
 * memory, 2 iterations, 1 lane. The PHC string carries them, so raising them later still
 * verifies old hashes.
 */
/** `algorithm: 2` is the package's const enum Algorithm.Argon2id (const enums do not cross isolated modules). */
const PARAMS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, PARAMS);
}

/** Whether `password` matches `phc`; a malformed hash is a mismatch, never an exception. */
export async function verifyPassword(phc: string, password: string): Promise<boolean> {
  try {
    return await verify(phc, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;

/**
 * A hash of a random password with the same parameters, made once per process: an unknown
 * user (or one without a password) is verified against it, so the reply takes as long as
 * for a wrong password and timing does not tell whether the account exists.
 */
export function dummyHash(): Promise<string> {
  dummy ??= hash(crypto.randomUUID(), PARAMS);
  return dummy;
}
