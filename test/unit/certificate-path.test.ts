/**
 * verifyCertificatePath (server/src/attestation/certificate-path.ts): x5c chains built with a
 * real test PKI (root → intermediate → leaf), judged at an explicit `now`.
 */
import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { MAX_CHAIN_LENGTH, describeCertificate, verifyCertificatePath } from '../../server/src/attestation/certificate-path.js';
import { createIntermediate, createRoot, createSelfSignedLeaf, issueLeaf, keyIdentifierOf, type ChainAuthority } from '../helpers/test-ca-chains.js';

const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date();
const node = (der: Uint8Array): X509Certificate => new X509Certificate(Buffer.from(der));

interface World {
  root: ChainAuthority;
  otherRoot: ChainAuthority;
  /** Same subject as root, different key: a forged issuer name. */
  impostorRoot: ChainAuthority;
  /** Same subject and subjectKeyIdentifier as root, different key: only the signature tells them apart. */
  twinRoot: ChainAuthority;
  expiredRoot: ChainAuthority;
  intermediate: ChainAuthority;
  nonCaIntermediate: ChainAuthority;
  expiredIntermediate: ChainAuthority;
  leafOfRoot: Uint8Array;
  leafOfIntermediate: Uint8Array;
  leafOfNonCa: Uint8Array;
  leafOfExpiredIntermediate: Uint8Array;
  leafOfExpiredRoot: Uint8Array;
  expiredLeaf: Uint8Array;
  futureLeaf: Uint8Array;
  selfSigned: Uint8Array;
}
let w: World;

beforeAll(async () => {
  const root = await createRoot({ notBefore: new Date(NOW.getTime() - 30 * DAY) });
  const otherRoot = await createRoot({ subject: 'C=US, O=Elsewhere, CN=Other Root' });
  const impostorRoot = await createRoot();
  const twinRoot = await createRoot({ keyIdentifier: keyIdentifierOf(root) });
  const expiredRoot = await createRoot({ subject: 'C=US, O=Old, CN=Expired Root', notBefore: new Date(NOW.getTime() - 20 * DAY), notAfter: new Date(NOW.getTime() - DAY) });
  const intermediate = await createIntermediate(root);
  const nonCaIntermediate = await createIntermediate(root, { isCA: false, subject: 'C=US, O=Keygate Test, CN=Not A CA' });
  const expiredIntermediate = await createIntermediate(root, { subject: 'C=US, O=Keygate Test, CN=Expired Intermediate', notBefore: new Date(NOW.getTime() - 20 * DAY), notAfter: new Date(NOW.getTime() - DAY) });
  w = {
    root,
    otherRoot,
    impostorRoot,
    twinRoot,
    expiredRoot,
    intermediate,
    nonCaIntermediate,
    expiredIntermediate,
    leafOfRoot: (await issueLeaf(root)).certDer,
    leafOfIntermediate: (await issueLeaf(intermediate)).certDer,
    leafOfNonCa: (await issueLeaf(nonCaIntermediate)).certDer,
    leafOfExpiredIntermediate: (await issueLeaf(expiredIntermediate)).certDer,
    leafOfExpiredRoot: (await issueLeaf(expiredRoot, { now: new Date(NOW.getTime() - 10 * DAY), notAfter: new Date(NOW.getTime() + DAY) })).certDer,
    expiredLeaf: (await issueLeaf(root, { notBefore: new Date(NOW.getTime() - 10 * DAY), notAfter: new Date(NOW.getTime() - DAY) })).certDer,
    futureLeaf: (await issueLeaf(root, { notBefore: new Date(NOW.getTime() + DAY), notAfter: new Date(NOW.getTime() + 10 * DAY) })).certDer,
    selfSigned: (await createSelfSignedLeaf()).certDer,
  };
});

type Case = {
  name: string;
  x5c: (w: World) => unknown[];
  anchors: (w: World) => Uint8Array[];
  now?: Date;
  /** The expected anchor (DER), or the reason fragment of a failure. */
  ok?: (w: World) => Uint8Array;
  reason?: RegExp;
};

