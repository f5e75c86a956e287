/**
 * prpc JSON shapes of kms_rpc.proto (dstack-kms.md §2), each defined once here for the handlers, the clients (the
 * onboarding KMS, the agent) and the tests: snake_case, bytes as lowercase hex without 0x (input may carry 0x),
 * every input field defaulted as serde(default) does. zod schemas live here, at the edge. Under the simulated TEE
 * every reply also carries `"tee": "simulated"` (added by the node's prpc server).
 */
import { z } from 'zod'
import { fromHex } from '../crypto/index.js'
import { KmsError } from './errors.js'
import type { BootstrapInfo } from './types.js'

const MAX_HEX = 4 * 1024 * 1024

/** prpc `bytes`: hex with optional 0x, defaulting to empty. */
export const HexBytes = z
  .string()
  .max(MAX_HEX, 'too long')
  .regex(/^(0x)?([0-9a-fA-F]{2})*$/, 'expected an even-length hex string (optional 0x)')
  .transform((s) => fromHex(s))
  .default('')

const U32 = z.coerce.number().int().min(0).max(0xffffffff)

/** `google.protobuf.Empty`: dstack ignores the body of such methods (it must still be JSON, if any). */
export const EmptyInput = z.unknown().transform(() => ({}))

export const GetAppKeyInput = z.object({
  api_version: U32.default(0),
  vm_config: z
    .string()
    .max(1 << 20)
    .default(''),
})
export const GetKmsKeyInput = z.object({
  vm_config: z
    .string()
    .max(1 << 20)
    .default(''),
})
export const AppIdInput = z.object({ app_id: HexBytes })
export const SignCertInput = z.object({
  api_version: U32.default(0),
  csr: HexBytes,
  signature: HexBytes,
  vm_config: z
    .string()
    .max(1 << 20)
    .default(''),
})
export const BootstrapInput = z.object({ domain: z.string().max(1024).default('') })
export const OnboardInput = z.object({
  source_url: z.string().max(2048).default(''),
  domain: z.string().max(1024).default(''),
})
/**
 * `Admin.ClearImageCache` (dstack `ClearImageCacheRequest`): cache keys, not bytes, so plain strings; whether
 * each is a valid key ("" | "all" | hex) is the handler's check, answered with dstack's own error text.
 */
export const ClearImageCacheInput = z.object({
  image_hash: z.string().max(1024).default(''),
  config_hash: z.string().max(1024).default(''),
})

/** Request bodies as a client writes them (every field optional, as serde(default) reads them). */
export type GetAppKeyRequest = z.input<typeof GetAppKeyInput>
export type GetKmsKeyRequest = z.input<typeof GetKmsKeyInput>
export type AppIdRequest = z.input<typeof AppIdInput>
export type SignCertRequest = z.input<typeof SignCertInput>
export type BootstrapRequest = z.input<typeof BootstrapInput>
export type OnboardRequest = z.input<typeof OnboardInput>
export type ClearImageCacheRequest = z.input<typeof ClearImageCacheInput>

/** `KMS.GetAppKey` reply (dstack `AppKeyResponse`); `tproxy_app_id` is the old name of `gateway_app_id`. */
export interface GetAppKeyResponse {
  /** the root CA certificate, PEM */
  ca_cert: string
  disk_crypt_key: string
  env_crypt_key: string
  /** the app's secp256k1 key (32 bytes) */
  k256_key: string
  /** 65 bytes r‖s‖v: the root k256 key's signature over the app k256 public key */
  k256_signature: string
  tproxy_app_id: string
  gateway_app_id: string
  os_image_hash: string
}

/** `KMS.GetMeta` reply (dstack `GetMetaResponse`). */
export interface GetMetaResponse {
  ca_cert: string
  allow_any_upgrade: boolean
  /** the 33-byte compressed root k256 public key */
  k256_pubkey: string
  bootstrap_info: BootstrapInfo | null
  is_dev: boolean
  gateway_app_id: string
  kms_contract_address: string
  chain_id: number
  app_auth_implementation: string
}

