import type { EvidenceVerifier, Identity } from '../attestation/index.js'
import type { SecretBytes } from '../crypto/index.js'
import type { Logger } from '../log.js'
import type { Policy } from '../policy/index.js'
import type { TeePlatform } from '../tee/index.js'

/** dstack BootstrapResponse, kept in wire form (hex) as dstack writes bootstrap-info.json. */
export interface BootstrapInfo {
  ca_pubkey: string
  k256_pubkey: string
  attestation: string
}

/** Everything a KMS holds. The three keys are the only secrets; the rest is public. */
export interface KmsMaterial {
  /** root CA P-256 scalar: IKM of disk/env/app-CA derivations */
  rootCaKey: SecretBytes
  /** root secp256k1 scalar: app k256 keys and their signatures */
  rootK256Key: SecretBytes
  /** temp CA P-256 scalar (deliberately public via GetTempCaCert, replicated anyway) */
  tmpCaKey: SecretBytes
  rootCaCertPem: string
  tmpCaCertPem: string
  domain: string
  bootstrapInfo?: BootstrapInfo
}

/** Sealed persistence of the KMS material; `save` is all-or-nothing. */
export interface KmsStorage {
  load(): KmsMaterial | undefined
  save(material: KmsMaterial): void
  /** rewrite material loaded in an older layout (called only after it was verified); true when it did */
  migrate?(material: KmsMaterial): boolean
}

export interface KmsOptions {
  enforceSelfAuthorization: boolean
  siteName: string
  /** longest leaf SignCert issues, in days (default SIGN_CERT_DEFAULT_MAX_VALIDITY_DAYS, dstack's 10 years) */
  signCertMaxValidityDays?: number
  /** refuse RA-TLS client certificates not issued by the temp CA (dstack's `[rpc.tls.mutual] ca_certs`); default false */
  requireTempCaClientCert?: boolean
}

/** What the KMS domain needs from the node; all of it real components, composed by node/. */
export interface KmsDeps {
  tee: TeePlatform
  verifier: EvidenceVerifier
  policy: Policy
  storage: KmsStorage
  logger: Logger
  /** unix seconds */
  now(): number
  options: KmsOptions
}

export type { Identity }
