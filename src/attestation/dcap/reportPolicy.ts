import type { ReportBody } from '../quote/types.js'
import { DcapError } from './errors.js'

/**
 * Report policy (attestation.md §2 step 12). SGX: DEBUG (attributes bit 1). TDX: TUD.DEBUG (bit 0), the other
 * TUD bits and all reserved bits must be 0, SEPT_VE_DISABLE (bit 28) must be 1; TD 1.5 MR_SERVICETD must be
 * zero unless allowed. Returns whether the report is a debug one (only when allowDebug).
 * @throws DcapError DCAP_DEBUG | DCAP_TD_ATTRIBUTES | DCAP_SERVICE_TD
 */
export function checkReportPolicy(body: ReportBody, opts: { allowDebug?: boolean; allowServiceTd?: boolean }): boolean {
  let debug: boolean
  if (body.type === 'sgx') {
    debug = ((body.attributes[0] as number) & 0x02) !== 0
  } else {
    const a = body.tdAttributes
    const lo = new DataView(a.buffer, a.byteOffset, 8).getUint32(0, true)
    const hi = new DataView(a.buffer, a.byteOffset, 8).getUint32(4, true)
    debug = (lo & 1) !== 0
    // bits 1..7 (TUD reserved), 8..27 and 29 (SEC reserved); bits 32..62 (OTHER reserved)
    const reservedLo = lo & 0x2ffffffe
    const reservedHi = hi & 0x7fffffff
    if (reservedLo !== 0 || reservedHi !== 0)
      throw new DcapError('DCAP_TD_ATTRIBUTES', 'TD attributes have reserved bits set', { what: 'td_attributes' })
    if ((lo & (1 << 28)) === 0)
      throw new DcapError(
        'DCAP_TD_ATTRIBUTES',
        'TD attribute SEPT_VE_DISABLE is clear; the TD must disable EPT-violation #VE',
        {
          what: 'td_attributes',
        },
      )
    if (body.mrServiceTd?.some((b) => b !== 0) && !opts.allowServiceTd)
      throw new DcapError('DCAP_SERVICE_TD', 'TD 1.5 MR_SERVICETD is bound; service TDs are not allowed', {
        what: 'mr_servicetd',
      })
  }
  if (debug && !opts.allowDebug)
    throw new DcapError(
      'DCAP_DEBUG',
      `${body.type === 'sgx' ? 'enclave' : 'TD'} runs in debug mode; debug evidence is not accepted`,
      {
        what: body.type === 'sgx' ? 'attributes' : 'td_attributes',
      },
    )
  return debug
}
