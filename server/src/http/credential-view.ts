import { credentialKind } from '../display/credential-kind.js';
import { authenticatorModel } from '../attestation/aaguid-names.js';
import type { StoredCredential } from '../storage/ports.js';
import type { CredentialView } from './response-schemas.js';

/** A credential as the account API shows it: no key material, no attestation bytes. */
export function credentialView(c: Omit<StoredCredential, 'attestationObject'>): CredentialView {
  return {
    id: c.id,
    name: c.name,
    kind: credentialKind(c),
    model: authenticatorModel(c.aaguid),
    aaguid: c.aaguid,
    fmt: c.fmt,
    transports: c.transports,
    createdAt: c.createdAt.toISOString(),
    lastUsedAt: c.lastUsedAt?.toISOString() ?? null,
    counter: c.counter,
    backupEligible: c.backupEligible,
    backedUp: c.backedUp,
    discoverable: c.discoverable ?? null,
    userVerified: c.userVerified,
    possiblyCloned: c.possiblyCloned,
    disabled: c.disabled,
  };
}
