/**
 * keygate's own attestation trust verdict (the `TrustService` contract in trust-types.ts), an
 * injected service: each instance holds its own anchors and metadata, nothing process-global.
 *
 * `evaluate` runs these checks in order; the first that decides returns:
 *   1. checkFormat      `none` is never trusted.
 *   2. readX5c          no x5c is self attestation (never trusted); x5c must be byte strings.
 *   3. readLeaf         x5c[0] must parse; its subject becomes `certificateSubject`.
 *   4. checkLeafAaguid  a leaf id-fido-gen-ce-aaguid extension must equal authData's AAGUID
 *                       (WebAuthn §8.2.1 / §8.3.1). Not for fido-u2f: its authData AAGUID is
 *                       zeros by definition, while FIDO2 keys reuse their attestation
 *                       certificate (extension included) for U2F registrations.
 *   5. chainToAnchors   the configured anchors for `fmt`                    → source 'anchor'.
 *   6. chainToMds       the MDS3 entry's attestationRootCertificates for the AAGUID
 *                       (not fido-u2f: real MDS lists U2F keys by attestation key identifier,
 *                       which keygate does not use; U2F is trusted only through anchors)
 *                                                                            → source 'mds'.
 *      The entry's status is not judged here (policy reads `metadataStatus`).
 *   7. devChrome        only with `devAuthenticators`: Chrome's virtual-authenticator batch
 *                       certificate                                          → source 'dev'.
 * Anything else is untrusted with the reasons of steps 5-7. `metadata` is live: it is read at
 * each call, never cached here. `evaluate` never throws.
 */
import type { X509Certificate } from 'node:crypto';
import type { AttestationVerdict, MetadataEntry } from '../storage/records.js';
import type { AttestationInput, MetadataLookup, MetadataStatusVerdict, TrustService } from './trust-types.js';
import { authenticatorModel } from './aaguid-names.js';
import { certificateAaguid } from './certificate-aaguid.js';
import { describeCertificate, oneLineName, parseDer, validAt, verifyCertificatePath } from './certificate-path.js';
import { metadataStatus } from './mds-status.js';

export interface TrustServiceOptions {
  /** Anchors by attestation format (attestation/anchor-files.ts `loadTrustAnchors`). */
  anchors: Map<string, X509Certificate[]>;
  /** The MDS3 entries in use, when MDS is configured. */
  metadata?: MetadataLookup;
  /** The dev policy: also trust Chrome's virtual authenticator. Never in production. */
  devAuthenticators?: boolean;
}

export const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';
/** The AAGUID Chrome's virtual authenticator (DevTools / CDP WebAuthn domain) reports for CTAP2. */
export const CHROME_VIRTUAL_AAGUID = '01020304-0506-0708-0102-030405060708';
/** Subject (and issuer) of Chrome's self-signed virtual-authenticator batch certificate, node:crypto form. */
const CHROME_BATCH_NAME = 'C=US\nO=Chromium\nOU=Authenticator Attestation\nCN=Batch Certificate';

type Decided = { decided: AttestationVerdict } | { decided?: undefined };

