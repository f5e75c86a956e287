import { z } from 'zod'
import { DcapError } from './errors.js'
import { knownStatus, type TcbVerdict } from './tcbStatus.js'

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`))
const svn = z.object({ svn: z.number().int().min(0).max(255) }).passthrough()
const advisories = z.array(z.string()).optional()

const tcbLevelSchema = z
  .object({
    tcb: z
      .object({
        sgxtcbcomponents: z.array(svn).length(16),
        pcesvn: z.number().int().min(0).max(0xffff),
        tdxtcbcomponents: z.array(svn).length(16).optional(),
      })
      .passthrough(),
    tcbDate: z.string(),
    tcbStatus: z.string(),
    advisoryIDs: advisories,
  })
  .passthrough()

const moduleLevelSchema = z
  .object({
    tcb: z.object({ isvsvn: z.number().int().min(0).max(255) }).passthrough(),
    tcbDate: z.string(),
    tcbStatus: z.string(),
    advisoryIDs: advisories,
  })
  .passthrough()

const tdxModuleSchema = z.object({ mrsigner: hex(48), attributes: hex(8), attributesMask: hex(8) }).passthrough()

/** TCB Info v3 (PCS v4 API), attestation.md §2 step 2. */
export const tcbInfoSchema = z
  .object({
    id: z.enum(['SGX', 'TDX']),
    version: z.literal(3),
    issueDate: z.string().datetime(),
    nextUpdate: z.string().datetime(),
    fmspc: hex(6),
    pceId: hex(2),
    tcbType: z.number().int(),
    tcbEvaluationDataNumber: z.number().int(),
    tdxModule: tdxModuleSchema.optional(),
    tdxModuleIdentities: z
      .array(tdxModuleSchema.extend({ id: z.string(), tcbLevels: z.array(moduleLevelSchema).min(1) }).passthrough())
      .optional(),
    tcbLevels: z.array(tcbLevelSchema).min(1),
  })
  .passthrough()

interface ModuleIdentity {
  mrsigner: Uint8Array
  attributes: Uint8Array
  attributesMask: Uint8Array
  levels: { isvsvn: number; status: string; advisoryIds: string[] }[]
}

/** TCB Info in the form the per-quote matcher wants (hex decoded once). */
export interface TcbInfo {
  id: 'SGX' | 'TDX'
  issueDate: number
  nextUpdate: number
  fmspc: Uint8Array
  pceId: Uint8Array
  evaluationDataNumber: number
  levels: { sgx: number[]; pceSvn: number; tdx: number[] | undefined; status: string; advisoryIds: string[] }[]
  tdxModule: ModuleIdentity | undefined
  /** keyed by id, e.g. "TDX_01" */
  tdxModuleIdentities: Map<string, ModuleIdentity>
}

const h = (s: string) => new Uint8Array(Buffer.from(s, 'hex'))

/** Parse the (already signature-checked) TCB Info JSON. @throws DcapError DCAP_TCB_INFO_INVALID */
export function parseTcbInfo(json: string): TcbInfo {
  let data: z.infer<typeof tcbInfoSchema>
  try {
    data = tcbInfoSchema.parse(JSON.parse(json))
  } catch (e) {
    throw new DcapError(
      'DCAP_TCB_INFO_INVALID',
      'TCB Info is not a v3 tcbInfo JSON object',
      { what: 'tcb_info' },
      { cause: e },
    )
  }
  const mod = (
    m: z.infer<typeof tdxModuleSchema>,
    levels: z.infer<typeof moduleLevelSchema>[] = [],
  ): ModuleIdentity => ({
    mrsigner: h(m.mrsigner),
    attributes: h(m.attributes),
    attributesMask: h(m.attributesMask),
    levels: levels.map((l) => ({ isvsvn: l.tcb.isvsvn, status: l.tcbStatus, advisoryIds: l.advisoryIDs ?? [] })),
  })
  if (data.tcbType !== 0)
    throw new DcapError('DCAP_TCB_INFO_INVALID', `TCB Info tcbType ${data.tcbType} is not supported (only 0)`, {
      what: 'tcb_info',
    })
  if (data.id === 'TDX' && (!data.tdxModule || data.tcbLevels.some((l) => !l.tcb.tdxtcbcomponents)))
    throw new DcapError('DCAP_TCB_INFO_INVALID', 'TDX TCB Info lacks tdxModule or tdxtcbcomponents', {
      what: 'tcb_info',
    })
  return {
    id: data.id,
    issueDate: Date.parse(data.issueDate) / 1000,
    nextUpdate: Date.parse(data.nextUpdate) / 1000,
    fmspc: h(data.fmspc),
    pceId: h(data.pceId),
    evaluationDataNumber: data.tcbEvaluationDataNumber,
    levels: data.tcbLevels.map((l) => ({
      sgx: l.tcb.sgxtcbcomponents.map((c) => c.svn),
      pceSvn: l.tcb.pcesvn,
      tdx: l.tcb.tdxtcbcomponents?.map((c) => c.svn),
      status: l.tcbStatus,
      advisoryIds: l.advisoryIDs ?? [],
    })),
    tdxModule: data.tdxModule ? mod(data.tdxModule) : undefined,
    tdxModuleIdentities: new Map(
      (data.tdxModuleIdentities ?? []).map((m) => [m.id.toUpperCase(), mod(m, m.tcbLevels)]),
    ),
  }
}

/**
 * Platform TCB level (attestation.md §2 step 9, Intel QVL): first level whose SGX components and PCESVN are
 * ≤ the PCK certificate's and, for TDX, whose tdxtcbcomponents are ≤ tee_tcb_svn. When the TDX module
 * major version (tee_tcb_svn[1]) is non-zero, bytes 0–1 are judged by the TDX module identity instead.
 * @throws DcapError DCAP_NO_TCB_LEVEL | DCAP_TCB_STATUS_UNKNOWN
 */
export function matchPlatformTcb(info: TcbInfo, sgx: number[], pceSvn: number, teeTcbSvn?: Uint8Array): TcbVerdict {
  const tdxStart = teeTcbSvn && (teeTcbSvn[1] as number) > 0 ? 2 : 0
  for (const level of info.levels) {
    if (pceSvn < level.pceSvn) continue
    if (sgx.some((v, i) => v < (level.sgx[i] as number))) continue
    if (teeTcbSvn) {
      const tdx = level.tdx as number[]
      let ok = true
      for (let i = tdxStart; i < 16; i++) if ((teeTcbSvn[i] as number) < (tdx[i] as number)) ok = false
      if (!ok) continue
    }
    return { status: knownStatus(level.status, 'the matched TCB Info level'), advisoryIds: [...level.advisoryIds] }
  }
  throw new DcapError(
    'DCAP_NO_TCB_LEVEL',
    `no TCB level of TCB Info (FMSPC ${Buffer.from(info.fmspc).toString('hex')}) matches this platform: its TCB is older than every level Intel lists`,
    { what: 'tcb_info' },
  )
}

function maskedEqual(a: Uint8Array, b: Uint8Array, mask: Uint8Array): boolean {
  for (let i = 0; i < mask.length; i++)
    if (((a[i] as number) & (mask[i] as number)) !== ((b[i] as number) & (mask[i] as number))) return false
  return true
}

/**
 * TDX module identity (attestation.md §2 step 10, Intel TdxModuleCheck): MRSIGNER_SEAM and SEAM attributes
 * against tdxModule (version 0) or tdxModuleIdentities["TDX_%02X"], whose levels give a status to merge.
 * Returns undefined when there is nothing to merge.
 * @throws DcapError DCAP_TDX_MODULE_MISMATCH | DCAP_NO_TCB_LEVEL
 */
export function matchTdxModule(
  info: TcbInfo,
  teeTcbSvn: Uint8Array,
  mrSignerSeam: Uint8Array,
  seamAttributes: Uint8Array,
): TcbVerdict | undefined {
  const version = teeTcbSvn[1] as number
  const id = `TDX_${version.toString(16).toUpperCase().padStart(2, '0')}`
  const m = version === 0 ? info.tdxModule : info.tdxModuleIdentities.get(id)
  if (!m) throw new DcapError('DCAP_NO_TCB_LEVEL', `TCB Info has no TDX module identity ${id}`, { what: 'tdx_module' })
  if (!Buffer.from(m.mrsigner).equals(Buffer.from(mrSignerSeam)))
    throw new DcapError(
      'DCAP_TDX_MODULE_MISMATCH',
      `MRSIGNER_SEAM does not match TDX module identity ${version === 0 ? 'tdxModule' : id}`,
      {
        what: 'mr_signer_seam',
      },
    )
  if (!maskedEqual(seamAttributes, m.attributes, m.attributesMask))
    throw new DcapError('DCAP_TDX_MODULE_MISMATCH', `SEAM attributes do not match TDX module identity under its mask`, {
      what: 'seam_attributes',
    })
  if (version === 0) return undefined
  const isvsvn = teeTcbSvn[0] as number
  const level = m.levels.find((l) => l.isvsvn <= isvsvn)
  if (!level)
    throw new DcapError('DCAP_NO_TCB_LEVEL', `TDX module ${id} ISVSVN ${isvsvn} is below every level Intel lists`, {
      what: 'tdx_module',
    })
  return { status: knownStatus(level.status, `TDX module ${id} level`), advisoryIds: [...level.advisoryIds] }
}

export { maskedEqual }
