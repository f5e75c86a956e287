import { AttestationError } from '../errors.js'
import { SGX_EXTENSION_OID } from './constants.js'
import { enumerated, octets, oid, oidToString, readTlvs, readUint, seq, TAG, uint } from './der.js'

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

export function encodeSgxExtension(e: SgxExtension): Uint8Array {
  if (e.ppid.length !== 16) throw new RangeError('ppid must be 16 bytes')
  if (e.cpuSvn.length !== 16) throw new RangeError('cpuSvn must be 16 bytes')
  if (e.pceId.length !== 2) throw new RangeError('pceId must be 2 bytes')
  if (e.fmspc.length !== 6) throw new RangeError('fmspc must be 6 bytes')
  const o = (n: string) => oid(`${SGX_EXTENSION_OID}.${n}`)
  const tcb = [...e.cpuSvn].map((v, i) => seq(o(`2.${i + 1}`), uint(v)))
  tcb.push(seq(o('2.17'), uint(e.pceSvn)), seq(o('2.18'), octets(e.cpuSvn)))
  return seq(
    seq(o('1'), octets(e.ppid)),
    seq(o('2'), seq(...tcb)),
    seq(o('3'), octets(e.pceId)),
    seq(o('4'), octets(e.fmspc)),
    seq(o('5'), enumerated(e.sgxType)),
  )
}

/** Decode the fields Custos uses; works on real Intel PCK certificates too. */
export function decodeSgxExtension(der: Uint8Array): SgxExtension {
  const what = 'SGX PCK extension'
  const bad = (why: string): never => {
    throw new AttestationError('ATTESTATION_MALFORMED', `${what}: ${why}`)
  }
  const [outer] = readTlvs(der, what)
  if (!outer || outer.tag !== TAG.SEQUENCE) bad('not a SEQUENCE')
  const fields = new Map<string, { tag: number; body: Uint8Array }>()
  for (const item of readTlvs(outer!.body, what)) {
    const [id, value] = readTlvs(item.body, what)
    if (!id || id.tag !== TAG.OID || !value) bad('entry is not { OID, value }')
    fields.set(oidToString(id!.body), value!)
  }
  const get = (n: string, tag: number, size?: number): Uint8Array => {
    const v = fields.get(`${SGX_EXTENSION_OID}.${n}`)
    if (!v) return bad(`missing ${SGX_EXTENSION_OID}.${n}`)
    if (v.tag !== tag || (size !== undefined && v.body.length !== size))
      bad(`${SGX_EXTENSION_OID}.${n} has a wrong type or size`)
    return v.body
  }
  const tcb = new Map<string, { tag: number; body: Uint8Array }>()
  for (const item of readTlvs(get('2', TAG.SEQUENCE), what)) {
    const [id, value] = readTlvs(item.body, what)
    if (id && value && id.tag === TAG.OID) tcb.set(oidToString(id.body), value)
  }
  const cpuSvn = tcb.get(`${SGX_EXTENSION_OID}.2.18`)
  const pceSvn = tcb.get(`${SGX_EXTENSION_OID}.2.17`)
  if (cpuSvn?.body.length !== 16 || !pceSvn) return bad('TCB entry lacks cpusvn/pcesvn')
  const sgxType = fields.get(`${SGX_EXTENSION_OID}.5`)
  return {
    ppid: get('1', TAG.OCTET_STRING, 16),
    cpuSvn: cpuSvn.body,
    pceSvn: readUint(pceSvn.body),
    pceId: get('3', TAG.OCTET_STRING, 2),
    fmspc: get('4', TAG.OCTET_STRING, 6),
    sgxType: sgxType ? readUint(sgxType.body) : 0,
  }
}