/** `KMS.GetKmsKey` reply (dstack `KmsKeys`): PKCS#8 PEM P-256 keys and the hex root k256 key. */
export interface GetKmsKeyResponse {
  temp_ca_key: string
  keys: Array<{ ca_key: string; k256_key: string }>
}

/** `KMS.GetTempCaCert` reply (dstack `GetTempCaCertResponse`). */
export interface GetTempCaCertResponse {
  temp_ca_cert: string
  temp_ca_key: string
  ca_cert: string
}

/** `KMS.GetAppEnvEncryptPubKey` reply (dstack `PublicKeyResponse`). */
export interface GetAppEnvEncryptPubKeyResponse {
  public_key: string
  signature: string
  /** unix seconds, signed into signature_v1 */
  timestamp: number
  signature_v1: string
}

/** `KMS.SignCert` reply: leaf, app CA, root CA (PEM). */
export interface SignCertResponse {
  certificate_chain: string[]
}

/** `Onboard.GetAttestationInfo` reply. */
export interface AttestationInfoResponse {
  device_id: string
  mr_aggregated: string
  os_image_hash: string
  tee_variant: string
  site_name: string
  eth_rpc_url: string
  kms_contract_address: string
  ppid: string
}

/** `Onboard.Bootstrap` reply (dstack `BootstrapResponse`). */
export type BootstrapResponse = BootstrapInfo

/** `Onboard.Onboard` reply. */
export interface OnboardResponse {
  k256_pubkey: string
}

/** The parts of the replies the onboarding KMS reads from its source (checked before anything is trusted). */
export const GetTempCaCertReply: z.ZodType<GetTempCaCertResponse> = z.object({
  temp_ca_cert: z.string().min(1),
  temp_ca_key: z.string().min(1),
  ca_cert: z.string(),
})
export const GetKmsKeyReply: z.ZodType<GetKmsKeyResponse> = z.object({
  temp_ca_key: z.string().min(1),
  keys: z.array(z.object({ ca_key: z.string().min(1), k256_key: z.string().regex(/^(0x)?[0-9a-fA-F]{64}$/) })),
})
export const GetMetaReply: z.ZodType<Pick<GetMetaResponse, 'k256_pubkey'>> = z.object({
  k256_pubkey: z.string().regex(/^(0x)?[0-9a-fA-F]{66}$/),
})

/** dstack's domain rule for Bootstrap/Onboard: ASCII DNS name, ≤ 253 bytes, labels 1–63 of [A-Za-z0-9-], no edge '-'. */
export function isValidDomain(domain: string): boolean {
  if (domain.length === 0 || domain.length > 253) return false
  return domain
    .split('.')
    .every(
      (l) => l.length >= 1 && l.length <= 63 && /^[A-Za-z0-9-]+$/.test(l) && !l.startsWith('-') && !l.endsWith('-'),
    )
}

/** Bootstrap/Onboard: throws KMS_BAD_DOMAIN unless `domain` follows dstack's domain rule (isValidDomain). */
export function assertDomain(domain: string): void {
  if (!isValidDomain(domain))
    throw new KmsError(
      'KMS_BAD_DOMAIN',
      'domain must be an ASCII DNS name (labels of 1-63 [A-Za-z0-9-], at most 253 bytes)',
    )
}

/** `os_image_hash` from a vm_config JSON string, or undefined when absent/empty. Throws on malformed JSON. */
export function osImageHashOf(vmConfig: string): Uint8Array | undefined {
  if (vmConfig.trim() === '') return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(vmConfig)
  } catch {
    throw new TypeError('vm_config is not valid JSON')
  }
  const v = (parsed as { os_image_hash?: unknown })?.os_image_hash
  if (v === undefined || v === null || v === '') return undefined
  if (typeof v !== 'string' || !/^(0x)?[0-9a-fA-F]{64}$/.test(v))
    throw new TypeError('vm_config.os_image_hash must be 32 bytes of hex')
  return fromHex(v)
}
