import * as asn1js from 'asn1js'
import type { CertInfo } from './certs.js'
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

function fail(c: CertInfo, why: string): never {
  throw new DcapError('DCAP_PCK_EXTENSION', `${c.what}: Intel SGX extension ${why}`, { what: c.what })
}

function seqItems(node: asn1js.AsnType, c: CertInfo, field: string): asn1js.AsnType[] {
  if (!(node instanceof asn1js.Sequence)) fail(c, `${field} is not a SEQUENCE`)
  return node.valueBlock.value
}

/** [OID, value] pairs of a SEQUENCE OF SEQUENCE { OID, ANY }. */
function pairs(node: asn1js.AsnType, c: CertInfo, field: string): Map<string, asn1js.AsnType> {
  const out = new Map<string, asn1js.AsnType>()
  for (const item of seqItems(node, c, field)) {
    const kv = seqItems(item, c, field)
    const [k, v] = kv
    if (kv.length !== 2 || !(k instanceof asn1js.ObjectIdentifier) || v === undefined)
      fail(c, `${field} has a malformed entry`)
    const oid = k.valueBlock.toString()
    if (out.has(oid)) fail(c, `${field} repeats ${oid}`)
    out.set(oid, v)
  }
  return out
}

function octets(v: asn1js.AsnType | undefined, len: number, c: CertInfo, field: string): Uint8Array {
  if (!(v instanceof asn1js.OctetString)) fail(c, `${field} is missing or not an OCTET STRING`)
  const b = new Uint8Array(v.valueBlock.valueHexView)
  if (b.length !== len) fail(c, `${field} is ${b.length} bytes, expected ${len}`)
  return b
}

function smallInt(v: asn1js.AsnType | undefined, max: number, c: CertInfo, field: string): number {
  if (!(v instanceof asn1js.Integer || v instanceof asn1js.Enumerated)) fail(c, `${field} is missing or not an INTEGER`)
  const n = v.valueBlock.valueDec
  if (!Number.isInteger(n) || n < 0 || n > max) fail(c, `${field} = ${n} is out of range`)
  return n
}

/** Parse the Intel SGX extension of a PCK leaf. @throws DcapError DCAP_PCK_EXTENSION */
export function parsePckExtension(c: CertInfo): PckExtension {
  const ext = c.cert.getExtension(SGX_EXTENSION_OID)
  if (!ext) fail(c, `(${SGX_EXTENSION_OID}) is missing`)
  const value = new Uint8Array(ext.value)
  const parsed = asn1js.fromBER(value)
  if (parsed.offset !== value.length) fail(c, 'does not parse as DER')
  const top = pairs(parsed.result, c, 'SGX extensions')
  const p = `${SGX_EXTENSION_OID}.`
  const tcbNode = top.get(`${p}2`)
  if (!tcbNode) fail(c, 'has no TCB')
  const tcb = pairs(tcbNode, c, 'TCB')
  const tcbComponents: number[] = []
  for (let i = 1; i <= 16; i++) tcbComponents.push(smallInt(tcb.get(`${p}2.${i}`), 255, c, `TCB component ${i}`))
  const platformInstance = top.get(`${p}6`)
  return {
    ppid: octets(top.get(`${p}1`), 16, c, 'PPID'),
    tcbComponents,
    pceSvn: smallInt(tcb.get(`${p}2.17`), 0xffff, c, 'PCESVN'),
    cpuSvn: octets(tcb.get(`${p}2.18`), 16, c, 'CPUSVN'),
    pceId: octets(top.get(`${p}3`), 2, c, 'PCE-ID'),
    fmspc: octets(top.get(`${p}4`), 6, c, 'FMSPC'),
    sgxType: smallInt(top.get(`${p}5`), 255, c, 'SGX type'),
    ...(platformInstance ? { platformInstanceId: octets(platformInstance, 16, c, 'platform instance ID') } : {}),
  }
}
