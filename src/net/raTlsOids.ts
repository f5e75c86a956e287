/**
 * dstack RA-TLS certificate extension OIDs (`ra-tls/src/oids.rs`, Phala private enterprise number 62397),
 * dstack-kms.md §6.1. All are non-critical and their extnValue is a DER OCTET STRING around the content.
 */
export const RATLS_OID = {
  /** legacy: raw TDX quote */
  tdxQuote: '1.3.6.1.4.1.62397.1.1',
  /** legacy: TDX event log JSON, optionally "ELGZv1" + gzip */
  eventLog: '1.3.6.1.4.1.62397.1.2',
  /** raw 20-byte app_id, set by the issuing KMS */
  appId: '1.3.6.1.4.1.62397.1.3',
  /** UTF-8 special usage: kms:rpc | app:ca | app:custom */
  certUsage: '1.3.6.1.4.1.62397.1.4',
  /** VersionedAttestation bytes (supersedes .1.1/.1.2) */
  attestation: '1.3.6.1.4.1.62397.1.8',
  /** msgpack AppInfo (informational) */
  appInfo: '1.3.6.1.4.1.62397.1.9',
} as const

/** dstack special usages (`PHALA_RATLS_CERT_USAGE`). */
export type RaTlsUsage = 'kms:rpc' | 'app:ca' | 'app:custom'
export const RATLS_USAGES: readonly RaTlsUsage[] = ['kms:rpc', 'app:ca', 'app:custom']
