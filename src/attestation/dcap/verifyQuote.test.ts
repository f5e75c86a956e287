import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  flipByte,
  flipChar,
  flipHex,
  flipPemCert,
  flipQuoteCert,
  loadVector,
  PINNED,
  quoteRegions,
  VECTORS,
  type VectorName,
} from '../../../test/support/dcapWorld.js'
import type { Collateral } from './collateral.js'
import { DcapError } from './errors.js'
import { intelSgxRootCaDer, prepareCollateral } from './prepareCollateral.js'
import { verifyQuote } from './verifyQuote.js'

function run(quote: Uint8Array, collateral: unknown, now: number, opts: { allowDebug?: boolean } = {}) {
  return verifyQuote(quote, prepareCollateral(collateral, undefined, now), { now, ...opts })
}

function codeOf(f: () => unknown): { code: string; what: unknown } {
  try {
    f()
  } catch (e) {
    if (e instanceof DcapError) return { code: e.code, what: e.meta.what }
    throw e
  }
  throw new Error('expected a DcapError, got success')
}

describe('DCAP vectors at their pinned time', () => {
  it('sgx_quote (v3) → ConfigurationAndSWHardeningNeeded + INTEL-SA-00289, INTEL-SA-00615', () => {
    const { quote, collateral } = loadVector('sgx_quote')
    const v = run(quote, collateral, PINNED.sgx_quote)
    expect(v.platform).toBe('sgx')
    expect(v.quoteVersion).toBe(3)
    expect(v.tcbStatus).toBe('ConfigurationAndSWHardeningNeeded')
    expect(v.advisoryIds).toEqual(['INTEL-SA-00289', 'INTEL-SA-00615'])
    expect(v.debug).toBe(false)
    expect(Buffer.from(v.fmspc).toString('hex')).toBe('00a067110000')
    expect(Buffer.from(v.measurements.mrEnclave ?? []).toString('hex')).toMatch(/^33d8736d.*2fbb$/)
    expect(Buffer.from(v.measurements.mrSigner ?? []).toString('hex')).toMatch(/^815f42f1.*e0e6$/)
    expect(v.ppid).toHaveLength(16)
  })

  it('tdx_quote (v4, TD 1.0) → UpToDate, no advisories', () => {
    const { quote, collateral } = loadVector('tdx_quote')
    const v = run(quote, collateral, PINNED.tdx_quote)
    expect(v.platform).toBe('tdx')
    expect(v.bodyType).toBe('td10')
    expect(v.tcbStatus).toBe('UpToDate')
    expect(v.advisoryIds).toEqual([])
    expect(Buffer.from(v.fmspc).toString('hex')).toBe('b0c06f000000')
    expect(v.measurements.mrTd).toHaveLength(48)
    expect(v.measurements.rtmr).toHaveLength(4)
    expect(v.reportData).toHaveLength(64)
  })

  it('tdx_quote_outdated (v5, TD 1.5) → DCAP_NO_TCB_LEVEL anywhere in its window', () => {
    const { quote, collateral } = loadVector('tdx_quote_outdated')
    for (const now of [PINNED.tdx_quote_outdated, 1771412400, 1773900000])
      expect(codeOf(() => run(quote, collateral, now)).code).toBe('DCAP_NO_TCB_LEVEL')
  })

  it('expectedReportData mismatch → DCAP_REPORT_DATA_MISMATCH', () => {
    const { quote, collateral } = loadVector('tdx_quote')
    const now = PINNED.tdx_quote
    const p = prepareCollateral(collateral, undefined, now)
    expect(codeOf(() => verifyQuote(quote, p, { now, expectedReportData: new Uint8Array(64) })).code).toBe(
      'DCAP_REPORT_DATA_MISMATCH',
    )
  })

  it('prepared collateral is reusable and re-checks time per call', () => {
    const { quote, collateral } = loadVector('tdx_quote')
    const p = prepareCollateral(collateral, undefined, PINNED.tdx_quote)
    expect(verifyQuote(quote, p, { now: PINNED.tdx_quote }).tcbStatus).toBe('UpToDate')
    expect(verifyQuote(quote, p, { now: PINNED.tdx_quote + 60 }).tcbStatus).toBe('UpToDate')
    expect(codeOf(() => verifyQuote(quote, p, { now: PINNED.tdx_quote + 40 * 86400 })).code).toBe('DCAP_EXPIRED')
  })
})