export function createTrustService(opts: TrustServiceOptions): TrustService {
  const anchors = opts.anchors;
  const metadata = opts.metadata;
  const dev = opts.devAuthenticators === true;
  const entryFor = (aaguid: string): MetadataEntry | undefined => metadata?.entry(aaguid.toLowerCase());

  function evaluate(input: AttestationInput): AttestationVerdict {
    const now = input.now;
    const untrusted = (reason: string, certificateSubject?: string): AttestationVerdict => ({
      trusted: false,
      reason,
      ...(certificateSubject !== undefined ? { certificateSubject } : {}),
      evaluatedAt: now,
    });
    try {
      const fmt = input.fmt;
      const aaguid = String(input.aaguid).toLowerCase();

      // 1. checkFormat
      if (fmt === 'none') return untrusted('none attestation');
      // SafetyNet's certificates are inside its JWS and vouch for an Android device passing a
      // software check, not for an authenticator model: keygate never trusts it.
      if (fmt === 'android-safetynet') return untrusted('android-safetynet attestation is not judged (it does not identify an authenticator model)');

      // 2. readX5c
      const x5c = input.attStmt instanceof Map ? input.attStmt.get('x5c') : undefined;
      if (x5c === undefined) return untrusted('self attestation (no x5c)');
      if (!Array.isArray(x5c) || x5c.length === 0 || !x5c.every((c) => c instanceof Uint8Array)) {
        return untrusted('x5c is not a non-empty list of DER certificates');
      }
      const chain = x5c as Uint8Array[];

      // 3. readLeaf
      const leaf = parseDer(chain[0]);
      if (!leaf) return untrusted('x5c[0] is not a readable X.509 certificate');
      const subject = oneLineName(leaf.subject);
      const trusted = (source: 'anchor' | 'mds' | 'dev', anchor: X509Certificate, reason: string): AttestationVerdict => ({
        trusted: true,
        source,
        anchor: describeCertificate(anchor),
        reason,
        certificateSubject: subject,
        evaluatedAt: now,
      });

      // 4. checkLeafAaguid
      if (fmt !== 'fido-u2f') {
        let certAaguid: string | undefined;
        try {
          certAaguid = certificateAaguid(chain[0]);
        } catch (err) {
          return untrusted(`leaf certificate: ${(err as Error).message}`, subject);
        }
        if (certAaguid !== undefined && certAaguid !== aaguid) {
          return untrusted(`leaf certificate AAGUID ${certAaguid} differs from authenticator data AAGUID ${aaguid}`, subject);
        }
      }

      // 5. chainToAnchors
      const failures: string[] = [];
      const configured = anchors.get(fmt) ?? [];
      if (configured.length === 0) {
        failures.push(`no configured anchor for ${fmt}`);
      } else {
        const path = verifyCertificatePath(chain, configured, now);
        if (path.ok) return trusted('anchor', path.anchor, `chains to a configured ${fmt} anchor`);
        failures.push(`configured ${fmt} anchors: ${path.reason}`);
      }

      // 6. chainToMds
      if (fmt !== 'fido-u2f' && metadata) {
        const entry = entryFor(aaguid);
        const roots = (entry?.attestationRootCertificates ?? []).map(parseBase64Der).filter((c): c is X509Certificate => c !== undefined);
        if (!entry) {
          failures.push(`no MDS entry for ${aaguid}`);
        } else if (roots.length === 0) {
          failures.push(`MDS entry for ${aaguid} has no readable attestationRootCertificates`);
        } else {
          const path = verifyCertificatePath(chain, roots, now);
          if (path.ok) return trusted('mds', path.anchor, `chains to an MDS attestation root of ${aaguid}`);
          failures.push(`MDS roots of ${aaguid}: ${path.reason}`);
        }
      }

      // 7. devChrome
      if (dev) {
        if (isChromeVirtualBatch(fmt, chain, leaf, aaguid, now)) {
          return trusted('dev', leaf, 'Chrome virtual authenticator batch certificate (dev policy)');
        }
        failures.push('not the Chrome virtual authenticator');
      }

      return untrusted(failures.join('; '), subject);
    } catch (err) {
      return untrusted(`attestation could not be evaluated: ${(err as Error).message}`);
    }
  }

  return {
    evaluate,
    metadataStatus(aaguid: string, now: Date): MetadataStatusVerdict {
      return metadataStatus(entryFor(aaguid), now);
    },
    modelName(aaguid: string): string | null {
      return entryFor(aaguid)?.description || authenticatorModel(aaguid) || null;
    },
  };
}

/**
 * Chrome's virtual authenticator: one self-signed certificate (subject = issuer =
 * CHROME_BATCH_NAME, verifies with its own key, not a CA), valid now, in a packed statement with
 * Chrome's AAGUID or a fido-u2f one (zeros).
 */
function isChromeVirtualBatch(fmt: string, chain: Uint8Array[], leaf: X509Certificate, aaguid: string, now: Date): boolean {
  const expectedAaguid = fmt === 'packed' ? CHROME_VIRTUAL_AAGUID : fmt === 'fido-u2f' ? ZERO_AAGUID : undefined;
  return (
    expectedAaguid !== undefined &&
    aaguid === expectedAaguid &&
    chain.length === 1 &&
    leaf.subject === CHROME_BATCH_NAME &&
    leaf.issuer === CHROME_BATCH_NAME &&
    !leaf.ca &&
    verifiesWithOwnKey(leaf) &&
    validAt(leaf, now)
  );
}

/** Self-signature check only (not `checkIssued`, which OpenSSL refuses for a keyUsage without keyCertSign). */
function verifiesWithOwnKey(cert: X509Certificate): boolean {
  try {
    return cert.verify(cert.publicKey);
  } catch {
    return false;
  }
}

function parseBase64Der(b64: string): X509Certificate | undefined {
  if (typeof b64 !== 'string') return undefined;
  return parseDer(new Uint8Array(Buffer.from(b64, 'base64')));
}
