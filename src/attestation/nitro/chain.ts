import { createHash } from 'node:crypto'
import { equalBytes, fromHex } from '../../crypto/index.js'
import { isSignedByKey, type NitroCert, parseNitroCert } from './certificate.js'
import type { NitroDocument } from './document.js'
import { NitroError } from './errors.js'

/**
 * SHA-256 fingerprint of the AWS Nitro Enclaves Root-G1 certificate (`CN=aws.nitro-enclaves`, P-384, 2019-10-28 →
 * 2049-10-28), as published by AWS (attestation.md §5). Only the fingerprint is pinned; the root DER itself arrives as
 * cabundle[0] and is trusted once its fingerprint matches.
 */
export const AWS_NITRO_ROOT_G1_SHA256 = '641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b'

/** The AWS chain is root → regional → zonal → instance (→ leaf); allow a little slack, bound the work. */
const MAX_CABUNDLE = 8
const MAX_CACHED = 512

/**
 * Parsed certificates and verified issuer→subject signature links, keyed by DER SHA-256. Only facts that depend on
 * the bytes alone are cached (parse results, signatures); validity times are checked on every call.
 */
export interface NitroCertCache {
  certs: Map<string, NitroCert>
  links: Set<string>
}

export function createNitroCertCache(): NitroCertCache {
  return { certs: new Map(), links: new Set() }
}

export interface NitroChainOptions {
  /** 32-byte SHA-256 of the trusted root DER */
  trustedRootFingerprint: Uint8Array
  /** ms since the epoch at which every certificate must be valid */
  atMs: number
  cache?: NitroCertCache
}

function load(der: Uint8Array, what: string, sha: Buffer, cache?: NitroCertCache): NitroCert {
  const key = sha.toString('hex')
  const hit = cache?.certs.get(key)
  if (hit) return hit
  const cert = parseNitroCert(der, what)
  if (cache) {
    if (cache.certs.size >= MAX_CACHED) cache.certs.clear()
    cache.certs.set(key, cert)
  }
  return cert
}

const chainError = (what: string, message: string): NitroError =>
  new NitroError('NITRO_CHAIN_INVALID', `${what}: ${message}`, { what })

/** `child` names `issuer`, `issuer` may sign certificates, and its key signed `child` (cached when it did). */
function checkLink(child: NitroCert, childWhat: string, issuer: NitroCert, issuerWhat: string, cache?: NitroCertCache) {
  if (!Buffer.from(child.issuer).equals(Buffer.from(issuer.subject)))
    throw chainError(childWhat, `issuer name differs from the subject of ${issuerWhat}`)
  if (!issuer.isCa) throw chainError(issuerWhat, `is not a CA certificate but issues ${childWhat}`)
  if (issuer.keyUsage && !issuer.keyUsage.keyCertSign)
    throw chainError(issuerWhat, 'KeyUsage lacks keyCertSign but it issues certificates')
  const link = `${child.sha256}<${issuer.sha256}`
  if (cache?.links.has(link)) return
  if (!isSignedByKey(child, issuer))
    throw chainError(childWhat, `signature does not verify with the key of ${issuerWhat}`)
  if (cache) {
    if (cache.links.size >= MAX_CACHED) cache.links.clear()
    cache.links.add(link)
  }
}

function checkTime(c: NitroCert, what: string, atMs: number): void {
  if (atMs < c.notBefore || atMs > c.notAfter)
    throw new NitroError(
      'NITRO_CERT_EXPIRED',
      `${what} is not valid at ${new Date(atMs).toISOString()} (valid ${new Date(c.notBefore).toISOString()} → ${new Date(c.notAfter).toISOString()}); Nitro leaf certificates live ~3 hours, so request a fresh attestation document`,
      { what, at: atMs },
    )
}

/**
 * Check cabundle[0] against the pinned root (constant-time fingerprint compare), then every link root → … →
 * certificate: names, CA flag, keyCertSign, path length, signatures; the leaf must be an end entity allowed to sign.
 * Finally every certificate must be valid at `atMs`. Returns the leaf.
 * @throws NitroError NITRO_UNTRUSTED_ROOT | NITRO_CHAIN_INVALID | NITRO_CERT_EXPIRED
 */
export function verifyNitroChain(doc: NitroDocument, opts: NitroChainOptions): NitroCert {
  const { cabundle } = doc
  if (cabundle.length > MAX_CABUNDLE)
    throw chainError('cabundle', `holds ${cabundle.length} certificates, more than ${MAX_CABUNDLE}`)
  const hashes = [...cabundle, doc.certificate].map((d) => createHash('sha256').update(d).digest())
  if (!equalBytes(hashes[0] as Buffer, opts.trustedRootFingerprint))
    throw new NitroError(
      'NITRO_UNTRUSTED_ROOT',
      'cabundle[0] is not the pinned AWS Nitro Enclaves root certificate (SHA-256 fingerprint mismatch)',
      { what: 'cabundle[0]' },
    )
  const names = [...cabundle.map((_, i) => `cabundle[${i}]`), 'certificate']
  const certs = [...cabundle, doc.certificate].map((d, i) =>
    load(d, names[i] as string, hashes[i] as Buffer, opts.cache),
  )
  const root = certs[0] as NitroCert
  if (!root.isCa || !Buffer.from(root.issuer).equals(Buffer.from(root.subject)))
    throw chainError('cabundle[0]', 'the trusted root is not a self-issued CA certificate')
  const leafAt = certs.length - 1
  for (let i = 1; i < certs.length; i++) {
    const issuer = certs[i - 1] as NitroCert
    const child = certs[i] as NitroCert
    checkLink(child, names[i] as string, issuer, names[i - 1] as string, opts.cache)
    // CAs strictly below `issuer` (the leaf does not count): RFC 5280 §4.2.1.9
    const below = leafAt - i
    if (issuer.pathLen !== undefined && below > issuer.pathLen)
      throw chainError(names[i - 1] as string, `pathLenConstraint ${issuer.pathLen} allows fewer CAs below it`)
  }
  const leaf = certs[leafAt] as NitroCert
  if (leaf.isCa) throw chainError('certificate', 'the signing certificate is a CA certificate')
  if (leaf.keyUsage && !leaf.keyUsage.digitalSignature)
    throw chainError('certificate', 'the signing certificate KeyUsage lacks digitalSignature')
  certs.forEach((c, i) => {
    checkTime(c, names[i] as string, opts.atMs)
  })
  return leaf
}

/** Normalise a fingerprint given as 32 bytes or 64 hex digits (colons allowed). */
export function rootFingerprintBytes(fp: Uint8Array | string = AWS_NITRO_ROOT_G1_SHA256): Uint8Array {
  const b = typeof fp === 'string' ? fromHex(fp.replace(/:/g, '').toLowerCase()) : fp
  if (b.length !== 32) throw new RangeError('trusted root fingerprint must be a 32-byte SHA-256')
  return b
}
