/**
 * Makes keygate's Token Binding rule (`checkTokenBinding` in client-data-checks.ts) the only
 * one applied to a response.
 *
 * @simplewebauthn/server 14 re-checks `clientDataJSON.tokenBinding` with rules of its own that
 * disagree with each other and with keygate: registration rejects any non-object value (the
 * legacy string "unused" sent by some U2F-era clients) and accepts present|supported|not-supported;
 * authentication accepts present|supported|notSupported (camelCase, so the real value
 * "not-supported" fails). Both run after keygate's checks, so without this a response keygate
 * accepted could still be refused for a member WebAuthn Level 3 marks [RESERVED].
 *
 * The library parses clientDataJSON through `decodeClientDataJSON`, whose result passes
 * through the public (test) seam `_decodeClientDataJSONInternals.stubThis`, exported from
 * '@simplewebauthn/server/helpers'. `useKeygateTokenBindingRule()` wraps that seam once so the
 * library's parsed copy has no `tokenBinding`. Only that parsed object changes: the signed
 * bytes, and so clientDataHash and every signature check, are untouched, and keygate has
 * already judged the member before the library is called. Idempotent; the wrapper keeps
 * whatever stub was installed before it (e.g. by a test).
 */
import { _decodeClientDataJSONInternals } from '@simplewebauthn/server/helpers';

const MARK = Symbol.for('keygate.tokenBindingRule');

export function useKeygateTokenBindingRule(): void {
  type Stub = typeof _decodeClientDataJSONInternals.stubThis & { [MARK]?: true };
  const inner: Stub = _decodeClientDataJSONInternals.stubThis;
  if (inner[MARK]) return;
  const wrapped: Stub = (value) => {
    const parsed = inner(value);
    if (parsed && typeof parsed === 'object' && 'tokenBinding' in parsed) {
      const { tokenBinding: _ignored, ...rest } = parsed;
      return rest;
    }
    return parsed;
  };
  wrapped[MARK] = true;
  _decodeClientDataJSONInternals.stubThis = wrapped;
}
