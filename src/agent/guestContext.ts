import type { EvidenceVerifier } from '../attestation/index.js'
import type { Logger } from '../log.js'
import type { TeePlatform } from '../tee/index.js'
import type { AgentAppKeys } from './appKeys.js'

/** What the guest API handlers need: the TEE, the app keys from the KMS, and a way to get certs signed. */
export interface GuestContext {
  tee: TeePlatform
  /** verifies this TEE's own evidence when Info decodes the identity (must trust the platform) */
  verifier: EvidenceVerifier
  /** unix seconds */
  now: () => number
  /** the app keys; throws AGENT_NOT_READY before they are fetched */
  keys(): AgentAppKeys
  /** vm_config JSON string (dstack sys-config `vm_config`; carries os_image_hash) */
  vmConfig: string
  /** raw app-compose.json text ('' when unknown): Info's app_name and tcb_info.app_compose */
  appCompose: string
  /** the demo certificate chain (PEMs joined by "\n") shown as Info.app_cert, '' until issued */
  appCert(): string
  /** KMS SignCert: SCALE CSR bytes + DER ECDSA signature → PEM chain [leaf, app CA, root CA] */
  signCert(csr: Uint8Array, signature: Uint8Array): Promise<string[]>
  logger: Logger
}