describe('real time', () => {
  const realNow = Math.floor(Date.now() / 1000)
  for (const name of Object.keys(PINNED) as VectorName[])
    it(`${name} at real time → DCAP_EXPIRED`, () => {
      const { quote, collateral } = loadVector(name)
      expect(codeOf(() => run(quote, collateral, realNow)).code).toBe('DCAP_EXPIRED')
    })
  it('before the collateral was issued → DCAP_EXPIRED', () => {
    const { quote, collateral } = loadVector('tdx_quote')
    expect(codeOf(() => run(quote, collateral, PINNED.tdx_quote - 30 * 86400)).code).toBe('DCAP_EXPIRED')
  })
})

describe('one-byte changes in the quote', () => {
  for (const name of ['sgx_quote', 'tdx_quote'] as const) {
    const { quote, collateral } = loadVector(name)
    const now = PINNED[name]
    const r = quoteRegions(quote)
    const cases: [string, number, string][] = [
      ['header (user_data)', r.header + 2, 'DCAP_QUOTE_SIGNATURE'],
      ['body start', r.bodyStart + 1, 'DCAP_QUOTE_SIGNATURE'],
      ['body end (report_data)', r.bodyEnd, 'DCAP_QUOTE_SIGNATURE'],
      ['quote signature r', r.quoteSignature + 3, 'DCAP_QUOTE_SIGNATURE'],
      ['quote signature s', r.quoteSignature + 63, 'DCAP_QUOTE_SIGNATURE'],
      ['attestation key', r.attestationKey + 10, 'DCAP_QE_BINDING'],
      ['QE report', r.qeReport + 5, 'DCAP_QE_REPORT_SIGNATURE'],
      ['QE report report_data', r.qeReport + 330, 'DCAP_QE_REPORT_SIGNATURE'],
      ['QE report signature', r.qeReportSignature + 40, 'DCAP_QE_REPORT_SIGNATURE'],
      ['QE auth data', r.qeAuthData + 1, 'DCAP_QE_BINDING'],
    ]
    for (const [what, at, code] of cases)
      it(`${name}: ${what} → ${code}`, () => {
        expect(codeOf(() => run(flipByte(quote, at), collateral, now)).code).toBe(code)
      })
    for (const at of [0.1, 0.3, 0.5, 0.75, 0.99]) {
      it(`${name}: PCK leaf byte ${at} → DCAP_CERT_CHAIN`, () => {
        const r2 = codeOf(() => run(flipQuoteCert(quote, 0, at), collateral, now))
        expect(r2).toEqual({
          code: 'DCAP_CERT_CHAIN',
          what: expect.stringMatching(/^PCK (leaf certificate|CA certificate|certificate chain)$/),
        })
      })
      it(`${name}: PCK CA byte ${at} → DCAP_CERT_CHAIN`, () => {
        expect(codeOf(() => run(flipQuoteCert(quote, 1, at), collateral, now)).code).toBe('DCAP_CERT_CHAIN')
      })
      it(`${name}: PCK chain root byte ${at} → untrusted root or broken chain`, () => {
        expect(['DCAP_UNTRUSTED_ROOT', 'DCAP_CERT_CHAIN']).toContain(
          codeOf(() => run(flipQuoteCert(quote, 2, at), collateral, now)).code,
        )
      })
    }
  }
  it('trailing non-zero byte after the signature data → DCAP_QUOTE_MALFORMED', () => {
    const { quote, collateral } = loadVector('tdx_quote')
    expect(codeOf(() => run(flipByte(quote, quote.length - 1), collateral, PINNED.tdx_quote)).code).toBe(
      'DCAP_QUOTE_MALFORMED',
    )
  })
  it('truncated quote → DCAP_QUOTE_MALFORMED', () => {
    const { quote, collateral } = loadVector('sgx_quote')
    expect(codeOf(() => run(quote.subarray(0, 1000), collateral, PINNED.sgx_quote)).code).toBe('DCAP_QUOTE_MALFORMED')
  })
  it('non-Intel QE vendor → DCAP_QE_VENDOR', () => {
    const { quote, collateral } = loadVector('tdx_quote')
    expect(codeOf(() => run(flipByte(quote, 12), collateral, PINNED.tdx_quote)).code).toBe('DCAP_QE_VENDOR')
  })
})

