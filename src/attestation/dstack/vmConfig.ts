import { fromHex } from '../../crypto/index.js'
import { AttestationError } from '../errors.js'

/**
 * `os_image_hash` from a dstack vm_config JSON (dstack `decode_vm_config_with_fallback`):
 * the external `vmConfig` wins when non-empty, else the attestation's embedded `config`; a wrapper
 * `{"vm_config":"<json>"}` is unwrapped; a missing key yields empty bytes.
 */
export function osImageHashFromConfig(config: string, vmConfig = ''): Uint8Array {
  const text = (vmConfig !== '' ? vmConfig : config) || '{}'
  let value = parseJson(text)
  if (value && typeof value === 'object' && typeof (value as Record<string, unknown>)['vm_config'] === 'string')
    value = parseJson((value as Record<string, string>)['vm_config'] as string)
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new AttestationError('ATTESTATION_MALFORMED', 'vm config is not a JSON object')
  const hash = (value as Record<string, unknown>)['os_image_hash']
  if (hash === undefined || hash === null) return new Uint8Array(0)
  if (typeof hash !== 'string')
    throw new AttestationError('ATTESTATION_MALFORMED', 'vm config os_image_hash must be a hex string')
  try {
    return fromHex(hash)
  } catch {
    throw new AttestationError('ATTESTATION_MALFORMED', 'vm config os_image_hash is not valid hex')
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw new AttestationError('ATTESTATION_MALFORMED', 'vm config is not valid JSON')
  }
}
