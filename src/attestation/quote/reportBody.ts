import type { ByteCursor } from './byteCursor.js'
import type { SgxReportBody, TdReportBody } from './types.js'

export const HEADER_LEN = 48
export const SGX_REPORT_BODY_LEN = 384
export const TD10_REPORT_BODY_LEN = 584
export const TD15_REPORT_BODY_LEN = 648

/** sgx_report_body_t, attestation.md §1.3 (also the QE report layout). */
export function readSgxReportBody(c: ByteCursor, field = 'report body'): SgxReportBody {
  const raw = c.bytes(SGX_REPORT_BODY_LEN, field)
  const sub = (rel: number, len: number) => raw.subarray(rel, rel + len)
  const u16 = (rel: number) => (raw[rel] as number) | ((raw[rel + 1] as number) << 8)
  return {
    type: 'sgx',
    cpuSvn: sub(0, 16),
    miscSelect: new DataView(raw.buffer, raw.byteOffset + 16, 4).getUint32(0, true),
    reserved1: sub(20, 12),
    isvExtProdId: sub(32, 16),
    attributes: sub(48, 16),
    mrEnclave: sub(64, 32),
    reserved2: sub(96, 32),
    mrSigner: sub(128, 32),
    reserved3: sub(160, 32),
    configId: sub(192, 64),
    isvProdId: u16(256),
    isvSvn: u16(258),
    configSvn: u16(260),
    reserved4: sub(262, 42),
    isvFamilyId: sub(304, 16),
    reportData: sub(320, 64),
    raw,
  }
}

/** sgx_report2_body_t (TD 1.0) or v1.5, attestation.md §1.4. */
export function readTdReportBody(c: ByteCursor, kind: 'td10' | 'td15', field = 'TD report body'): TdReportBody {
  const raw = c.bytes(kind === 'td10' ? TD10_REPORT_BODY_LEN : TD15_REPORT_BODY_LEN, field)
  const sub = (rel: number, len: number) => raw.subarray(rel, rel + len)
  const body: TdReportBody = {
    type: kind,
    teeTcbSvn: sub(0, 16),
    mrSeam: sub(16, 48),
    mrSignerSeam: sub(64, 48),
    seamAttributes: sub(112, 8),
    tdAttributes: sub(120, 8),
    xfam: sub(128, 8),
    mrTd: sub(136, 48),
    mrConfigId: sub(184, 48),
    mrOwner: sub(232, 48),
    mrOwnerConfig: sub(280, 48),
    rtmr: [sub(328, 48), sub(376, 48), sub(424, 48), sub(472, 48)],
    reportData: sub(520, 64),
    raw,
  }
  if (kind === 'td15') {
    body.teeTcbSvn2 = sub(584, 16)
    body.mrServiceTd = sub(600, 48)
  }
  return body
}
