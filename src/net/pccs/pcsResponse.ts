import 'reflect-metadata'
import * as x509 from '@peculiar/x509'
import { PemError, pemBlocks } from '../../crypto/index.js'
import { PccsError } from './errors.js'
import { rawJsonMember } from './rawJsonMember.js'

/** A signed PCS JSON document (`{"tcbInfo":{…},"signature":"…"}`), the inner value kept byte-exact. */
export interface SignedPcsJson {
  /** exact source text of the signed member */
  raw: string
  /** hex r‖s */
  signature: string
  /** unix seconds */
  nextUpdate: number
}

const bad = (what: string, why: string): never => {
  throw new PccsError('PCCS_BAD_RESPONSE', `PCCS ${what} response ${why}`, { what })
}

/** Parse a TCB info (`member` = tcbInfo) or QE identity (`member` = enclaveIdentity) response body. */
export function parseSignedPcsJson(text: string, member: 'tcbInfo' | 'enclaveIdentity', what: string): SignedPcsJson {
  let raw: string | undefined
  let outer: Record<string, unknown>
  try {
    raw = rawJsonMember(text, member)
    outer = JSON.parse(text) as Record<string, unknown>
  } catch {
    return bad(what, 'is not JSON')
  }
  if (raw === undefined) return bad(what, `has no "${member}"`)
  const signature = outer['signature']
  if (typeof signature !== 'string' || !/^[0-9a-fA-F]{128}$/.test(signature))
    return bad(what, 'has no 64-byte hex "signature"')
  const next = (outer[member] as Record<string, unknown> | null)?.['nextUpdate']
  const nextUpdate = typeof next === 'string' ? Date.parse(next) / 1000 : Number.NaN
  if (!Number.isFinite(nextUpdate)) return bad(what, `has no valid ${member}.nextUpdate`)
  return { raw, signature, nextUpdate }
}

const HEX_RE = /^(?:[0-9a-fA-F]{2})+$/

/** A CRL body as PCS/PCCS serve it (DER, hex text or PEM) → DER. */
export function crlDer(body: Uint8Array, what: string): Uint8Array {
  if (body[0] === 0x30) return body
  const text = Buffer.from(body).toString('utf8').trim()
  if (HEX_RE.test(text)) return new Uint8Array(Buffer.from(text, 'hex'))
  let pem: Uint8Array | undefined
  try {
    pem = pemBlocks(text, 'X509 CRL')[0]?.der
  } catch (e) {
    if (!(e instanceof PemError)) throw e
  }
  return pem ?? bad(what, 'is not a CRL (expected DER, hex or PEM)')
}

/** nextUpdate of a DER CRL, unix seconds (this is the cache expiry; the verifier checks the signature). */
export function crlNextUpdate(der: Uint8Array, what: string): number {
  let crl: x509.X509Crl
  try {
    crl = new x509.X509Crl(der)
  } catch {
    return bad(what, 'is not a DER CRL')
  }
  const next = crl.nextUpdate
  if (!next) return bad(what, 'is a CRL without nextUpdate')
  return Math.floor(next.getTime() / 1000)
}

/** URL-decoded PEM chain from the first present header of `names`. */
export function issuerChainHeader(headers: Headers, names: string[], what: string): string {
  for (const n of names) {
    const v = headers.get(n)
    if (v) {
      try {
        const pem = decodeURIComponent(v)
        if (pem.includes('-----BEGIN CERTIFICATE-----')) return pem
      } catch {
        // fall through to the error
      }
      return bad(what, `header ${n} is not a URL-encoded PEM chain`)
    }
  }
  return bad(what, `lacks the ${names.join(' / ')} header`)
}
