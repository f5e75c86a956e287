import { fromHex, isHex, SecretBytes } from '../crypto/index.js'
import type { GetAppKeyResponse } from '../kms/index.js'
import { AgentError } from './errors.js'

/**
 * The app's keys as the KMS released them (dstack `AppKeys`, GetAppKey reply). Secret parts stay in
 * SecretBytes; `k256Signature` (KMS root signature over the app k256 pubkey) and the CA cert are public.
 */
export interface AgentAppKeys {
  /** LUKS passphrase source for the app's disk (dstack uses hex of it) */
  diskCryptKey: SecretBytes
  /** X25519 static secret for env decryption (unclamped) */
  envCryptKey: SecretBytes
  /** app k256 key: the IKM of every GetKey derivation */
  k256Key: SecretBytes
  /** 65 bytes r‖s‖v: KMS root k256 signature over ("dstack-kms-issued:" ‖ app_id ‖ app pubkey) */
  k256Signature: Uint8Array
  /** KMS root CA certificate, PEM */
  caCertPem: string
  gatewayAppId: string
  /** 32 bytes or empty */
  osImageHash: Uint8Array
}

/** A reply as received: the wire fields, each of unknown type until checked. */
type Received = { [K in keyof GetAppKeyResponse]?: unknown }

function hexField(body: Received, name: keyof GetAppKeyResponse, len?: number): Uint8Array {
  const v = body[name]
  if (typeof v !== 'string' || !isHex(v) || (len !== undefined && v.length !== len * 2))
    throw new AgentError(
      'AGENT_KMS_BAD_REPLY',
      `GetAppKey reply field ${name} is not ${len ? `${len} bytes of ` : ''}hex`,
    )
  return fromHex(v)
}

/** Validate a GetAppKey JSON reply and wrap its secrets. Never echoes values in errors. */
export function parseAppKeyReply(body: unknown): AgentAppKeys {
  if (typeof body !== 'object' || body === null)
    throw new AgentError('AGENT_KMS_BAD_REPLY', 'GetAppKey reply is not a JSON object')
  const b = body as Received
  const caCertPem = b.ca_cert
  if (typeof caCertPem !== 'string' || !caCertPem.includes('BEGIN CERTIFICATE'))
    throw new AgentError('AGENT_KMS_BAD_REPLY', 'GetAppKey reply field ca_cert is not a PEM certificate')
  const osHex = typeof b.os_image_hash === 'string' ? b.os_image_hash : ''
  return {
    diskCryptKey: new SecretBytes(hexField(b, 'disk_crypt_key', 32)),
    envCryptKey: new SecretBytes(hexField(b, 'env_crypt_key', 32)),
    k256Key: new SecretBytes(hexField(b, 'k256_key', 32)),
    k256Signature: hexField(b, 'k256_signature', 65),
    caCertPem,
    gatewayAppId: typeof b.gateway_app_id === 'string' ? b.gateway_app_id : '',
    osImageHash: isHex(osHex) ? fromHex(osHex) : new Uint8Array(0),
  }
}