describe('one-byte changes in the collateral', () => {
  for (const name of ['sgx_quote', 'tdx_quote'] as const) {
    const { quote, collateral } = loadVector(name)
    const now = PINNED[name]
    const mutate = (patch: Partial<Collateral>) => ({ ...collateral, ...patch })
    const expectCode = (patch: Partial<Collateral>, codes: string[]) =>
      expect(codes).toContain(codeOf(() => run(quote, mutate(patch), now)).code)
    for (const at of [0.05, 0.4, 0.8, 0.99]) {
      for (const key of ['pck_crl_issuer_chain', 'tcb_info_issuer_chain', 'qe_identity_issuer_chain'] as const) {
        it(`${name}: ${key} signer/CA cert byte ${at} → DCAP_CERT_CHAIN`, () => {
          expectCode({ [key]: flipPemCert(collateral[key], 0, at) }, ['DCAP_CERT_CHAIN'])
        })
        it(`${name}: ${key} root cert byte ${at} → rejected`, () => {
          expectCode({ [key]: flipPemCert(collateral[key], 1, at) }, ['DCAP_UNTRUSTED_ROOT', 'DCAP_CERT_CHAIN'])
        })
      }
      for (const key of ['root_ca_crl', 'pck_crl'] as const) {
        it(`${name}: ${key} byte ${at} → DCAP_CRL_INVALID`, () => {
          const hex = collateral[key] as string
          expectCode({ [key]: flipHex(hex, Math.floor((hex.length / 2) * at)) }, ['DCAP_CRL_INVALID'])
        })
      }
      it(`${name}: tcb_info byte ${at} → DCAP_TCB_INFO_SIGNATURE`, () => {
        expectCode({ tcb_info: flipChar(collateral.tcb_info, Math.floor(collateral.tcb_info.length * at)) }, [
          'DCAP_TCB_INFO_SIGNATURE',
        ])
      })
      it(`${name}: tcb_info_signature byte ${at} → DCAP_TCB_INFO_SIGNATURE`, () => {
        expectCode({ tcb_info_signature: flipHex(collateral.tcb_info_signature as string, Math.floor(63 * at)) }, [
          'DCAP_TCB_INFO_SIGNATURE',
        ])
      })
      it(`${name}: qe_identity byte ${at} → DCAP_QE_IDENTITY_SIGNATURE`, () => {
        expectCode({ qe_identity: flipChar(collateral.qe_identity, Math.floor(collateral.qe_identity.length * at)) }, [
          'DCAP_QE_IDENTITY_SIGNATURE',
        ])
      })
      it(`${name}: qe_identity_signature byte ${at} → DCAP_QE_IDENTITY_SIGNATURE`, () => {
        expectCode(
          { qe_identity_signature: flipHex(collateral.qe_identity_signature as string, Math.floor(63 * at)) },
          ['DCAP_QE_IDENTITY_SIGNATURE'],
        )
      })
    }
    it(`${name}: re-serialised tcb_info (same JSON value) → DCAP_TCB_INFO_SIGNATURE`, () => {
      expectCode({ tcb_info: JSON.stringify(JSON.parse(collateral.tcb_info), null, 1) }, ['DCAP_TCB_INFO_SIGNATURE'])
    })
    it(`${name}: unparseable CRLs are failures → DCAP_CRL_INVALID`, () => {
      expectCode({ root_ca_crl: '3000' }, ['DCAP_CRL_INVALID'])
      expectCode({ pck_crl: (collateral.pck_crl as string).slice(0, 200) }, ['DCAP_CRL_INVALID'])
      expectCode({ pck_crl: 'zz' }, ['DCAP_COLLATERAL_MALFORMED'])
    })
  }
  it('collateral of another platform: sgx quote with tdx collateral → rejected before TCB match', () => {
    const sgx = loadVector('sgx_quote')
    const tdx = loadVector('tdx_quote')
    expect(codeOf(() => run(sgx.quote, tdx.collateral, PINNED.tdx_quote)).code).toBe('DCAP_TCB_INFO_INVALID')
  })
  it('missing collateral key → DCAP_COLLATERAL_MALFORMED', () => {
    const { collateral } = loadVector('tdx_quote')
    const { pck_crl: _, ...rest } = collateral
    expect(codeOf(() => prepareCollateral(rest, undefined, PINNED.tdx_quote)).code).toBe('DCAP_COLLATERAL_MALFORMED')
  })
  it('a different trusted root → DCAP_UNTRUSTED_ROOT', () => {
    const { collateral } = loadVector('tdx_quote')
    const leafDer = new Uint8Array(
      Buffer.from(
        collateral.tcb_info_issuer_chain.split('-----END CERTIFICATE-----')[0]?.split('-----')[2]?.replace(/\s/g, '') ??
          '',
        'base64',
      ),
    )
    expect(codeOf(() => prepareCollateral(collateral, leafDer, PINNED.tdx_quote)).code).toBe('DCAP_UNTRUSTED_ROOT')
  })
})

describe('trust anchor', () => {
  it('the embedded Intel SGX Root CA is the vectors’ root and has the pinned fingerprint', () => {
    const der = intelSgxRootCaDer()
    expect(Buffer.from(der).equals(readFileSync(resolve(VECTORS, 'intel_sgx_root_ca.der')))).toBe(true)
    expect(createHash('sha256').update(der).digest('hex')).toBe(
      '44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3',
    )
  })
})
