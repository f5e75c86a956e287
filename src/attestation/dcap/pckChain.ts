import { type CertInfo, checkCertTime, checkChainStructure, parseCert } from './certs.js'
import { checkCrlIssuer } from './crl.js'
import { DcapError } from './errors.js'
import { type PckExtension, parsePckExtension } from './pckExtension.js'
import { cacheKey, type PreparedCollateral } from './prepareCollateral.js'

/** A PCK chain whose structure and signatures were checked once against one prepared collateral. */
export interface PckChain {
  leaf: CertInfo
  ca: CertInfo
  ext: PckExtension
  /** sha256 (hex) of QE report ‖ QE report signature pairs that verified with `leaf`'s key */
  verifiedQeReports: Set<string>
}

const MAX_CACHED = 512

/**
 * Resolve (and cache, per prepared collateral) the PCK chain leaf → PCK CA → trusted root: signatures,
 * CA/end-entity roles, the PCK CRL being issued by this chain's CA, and the leaf's Intel SGX extension.
 * @throws DcapError DCAP_CERT_CHAIN | DCAP_UNTRUSTED_ROOT | DCAP_CRL_INVALID | DCAP_PCK_EXTENSION
 */
export function resolvePckChain(
  prepared: PreparedCollateral,
  keyBytes: Uint8Array,
  ders: Uint8Array[] | (() => Uint8Array[]),
): PckChain {
  const key = cacheKey(keyBytes)
  const hit = prepared.cache.pckChains.get(key)
  if (hit) return hit
  const names = ['PCK leaf certificate', 'PCK CA certificate', 'PCK chain root certificate']
  const certs = (typeof ders === 'function' ? ders() : ders).map((d, i) =>
    parseCert(d, names[i] ?? `PCK chain certificate ${i}`),
  )
  const below = checkChainStructure(certs, prepared.root, 'PCK certificate chain')
  if (below.length !== 2)
    throw new DcapError('DCAP_CERT_CHAIN', 'PCK certificate chain must be PCK leaf → PCK CA → root', {
      what: 'PCK certificate chain',
    })
  const [leaf, ca] = below as [CertInfo, CertInfo]
  // The PCK CRL must come from this chain's CA (Platform vs Processor CA); a mismatch would let a revoked leaf pass.
  if (ca.sha256 !== prepared.pckCrlIssuer.sha256) checkCrlIssuer(prepared.pckCrl, ca)
  const chain: PckChain = { leaf, ca, ext: parsePckExtension(leaf), verifiedQeReports: new Set() }
  if (prepared.cache.pckChains.size >= MAX_CACHED) prepared.cache.pckChains.clear()
  prepared.cache.pckChains.set(key, chain)
  return chain
}

/** Per-call checks of a resolved chain: validity at `now` and revocation. @throws DcapError */
export function checkPckChainAt(chain: PckChain, prepared: PreparedCollateral, now: number): void {
  checkCertTime(chain.leaf, now)
  checkCertTime(chain.ca, now)
  if (prepared.rootCrl.revoked.has(chain.ca.serial))
    throw new DcapError(
      'DCAP_CERT_REVOKED',
      `PCK CA certificate (serial ${chain.ca.serial}) is revoked by the root CA CRL`,
      {
        what: chain.ca.what,
      },
    )
  if (prepared.pckCrl.revoked.has(chain.leaf.serial))
    throw new DcapError(
      'DCAP_PCK_REVOKED',
      `PCK leaf certificate (serial ${chain.leaf.serial}) is revoked by the PCK CRL`,
      {
        what: chain.leaf.what,
      },
    )
}
