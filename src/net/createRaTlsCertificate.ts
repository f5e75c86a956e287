import {
  type CertExtensionInput,
  type CertIssuer,
  type CertTime,
  createSelfSignedCertificate,
  type DistinguishedName,
  issueCertificate,
  type P256KeyPair,
  utf8ToBytes,
  type X509Cert,
} from '../crypto/index.js'
import { encodeRaTlsExtensionValue } from './raTlsExtension.js'
import { RATLS_OID, type RaTlsUsage } from './raTlsOids.js'

export interface CreateRaTlsCertificateParameters {
  /** the certificate key pair (only its public key is used when `issuer` is set) */
  keys: P256KeyPair
  /** encoded VersionedAttestation whose report_data is `raTlsReportData(SPKI of keys.publicKey)` → ext .1.8 */
  attestation?: Uint8Array
  /** `CN` (string) or `{ organizationName, commonName }` */
  subject: string | DistinguishedName
  altNames?: string[]
  /** dstack special usage → ext .1.4 */
  usage?: RaTlsUsage
  /** raw app_id (20 bytes in dstack) → ext .1.3 */
  appId?: Uint8Array
  /** signer; self-signed with `keys` when absent */
  issuer?: CertIssuer
  serverAuth?: boolean
  clientAuth?: boolean
  /** make it a CA (dstack app CA: pathLen 0) */
  ca?: { pathLen: number }
  notBefore?: CertTime
  notAfter?: CertTime
  /** unix seconds used for the default notBefore */
  now?: number
  /** more extensions, appended after the RA-TLS ones */
  extensions?: CertExtensionInput[]
}

/** RA-TLS extension list (non-critical, double-wrapped) for the given contents. */
export function raTlsExtensions(p: { attestation?: Uint8Array; usage?: string; appId?: Uint8Array }) {
  const exts: CertExtensionInput[] = []
  const add = (oid: string, content: Uint8Array) =>
    exts.push({ oid, critical: false, value: encodeRaTlsExtensionValue(content) })
  if (p.appId) add(RATLS_OID.appId, p.appId)
  if (p.usage !== undefined) add(RATLS_OID.certUsage, utf8ToBytes(p.usage))
  if (p.attestation) add(RATLS_OID.attestation, p.attestation)
  return exts
}

/**
 * An RA-TLS certificate as dstack builds them (`ra-tls/src/cert.rs` CertRequest): subject/SAN/EKU plus the
 * app-id, usage and attestation extensions. It does not check that `attestation` is bound to `keys`; verifiers do.
 */
export async function createRaTlsCertificate(p: CreateRaTlsCertificateParameters): Promise<X509Cert> {
  const subject: DistinguishedName = typeof p.subject === 'string' ? { commonName: p.subject } : p.subject
  const common = {
    subject,
    altNames: p.altNames,
    serverAuth: p.serverAuth,
    clientAuth: p.clientAuth,
    ca: p.ca,
    notBefore: p.notBefore,
    notAfter: p.notAfter,
    now: p.now,
    extensions: [...raTlsExtensions(p), ...(p.extensions ?? [])],
  }
  if (p.issuer) return issueCertificate({ ...common, issuer: p.issuer, publicKey: p.keys.publicKey })
  return createSelfSignedCertificate({ ...common, keys: p.keys })
}