const cases: Case[] = [
  { name: 'leaf issued by the anchor', x5c: (w) => [w.leafOfRoot], anchors: (w) => [w.root.der], ok: (w) => w.root.der },
  { name: 'leaf + intermediate up to the root', x5c: (w) => [w.leafOfIntermediate, w.intermediate.der], anchors: (w) => [w.root.der], ok: (w) => w.root.der },
  { name: 'the anchor itself in x5c', x5c: (w) => [w.leafOfIntermediate, w.intermediate.der, w.root.der], anchors: (w) => [w.root.der], ok: (w) => w.root.der },
  { name: 'the intermediate as anchor', x5c: (w) => [w.leafOfIntermediate, w.intermediate.der], anchors: (w) => [w.intermediate.der], ok: (w) => w.intermediate.der },
  { name: 'the leaf itself as anchor', x5c: (w) => [w.selfSigned], anchors: (w) => [w.selfSigned], ok: (w) => w.selfSigned },
  { name: 'first matching anchor among several', x5c: (w) => [w.leafOfIntermediate, w.intermediate.der], anchors: (w) => [w.otherRoot.der, w.root.der], ok: (w) => w.root.der },
  { name: 'trailing unrelated certificate after the anchor is reached', x5c: (w) => [w.leafOfRoot, w.otherRoot.der], anchors: (w) => [w.root.der], ok: (w) => w.root.der },
  { name: 'intermediate missing from x5c', x5c: (w) => [w.leafOfIntermediate], anchors: (w) => [w.root.der], reason: /does not reach an anchor/ },
  { name: 'unrelated anchor', x5c: (w) => [w.leafOfIntermediate, w.intermediate.der], anchors: (w) => [w.otherRoot.der], reason: /was not issued by|does not reach/ },
  { name: 'issuer name forged (same subject, other key)', x5c: (w) => [w.leafOfRoot], anchors: (w) => [w.impostorRoot.der], reason: /does not reach an anchor/ },
  { name: 'issuer name and key identifier forged: the signature does not verify', x5c: (w) => [w.leafOfRoot], anchors: (w) => [w.twinRoot.der], reason: /does not reach an anchor/ },
  { name: 'forged twin in x5c, forged twin as anchor', x5c: (w) => [w.leafOfRoot, w.twinRoot.der], anchors: (w) => [w.twinRoot.der], reason: /does not reach|not issued by/ },
  { name: 'forged root in x5c is not the anchor', x5c: (w) => [w.leafOfRoot, w.impostorRoot.der], anchors: (w) => [w.root.der], ok: (w) => w.root.der },
  { name: 'leaf signed by an impostor chained through x5c', x5c: (w) => [w.leafOfRoot, w.impostorRoot.der], anchors: (w) => [w.impostorRoot.der], reason: /not issued by/ },
  { name: 'wrong order (intermediate first)', x5c: (w) => [w.intermediate.der, w.leafOfIntermediate], anchors: (w) => [w.otherRoot.der], reason: /not issued by/ },
  { name: 'intermediate that is not a CA', x5c: (w) => [w.leafOfNonCa, w.nonCaIntermediate.der], anchors: (w) => [w.root.der], reason: /is not a CA/ },
  { name: 'expired leaf', x5c: (w) => [w.expiredLeaf], anchors: (w) => [w.root.der], reason: /x5c\[0\].*not valid at/ },
  { name: 'leaf not yet valid', x5c: (w) => [w.futureLeaf], anchors: (w) => [w.root.der], reason: /x5c\[0\].*not valid at/ },
  { name: 'expired leaf judged at a time it was valid', x5c: (w) => [w.expiredLeaf], anchors: (w) => [w.root.der], now: new Date(NOW.getTime() - 5 * DAY), ok: (w) => w.root.der },
  { name: 'expired intermediate', x5c: (w) => [w.leafOfExpiredIntermediate, w.expiredIntermediate.der], anchors: (w) => [w.root.der], reason: /x5c\[1\].*not valid at/ },
  { name: 'expired anchor', x5c: (w) => [w.leafOfExpiredRoot], anchors: (w) => [w.expiredRoot.der], reason: /no anchor is valid/ },
  { name: 'no anchors', x5c: (w) => [w.leafOfRoot], anchors: () => [], reason: /no anchors/ },
  { name: 'empty x5c', x5c: () => [], anchors: (w) => [w.root.der], reason: /empty/ },
  { name: `more than ${MAX_CHAIN_LENGTH} certificates`, x5c: (w) => Array(MAX_CHAIN_LENGTH + 1).fill(w.leafOfRoot), anchors: (w) => [w.root.der], reason: /at most/ },
  { name: 'garbage bytes', x5c: () => [Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00)], anchors: (w) => [w.root.der], reason: /x5c\[0\] is not a readable/ },
  { name: 'garbage intermediate', x5c: (w) => [w.leafOfIntermediate, new Uint8Array(40)], anchors: (w) => [w.root.der], reason: /x5c\[1\] is not a readable/ },
  { name: 'a string instead of bytes', x5c: () => ['MIIB...'], anchors: (w) => [w.root.der], reason: /x5c\[0\] is not a readable/ },
];

describe('verifyCertificatePath', () => {
  it.each(cases)('$name', ({ x5c, anchors, now, ok, reason }) => {
    const result = verifyCertificatePath(x5c(w) as Uint8Array[], anchors(w).map(node), now ?? NOW);
    if (ok) {
      expect(result).toMatchObject({ ok: true });
      if (result.ok) expect(result.anchor.raw.equals(Buffer.from(ok(w)))).toBe(true);
    } else {
      expect(result).toEqual({ ok: false, reason: expect.stringMatching(reason!) });
    }
  });

  it('never throws on hostile input', () => {
    const inputs: unknown[] = [undefined, null, 'x5c', {}, [null], [{}], [new Uint8Array(0)], [Uint8Array.of(0xff, 0xff, 0xff)]];
    for (const input of inputs) {
      expect(() => verifyCertificatePath(input as Uint8Array[], [node(w.root.der)], NOW)).not.toThrow();
      expect(verifyCertificatePath(input as Uint8Array[], [node(w.root.der)], NOW).ok).toBe(false);
    }
  });

  it('describes a certificate as one-line subject + SHA-256 fingerprint', () => {
    const root = node(w.root.der);
    expect(describeCertificate(root)).toBe(`C=US, O=Keygate Test, OU=Test PKI, CN=Keygate Chain Root sha256:${root.fingerprint256}`);
  });
});
