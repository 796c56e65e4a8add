/**
 * The "what will you use" part of registration, shared by Register and "Add another":
 *  - security key: cross-platform, attestation `direct` (so keygate can show the model and
 *    its attestation certificate), no resident key (the key keeps no account list);
 *  - passkey on this device: platform, resident (discoverable) key required, so the user
 *    can later sign in without typing a username.
 * Plus the user-verification preference (PIN or biometric). `read()` gives the request part.
 */
import type { RegistrationRequest, UserVerification } from '../api.js';
import { h } from '../dom.js';

export type AuthenticatorType = 'security-key' | 'platform-passkey';

export function uvSelect(id: string, initial: UserVerification = 'preferred'): HTMLElement {
  const opt = (value: UserVerification, text: string) => h('option', { value, selected: value === initial }, text);
  return h('div', { class: 'field' },
    h('label', { for: id }, 'Ask for PIN or biometric'),
    h('select', { id, name: 'userVerification', 'data-testid': id },
      opt('preferred', 'When possible (preferred)'),
      opt('required', 'Always (required)'),
      opt('discouraged', 'No (discouraged)'),
    ),
  );
}

export function authenticatorChoice(prefix: string): { element: HTMLElement; read(): Pick<RegistrationRequest, 'authenticatorSelection' | 'attestation'> } {
  const radio = (value: AuthenticatorType, label: string, hint: string, checked: boolean) => {
    const id = `${prefix}-type-${value}`;
    return h('div', { class: 'choice' },
      h('input', { type: 'radio', id, name: `${prefix}-type`, value, checked, 'aria-describedby': `${id}-hint`, 'data-testid': id }),
      h('label', { for: id }, label),
      h('p', { class: 'hint', id: `${id}-hint` }, hint),
    );
  };
  const element = h('div', { class: 'field' },
    h('fieldset', {},
      h('legend', {}, 'What will you use?'),
      radio('security-key', 'Security key', 'A USB, NFC or Bluetooth key such as a YubiKey.', true),
      radio('platform-passkey', 'Passkey on this device', 'Stored by this computer or phone, unlocked with its PIN, fingerprint or face.', false),
    ),
    uvSelect(`${prefix}-uv`),
  );
  return {
    element,
    read() {
      const type = (element.querySelector<HTMLInputElement>(`input[name="${prefix}-type"]:checked`)?.value ?? 'security-key') as AuthenticatorType;
      const userVerification = element.querySelector<HTMLSelectElement>('select')!.value as UserVerification;
      return type === 'security-key'
        ? { attestation: 'direct', authenticatorSelection: { authenticatorAttachment: 'cross-platform', residentKey: 'discouraged', userVerification } }
        : { attestation: 'none', authenticatorSelection: { authenticatorAttachment: 'platform', residentKey: 'required', userVerification } };
    },
  };
}
