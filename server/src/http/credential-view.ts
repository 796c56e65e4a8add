import { credentialKind } from '../display/credential-kind.js';
import { authenticatorModel } from '../attestation/aaguid-names.js';
import type { TrustService } from '../attestation/trust-types.js';
import type { StoredCredential } from '../storage/ports.js';
import type { CredentialView } from './response-schemas.js';

/** Where model names come from: the trust service (MDS3 description first), else the built-in AAGUID list. */
export type ModelNames = Pick<TrustService, 'modelName'>;
const builtIn: ModelNames = { modelName: authenticatorModel };

/**
 * A credential as the account API shows it: no key material, no attestation bytes. The model
 * name is looked up by AAGUID and marked `modelClaimed` unless keygate trusted the attestation:
 * a `none` or self attestation with a YubiKey's AAGUID is only a claim to be a YubiKey.
 */
export function credentialView(c: Omit<StoredCredential, 'attestationObject'>, names: ModelNames = builtIn): CredentialView {
  const attestationTrusted = c.attestation?.trusted === true;
  return {
    id: c.id,
    name: c.name,
    kind: credentialKind(c),
    model: names.modelName(c.aaguid),
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
    attestationTrusted,
    modelClaimed: !attestationTrusted,
  };
}
