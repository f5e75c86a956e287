import { z } from 'zod'
import type { SgxReportBody } from '../quote/types.js'
import { DcapError } from './errors.js'
import { maskedEqual } from './tcbInfo.js'
import { knownStatus, type TcbVerdict } from './tcbStatus.js'

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`))

/** Enclave identity (QE / TD_QE), attestation.md §2 step 3. */
export const qeIdentitySchema = z
  .object({
    id: z.enum(['QE', 'TD_QE', 'QVE']),
    version: z.number().int(),
    issueDate: z.string().datetime(),
    nextUpdate: z.string().datetime(),
    tcbEvaluationDataNumber: z.number().int(),
    miscselect: hex(4),
    miscselectMask: hex(4),
    attributes: hex(16),
    attributesMask: hex(16),
    mrsigner: hex(32),
    isvprodid: z.number().int().min(0).max(0xffff),
    tcbLevels: z
      .array(
        z
          .object({
            tcb: z.object({ isvsvn: z.number().int().min(0).max(0xffff) }).passthrough(),
            tcbDate: z.string(),
            tcbStatus: z.string(),
            advisoryIDs: z.array(z.string()).optional(),
          })
          .passthrough(),
      )
      .min(1),
  })
  .passthrough()

export interface QeIdentity {
  id: 'QE' | 'TD_QE' | 'QVE'
  version: number
  issueDate: number
  nextUpdate: number
  miscselect: Uint8Array
  miscselectMask: Uint8Array
  attributes: Uint8Array
  attributesMask: Uint8Array
  mrsigner: Uint8Array
  isvprodid: number
  levels: { isvsvn: number; status: string; advisoryIds: string[] }[]
}

const h = (s: string) => new Uint8Array(Buffer.from(s, 'hex'))

/** Parse the (already signature-checked) QE Identity JSON. @throws DcapError DCAP_QE_IDENTITY_INVALID */
export function parseQeIdentity(json: string): QeIdentity {
  let d: z.infer<typeof qeIdentitySchema>
  try {
    d = qeIdentitySchema.parse(JSON.parse(json))
  } catch (e) {
    throw new DcapError(
      'DCAP_QE_IDENTITY_INVALID',
      'QE Identity is not an enclaveIdentity JSON object',
      { what: 'qe_identity' },
      { cause: e },
    )
  }
  return {
    id: d.id,
    version: d.version,
    issueDate: Date.parse(d.issueDate) / 1000,
    nextUpdate: Date.parse(d.nextUpdate) / 1000,
    miscselect: h(d.miscselect),
    miscselectMask: h(d.miscselectMask),
    attributes: h(d.attributes),
    attributesMask: h(d.attributesMask),
    mrsigner: h(d.mrsigner),
    isvprodid: d.isvprodid,
    levels: d.tcbLevels.map((l) => ({ isvsvn: l.tcb.isvsvn, status: l.tcbStatus, advisoryIds: l.advisoryIDs ?? [] })),
  }
}

function mismatch(field: string): never {
  throw new DcapError(
    'DCAP_QE_IDENTITY_MISMATCH',
    `QE report ${field} does not match Intel's QE Identity; the quoting enclave is not a genuine Intel QE`,
    {
      what: field,
    },
  )
}

/**
 * QE identity policy (attestation.md §2 step 7): MRSIGNER, ISVPRODID, MISCSELECT and ATTRIBUTES under their
 * masks, no debug QE, then the QE TCB status from the first level with isvsvn ≤ the QE's ISVSVN.
 * @throws DcapError DCAP_QE_IDENTITY_MISMATCH | DCAP_DEBUG | DCAP_TCB_STATUS_UNKNOWN
 */
export function matchQeIdentity(qe: SgxReportBody, id: QeIdentity): TcbVerdict {
  if (!Buffer.from(qe.mrSigner).equals(Buffer.from(id.mrsigner))) mismatch('MRSIGNER')
  if (qe.isvProdId !== id.isvprodid) mismatch('ISVPRODID')
  if (((qe.attributes[0] as number) & 0x02) !== 0)
    throw new DcapError('DCAP_DEBUG', 'the quoting enclave runs in debug mode', { what: 'qe_report.attributes' })
  const misc = new Uint8Array(4)
  new DataView(misc.buffer).setUint32(0, qe.miscSelect, true)
  if (!maskedEqual(misc, id.miscselect, id.miscselectMask)) mismatch('MISCSELECT')
  if (!maskedEqual(qe.attributes, id.attributes, id.attributesMask)) mismatch('ATTRIBUTES')
  const level = id.levels.find((l) => l.isvsvn <= qe.isvSvn)
  if (!level) mismatch(`ISVSVN (${qe.isvSvn} is below every level)`)
  return { status: knownStatus(level.status, 'the matched QE Identity level'), advisoryIds: [...level.advisoryIds] }
}
