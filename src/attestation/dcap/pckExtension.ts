import type { CertInfo } from './certs.js'
import { children, content, expectTag, oidOf, readTop, smallIntOf, TAG, type Tlv } from './der.js'
import { DcapError } from './errors.js'

export const SGX_EXTENSION_OID = '1.2.840.113741.1.13.1'

/** The Intel SGX extension of a PCK certificate (attestation.md §2 step 9). */
export interface PckExtension {
  /** 16 bytes, the platform's PPID (dstack device_id = sha256(ppid)) */
  ppid: Uint8Array
  /** 16 SGX TCB component SVNs (OIDs …2.1 – …2.16) */
  tcbComponents: number[]
  pceSvn: number
  /** 16 bytes */
  cpuSvn: Uint8Array
  /** 2 bytes */
  pceId: Uint8Array
  /** 6 bytes */
  fmspc: Uint8Array
  /** 0 standard, 1 scalable, 2 scalable with integrity */
  sgxType: number
  platformInstanceId?: Uint8Array
}

class Bad extends Error {}

/** [OID → value TLV] of a SEQUENCE OF SEQUENCE { OID, ANY }. */
function pairs(b: Uint8Array, t: Tlv, field: string): Map<string, Tlv> {
  const out = new Map<string, Tlv>()
  for (const item of children(b, expectTag(t, TAG.SEQUENCE, field))) {
    const kv = children(b, expectTag(item, TAG.SEQUENCE, field))
    if (kv.length !== 2) throw new Bad(`${field} has a malformed entry`)
    const oid = oidOf(b, kv[0] as Tlv)
    if (out.has(oid)) throw new Bad(`${field} repeats ${oid}`)
    out.set(oid, kv[1] as Tlv)
  }
  return out
}

function octets(b: Uint8Array, t: Tlv | undefined, len: number, field: string): Uint8Array {
  if (!t || t.tag !== TAG.OCTET_STRING) throw new Bad(`${field} is missing or not an OCTET STRING`)
  const v = content(b, t)
  if (v.length !== len) throw new Bad(`${field} is ${v.length} bytes, expected ${len}`)
  return v
}

function int(b: Uint8Array, t: Tlv | undefined, max: number, field: string): number {
  if (!t) throw new Bad(`${field} is missing`)
  const n = smallIntOf(b, t)
  if (n > max) throw new Bad(`${field} = ${n} is out of range`)
  return n
}

/** Parse the Intel SGX extension of a PCK leaf. @throws DcapError DCAP_PCK_EXTENSION */
export function parsePckExtension(c: CertInfo): PckExtension {
  const v = c.extensions.get(SGX_EXTENSION_OID)
  if (!v)
    throw new DcapError('DCAP_PCK_EXTENSION', `${c.what}: Intel SGX extension (${SGX_EXTENSION_OID}) is missing`, {
      what: c.what,
    })
  try {
    const p = `${SGX_EXTENSION_OID}.`
    const top = pairs(v, readTop(v), 'SGX extensions')
    const tcbNode = top.get(`${p}2`)
    if (!tcbNode) throw new Bad('has no TCB')
    const tcb = pairs(v, tcbNode, 'TCB')
    const tcbComponents: number[] = []
    for (let i = 1; i <= 16; i++) tcbComponents.push(int(v, tcb.get(`${p}2.${i}`), 255, `TCB component ${i}`))
    const sgxType = top.get(`${p}5`)
    if (sgxType?.tag !== TAG.ENUMERATED) throw new Bad('SGX type is missing or not ENUMERATED')
    const platformInstance = top.get(`${p}6`)
    return {
      ppid: octets(v, top.get(`${p}1`), 16, 'PPID'),
      tcbComponents,
      pceSvn: int(v, tcb.get(`${p}2.17`), 0xffff, 'PCESVN'),
      cpuSvn: octets(v, tcb.get(`${p}2.18`), 16, 'CPUSVN'),
      pceId: octets(v, top.get(`${p}3`), 2, 'PCE-ID'),
      fmspc: octets(v, top.get(`${p}4`), 6, 'FMSPC'),
      sgxType: int(v, sgxType, 255, 'SGX type'),
      ...(platformInstance ? { platformInstanceId: octets(v, platformInstance, 16, 'platform instance ID') } : {}),
    }
  } catch (e) {
    throw new DcapError(
      'DCAP_PCK_EXTENSION',
      `${c.what}: Intel SGX extension is malformed: ${(e as Error).message}`,
      { what: c.what },
      { cause: e },
    )
  }
}
