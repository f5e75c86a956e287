import { describe, expect, it } from 'vitest'
import type { SgxReportBody, TdReportBody } from '../quote/types.js'
import { children, DerError, readTop, serialHexOf, smallIntOf, TAG, timeOf } from './der.js'
import { DcapError } from './errors.js'
import { checkReportPolicy } from './reportPolicy.js'
import { mergeTcb } from './tcbStatus.js'

const code = (f: () => unknown) => {
  try {
    f()
  } catch (e) {
    if (e instanceof DcapError) return e.code
    throw e
  }
  return 'ok'
}

function td(kind: 'td10' | 'td15', attrs: number[], serviceTd = 0): TdReportBody {
  const z = (n: number) => new Uint8Array(n)
  return {
    type: kind,
    teeTcbSvn: z(16),
    mrSeam: z(48),
    mrSignerSeam: z(48),
    seamAttributes: z(8),
    tdAttributes: Uint8Array.from(attrs),
    xfam: z(8),
    mrTd: z(48),
    mrConfigId: z(48),
    mrOwner: z(48),
    mrOwnerConfig: z(48),
    rtmr: [z(48), z(48), z(48), z(48)],
    reportData: z(64),
    ...(kind === 'td15' ? { teeTcbSvn2: z(16), mrServiceTd: z(48).fill(serviceTd) } : {}),
    raw: z(kind === 'td10' ? 584 : 648),
  }
}
const SEPT = [0, 0, 0, 0x10, 0, 0, 0, 0]

describe('report policy', () => {
  it('TD attributes: SEPT_VE_DISABLE required, reserved bits refused, PKS/KL/PERFMON allowed', () => {
    expect(code(() => checkReportPolicy(td('td10', SEPT), {}))).toBe('ok')
    expect(code(() => checkReportPolicy(td('td10', [0, 0, 0, 0x10 | 0x40 | 0x80, 0, 0, 0, 0x80]), {}))).toBe('ok')
    expect(code(() => checkReportPolicy(td('td10', [0, 0, 0, 0, 0, 0, 0, 0]), {}))).toBe('DCAP_TD_ATTRIBUTES')
    expect(code(() => checkReportPolicy(td('td10', [2, 0, 0, 0x10, 0, 0, 0, 0]), {}))).toBe('DCAP_TD_ATTRIBUTES')
    expect(code(() => checkReportPolicy(td('td10', [0, 0, 0, 0x30, 0, 0, 0, 0]), {}))).toBe('DCAP_TD_ATTRIBUTES')
    expect(code(() => checkReportPolicy(td('td10', [0, 0, 0, 0x10, 0, 0, 0, 0x40]), {}))).toBe('DCAP_TD_ATTRIBUTES')
  })
  it('TD debug bit: refused unless allowDebug, then reported', () => {
    const dbg = td('td10', [1, 0, 0, 0x10, 0, 0, 0, 0])
    expect(code(() => checkReportPolicy(dbg, {}))).toBe('DCAP_DEBUG')
    expect(checkReportPolicy(dbg, { allowDebug: true })).toBe(true)
  })
  it('TD 1.5 MR_SERVICETD must be zero unless allowServiceTd', () => {
    expect(code(() => checkReportPolicy(td('td15', SEPT), {}))).toBe('ok')
    expect(code(() => checkReportPolicy(td('td15', SEPT, 1), {}))).toBe('DCAP_SERVICE_TD')
    expect(code(() => checkReportPolicy(td('td15', SEPT, 1), { allowServiceTd: true }))).toBe('ok')
  })
  it('SGX debug attribute', () => {
    const attributes = new Uint8Array(16)
    attributes[0] = 0x07
    const body = { type: 'sgx', attributes } as unknown as SgxReportBody
    expect(code(() => checkReportPolicy(body, {}))).toBe('DCAP_DEBUG')
    attributes[0] = 0x05
    expect(checkReportPolicy(body, {})).toBe(false)
  })
})

describe('TCB status merge', () => {
  it('takes the worse status and unions advisories in order', () => {
    expect(
      mergeTcb(
        { status: 'SWHardeningNeeded', advisoryIds: ['A', 'B'] },
        { status: 'OutOfDate', advisoryIds: ['B', 'C'] },
      ),
    ).toEqual({
      status: 'OutOfDate',
      advisoryIds: ['A', 'B', 'C'],
    })
    expect(mergeTcb({ status: 'Revoked', advisoryIds: [] }, { status: 'UpToDate', advisoryIds: [] }).status).toBe(
      'Revoked',
    )
    expect(
      mergeTcb({ status: 'ConfigurationNeeded', advisoryIds: [] }, { status: 'SWHardeningNeeded', advisoryIds: [] })
        .status,
    ).toBe('ConfigurationNeeded')
  })
})

describe('DER reader', () => {
  it('reads times, integers and serials; refuses overruns and non-minimal lengths', () => {
    const utc = Uint8Array.from([0x17, 13, ...Buffer.from('250704102844Z')])
    expect(timeOf(utc, readTop(utc))).toBe(1751624924)
    const gen = Uint8Array.from([0x18, 15, ...Buffer.from('20491231235959Z')])
    expect(timeOf(gen, readTop(gen))).toBe(Date.UTC(2049, 11, 31, 23, 59, 59) / 1000)
    const int = Uint8Array.from([0x02, 3, 0x00, 0xd0, 0xe8])
    expect(serialHexOf(int, readTop(int))).toBe('d0e8')
    expect(smallIntOf(int, readTop(int))).toBe(0xd0e8)
    // DerError carries no code (callers map it to their own); check the class and the reason
    const derError = (bytes: number[]) => {
      try {
        readTop(Uint8Array.from(bytes))
      } catch (e) {
        expect(e).toBeInstanceOf(DerError)
        return (e as DerError).message
      }
      return 'NO_ERROR'
    }
    expect(derError([0x30, 5, 1, 2])).toBe('TLV at 0 overruns its container')
    expect(derError([0x04, 0x81, 0x01, 0])).toBe('non-minimal length at 0')
    expect(derError([0x04, 1, 0, 0])).toBe('1 trailing bytes after DER value')
    const seq = Uint8Array.from([0x30, 6, 0x02, 1, 5, 0x04, 1, 9])
    expect(children(seq, readTop(seq)).map((t) => t.tag)).toEqual([TAG.INTEGER, TAG.OCTET_STRING])
  })
})
