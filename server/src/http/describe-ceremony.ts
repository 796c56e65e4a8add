import type { FinishAuthenticationResult } from '../ceremonies/finish-authentication.js';
import type { FinishRegistrationResult } from '../ceremonies/finish-registration.js';
import { credentialView } from './credential-view.js';
import { sessionView, userView } from './session-view.js';
import type { ModelNames } from './credential-view.js';
import type { authenticationResultReply, registrationResultReply } from './response-schemas.js';
import type { z } from 'zod';

/** A finished ceremony's reply without status/errorMessage (the route adds them). */
type Described<S extends z.ZodType> = Omit<z.output<S>, 'status' | 'errorMessage'>;

/**
 * Reply bodies for finished ceremonies. With `debug` (outside production) they include
 * what the demo's developer panel shows: the decoded facts keygate verified.
 */
export function describeRegistration(r: FinishRegistrationResult, debug: boolean, names?: ModelNames): Described<typeof registrationResultReply> {
  return {
    userId: r.userId,
    credential: credentialView(r.credential, names),
    ...(r.session ? { session: sessionView(r.session) } : {}),
    ...(debug
      ? {
          debug: {
            fmt: r.verified.fmt,
            aaguid: r.verified.aaguid,
            alg: r.verified.alg,
            counter: r.verified.counter,
            flags: { up: r.verified.userPresent, uv: r.verified.userVerified, be: r.verified.backupEligible, bs: r.verified.backedUp },
            attestationCertificate: r.verified.attestationCertificate ?? null,
          },
        }
      : {}),
  };
}

export function describeAuthentication(r: FinishAuthenticationResult, debug: boolean, names?: ModelNames): Described<typeof authenticationResultReply> {
  return {
    user: userView(r.user),
    credential: credentialView(r.credential, names),
    session: sessionView(r.session),
    ...(debug
      ? {
          debug: {
            counter: r.verified.newCounter,
            flags: { up: r.verified.userPresent, uv: r.verified.userVerified, be: r.verified.backupEligible, bs: r.verified.backedUp },
          },
        }
      : {}),
  };
}
