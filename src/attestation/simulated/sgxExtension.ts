import { concatBytes, type DerTlv, der } from '../../crypto/index.js'
import { AttestationError } from '../errors.js'
import { SGX_EXTENSION_OID } from './constants.js'

const { DerError, TAG, children, content, expectTag, oidOf, readTop, smallIntOf } = der

/**
 * The Intel SGX PCK certificate extension (OID 1.2.840.113741.1.13.1), encoded as Intel's PCK certificate
 * profile does: SEQUENCE OF SEQUENCE { OID, value } with PPID (.1, OCTET STRING 16), TCB (.2, SEQUENCE of
 * 16 compsvn INTEGERs .2.1–.2.16, pcesvn .2.17, cpusvn .2.18 OCTET STRING 16), PCE-ID (.3, OCTET STRING 2),
 * FMSPC (.4, OCTET STRING 6) and SGX type (.5, ENUMERATED; 0 = Standard).
 */
export interface SgxExtension {
  ppid: Uint8Array
  /** 16 bytes (also the 16 compsvn values) */
  cpuSvn: Uint8Array
  pceSvn: number
  pceId: Uint8Array
  fmspc: Uint8Array
  sgxType: number
}

// ---- a minimal DER writer (definite lengths) for this one extension

function tlv(tag: number, body: Uint8Array): Uint8Array {
  const n = body.length
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff]
  if (n > 0xffff) throw new RangeError('DER value too long')
  return concatBytes(Uint8Array.from([tag, ...len]), body)
}
const seq = (...items: Uint8Array[]) => tlv(TAG.SEQUENCE, concatBytes(...items))
const octets = (b: Uint8Array) => tlv(TAG.OCTET_STRING, b)
function uint(tag: number, n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0 || n > 0xffff) throw new RangeError(`DER integer out of range: ${n}`)
  const out = n > 0xff ? [n >> 8, n & 0xff] : [n]
  if ((out[0] as number) & 0x80) out.unshift(0)
  return tlv(tag, Uint8Array.from(out))
}
function oid(dotted: string): Uint8Array {
  const parts = dotted.split('.').map(Number)
  const arcs = [(parts[0] as number) * 40 + (parts[1] as number), ...parts.slice(2)]
  const out: number[] = []
  for (const a of arcs) {
    const b = [a & 0x7f]
    for (let x = Math.floor(a / 128); x > 0; x = Math.floor(x / 128)) b.unshift((x & 0x7f) | 0x80)
    out.push(...b)
  }
  return tlv(TAG.OID, Uint8Array.from(out))
}

export function encodeSgxExtension(e: SgxExtension): Uint8Array {
  if (e.ppid.length !== 16) throw new RangeError('ppid must be 16 bytes')
  if (e.cpuSvn.length !== 16) throw new RangeError('cpuSvn must be 16 bytes')
  if (e.pceId.length !== 2) throw new RangeError('pceId must be 2 bytes')
  if (e.fmspc.length !== 6) throw new RangeError('fmspc must be 6 bytes')
  const o = (n: string) => oid(`${SGX_EXTENSION_OID}.${n}`)
  const tcb = [...e.cpuSvn].map((v, i) => seq(o(`2.${i + 1}`), uint(TAG.INTEGER, v)))
  tcb.push(seq(o('2.17'), uint(TAG.INTEGER, e.pceSvn)), seq(o('2.18'), octets(e.cpuSvn)))
  return seq(
    seq(o('1'), octets(e.ppid)),
    seq(o('2'), seq(...tcb)),
    seq(o('3'), octets(e.pceId)),
    seq(o('4'), octets(e.fmspc)),
    seq(o('5'), uint(TAG.ENUMERATED, e.sgxType)),
  )
}

/** SEQUENCE OF SEQUENCE { OID, value } → OID → value TLV. */
function pairs(b: Uint8Array, t: DerTlv | undefined): Map<string, DerTlv> {
  const out = new Map<string, DerTlv>()
  for (const item of children(b, expectTag(t, TAG.SEQUENCE, 'SGX extension list'))) {
    const kv = children(b, expectTag(item, TAG.SEQUENCE, 'SGX extension entry'))
    if (kv.length !== 2) throw new DerError('SGX extension entry is not { OID, value }')
    out.set(oidOf(b, kv[0] as DerTlv), kv[1] as DerTlv)
  }
  return out
}

/** Decode the fields Custos uses (strict DER); works on real Intel PCK certificates too. */
export function decodeSgxExtension(value: Uint8Array): SgxExtension {
  try {
    const p = `${SGX_EXTENSION_OID}.`
    const top = pairs(value, readTop(value))
    const bytes = (n: string, size: number): Uint8Array => {
      const v = content(value, expectTag(top.get(`${p}${n}`), TAG.OCTET_STRING, `${p}${n}`))
      if (v.length !== size) throw new DerError(`${p}${n} is ${v.length} bytes, expected ${size}`)
      return v
    }
    const tcb = pairs(value, top.get(`${p}2`))
    const cpuSvnTlv = expectTag(tcb.get(`${p}2.18`), TAG.OCTET_STRING, 'cpusvn')
    const cpuSvn = content(value, cpuSvnTlv)
    const pceSvn = tcb.get(`${p}2.17`)
    if (cpuSvn.length !== 16 || !pceSvn) throw new DerError('TCB entry lacks cpusvn/pcesvn')
    const sgxType = top.get(`${p}5`)
    return {
      ppid: bytes('1', 16),
      cpuSvn,
      pceSvn: smallIntOf(value, pceSvn),
      pceId: bytes('3', 2),
      fmspc: bytes('4', 6),
      sgxType: sgxType ? smallIntOf(value, sgxType) : 0,
    }
  } catch (e) {
    throw new AttestationError('ATTESTATION_MALFORMED', `SGX PCK extension: ${(e as Error).message}`, {}, { cause: e })
  }
}

/**
 * The Intel SGX extension of a DER certificate (strict DER walk, microseconds; no signature check), or
 * undefined when it has none. @throws AttestationError ATTESTATION_MALFORMED when the certificate does not parse
 */
export function sgxExtensionOfCertificate(cert: Uint8Array): SgxExtension | undefined {
  let value: Uint8Array | undefined
  try {
    const top = children(cert, expectTag(readTop(cert), TAG.SEQUENCE, 'Certificate'))
    const tbs = children(cert, expectTag(top[0], TAG.SEQUENCE, 'tbsCertificate'))
    const wrapped = tbs.find((t) => t.tag === 0xa3)
    if (!wrapped) return undefined
    for (const ext of children(cert, expectTag(children(cert, wrapped)[0], TAG.SEQUENCE, 'extensions'))) {
      const f = children(cert, expectTag(ext, TAG.SEQUENCE, 'extension'))
      if (oidOf(cert, expectTag(f[0], TAG.OID, 'extnID')) !== SGX_EXTENSION_OID) continue
      value = content(cert, expectTag(f[f.length - 1], TAG.OCTET_STRING, 'extnValue'))
      break
    }
  } catch (e) {
    throw new AttestationError('ATTESTATION_MALFORMED', `certificate: ${(e as Error).message}`, {}, { cause: e })
  }
  return value ? decodeSgxExtension(value) : undefined
}
