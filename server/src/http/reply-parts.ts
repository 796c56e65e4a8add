import { z } from 'zod';

/**
 * What every reply schema is built from (response-schemas.ts and its siblings): the FIDO
 * profile's `status: "ok"` + empty `errorMessage`, and the string formats replies use.
 */
export const ok = { status: z.literal('ok'), errorMessage: z.literal('') };
/** A reply of the FIDO2 / account API: status + errorMessage + `shape`. */
export const reply = <S extends z.ZodRawShape>(shape: S) => z.object({ ...ok, ...shape });
export const isoDate = z.string().describe('ISO 8601 date-time (UTC)');
export const base64url = z.string().regex(/^[A-Za-z0-9_-]*$/).describe('base64url without padding');
