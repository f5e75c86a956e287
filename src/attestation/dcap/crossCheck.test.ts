/**
 * Cross-check against @phala/dcap-qvl (the pure-JS reference). Where it accepts, status and advisories must be
 * identical; every case where ours is stricter is listed below with the reason, and asserted.
 */
import { createRequire } from 'node:module'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  buildTestWorld,
  flipByte,
  flipHex,
  loadVector,
  PINNED,
  quoteRegions,
  type TestWorld,
  type VectorName,
} from '../../../test/support/dcapWorld.js'
import { DcapError } from './errors.js'
import { prepareCollateral } from './prepareCollateral.js'
import { verifyQuote } from './verifyQuote.js'

interface QvlReport {
  status: string
  advisory_ids: string[]
}
interface Qvl {
  verify(raw: Uint8Array, collateral: unknown, nowSecs: number): QvlReport
  QuoteVerifier: { newWithRootCa(der: Buffer): { verify(raw: Uint8Array, c: unknown, now: number): QvlReport } }
}
const qvl = createRequire(import.meta.url)('@phala/dcap-qvl') as Qvl

type Outcome = { ok: true; status: string; advisoryIds: string[] } | { ok: false; error: string }

function theirs(quote: Uint8Array, col: unknown, now: number, rootDer?: Uint8Array): Outcome {
  try {
    const r = rootDer
      ? qvl.QuoteVerifier.newWithRootCa(Buffer.from(rootDer)).verify(Buffer.from(quote), col, now)
      : qvl.verify(Buffer.from(quote), col, now)
    return { ok: true, status: r.status, advisoryIds: [...r.advisory_ids] }
  } catch (e) {
    return { ok: false, error: (e as Error).message }
  }
}

function ours(quote: Uint8Array, col: unknown, now: number, rootDer?: Uint8Array): Outcome {
  try {
    const v = verifyQuote(quote, prepareCollateral(col, rootDer, now), { now })
    return { ok: true, status: v.tcbStatus, advisoryIds: v.advisoryIds }
  } catch (e) {
    if (e instanceof DcapError) return { ok: false, error: e.code }
    throw e
  }
}

/** Where dcap-qvl accepts, we must give the identical verdict (or be stricter in a listed case). */
function expectSame(quote: Uint8Array, col: unknown, now: number): Outcome {
  const t = theirs(quote, col, now)
  const o = ours(quote, col, now)
  if (t.ok) expect(o).toEqual(t)
  else expect(o.ok).toBe(false)
  return o
}

describe('cross-check with @phala/dcap-qvl on the shared vectors', () => {
  for (const name of Object.keys(PINNED) as VectorName[]) {
    const { quote, collateral } = loadVector(name)
    it(`${name} at its pinned time: same verdict`, () => {
      const o = expectSame(quote, collateral, PINNED[name])
      if (name === 'tdx_quote_outdated') {
        expect(theirs(quote, collateral, PINNED[name])).toEqual({ ok: false, error: 'No matching TCB level found' })
        expect(o).toEqual({ ok: false, error: 'DCAP_NO_TCB_LEVEL' })
      } else expect(o.ok).toBe(true)
    })
    it(`${name} at real time: both reject (ours: DCAP_EXPIRED)`, () => {
      const now = Math.floor(Date.now() / 1000)
      expect(theirs(quote, collateral, now).ok).toBe(false)
      expect(ours(quote, collateral, now)).toEqual({ ok: false, error: 'DCAP_EXPIRED' })
    })
  }
  for (const name of ['sgx_quote', 'tdx_quote'] as const) {
    const { quote, collateral } = loadVector(name)
    const r = quoteRegions(quote)
    it(`${name}: signed-region flips are rejected by both`, () => {
      for (const at of [
        r.header + 1,
        r.bodyStart + 7,
        r.quoteSignature + 1,
        r.attestationKey,
        r.qeReport + 100,
        r.qeReportSignature + 1,
        r.qeAuthData,
      ]) {
        expect(theirs(flipByte(quote, at), collateral, PINNED[name]).ok).toBe(false)
        expect(ours(flipByte(quote, at), collateral, PINNED[name]).ok).toBe(false)
      }
    })
  }
})

describe('cases where ours is stricter than @phala/dcap-qvl 0.3.9 (each asserted)', () => {
  const { quote, collateral } = loadVector('tdx_quote')
  const now = PINNED.tdx_quote
  const stricter = (q: Uint8Array, col: unknown, code: string, root?: Uint8Array) => {
    expect(theirs(q, col, now, root).ok).toBe(true)
    expect(ours(q, col, now, root)).toEqual({ ok: false, error: code })
  }
  let world: TestWorld
  beforeAll(async () => {
    world = await buildTestWorld()
  })

  it('1. root CA CRL with a flipped byte: dcap-qvl never checks CRL signatures', () => {
    const hex = collateral.root_ca_crl as string
    stricter(quote, { ...collateral, root_ca_crl: flipHex(hex, 60) }, 'DCAP_CRL_INVALID')
  })
  it('2. PCK CRL with a flipped byte in its signed part: same reason', () => {
    const hex = collateral.pck_crl as string
    stricter(quote, { ...collateral, pck_crl: flipHex(hex, 200) }, 'DCAP_CRL_INVALID')
  })
  it('3. unparseable CRL: dcap-qvl ignores CRL parse errors, we fail closed', () => {
    stricter(quote, { ...collateral, pck_crl: (collateral.pck_crl as string).slice(0, 400) }, 'DCAP_CRL_INVALID')
    stricter(quote, { ...collateral, root_ca_crl: '3000' }, 'DCAP_CRL_INVALID')
  })
  it('4. non-zero bytes after the signature data: dcap-qvl ignores trailing bytes, we allow only zero padding', () => {
    stricter(flipByte(quote, quote.length - 1), collateral, 'DCAP_QUOTE_MALFORMED')
  })
  it('5. PCK CRL issued by a CA other than the quote chain’s: dcap-qvl matches serials only, never the issuer', async () => {
    stricter(world.quote(), await world.collateral({ pckCrlIssuer: 'other' }), 'DCAP_CRL_INVALID', world.rootDer)
  })
  it('6. TDX module identity: MRSIGNER_SEAM ≠ tdxModule.mrsigner (JS port skips the module step)', async () => {
    stricter(
      world.quote({
        body: (b) => {
          b[64] = 1
        },
      }),
      await world.collateral(),
      'DCAP_TDX_MODULE_MISMATCH',
      world.rootDer,
    )
  })
  it('7. TDX module status is merged: module ISVSVN below TDX_01’s UpToDate level → OutOfDate (dcap-qvl: UpToDate)', async () => {
    // re-issued TCB Info whose TDX_01 UpToDate level needs module ISVSVN 7; the quote's module ISVSVN is 6
    const tcbInfo = loadVector('tdx_quote').collateral.tcb_info.replace('{"tcb":{"isvsvn":4}', '{"tcb":{"isvsvn":7}')
    const col = await world.collateral({ tcbInfo })
    expect(theirs(world.quote(), col, now, world.rootDer)).toMatchObject({ ok: true, status: 'UpToDate' })
    expect(ours(world.quote(), col, now, world.rootDer)).toMatchObject({ ok: true, status: 'OutOfDate' })
  })
  it('8. QE vendor ID other than Intel’s (JS port does not check it)', async () => {
    // the header is signed, so only a re-signed quote can carry another vendor id
    const q = world.quote({
      header: (h) => {
        h[12] = (h[12] as number) ^ 1
      },
    })
    stricter(q, await world.collateral(), 'DCAP_QE_VENDOR', world.rootDer)
  })
  it('9. CRL past its nextUpdate while TCB Info / QE Identity are current: dcap-qvl checks no CRL dates', async () => {
    // test CRL window is 2025-06-01 → 2025-08-01; TCB Info and QE Identity re-issued until 2025-09-01
    const later = Date.parse('2025-08-15T00:00:00Z') / 1000
    const real = loadVector('tdx_quote').collateral
    const extend = (s: string) => s.replace(/"nextUpdate":"[^"]+"/, '"nextUpdate":"2025-09-01T00:00:00Z"')
    const col = await world.collateral({ tcbInfo: extend(real.tcb_info), qeIdentity: extend(real.qe_identity) })
    expect(theirs(world.quote(), col, later, world.rootDer)).toMatchObject({ ok: true, status: 'UpToDate' })
    expect(ours(world.quote(), col, later, world.rootDer)).toEqual({ ok: false, error: 'DCAP_EXPIRED' })
  })
  it('10. PPID: dcap-qvl 0.3.9 returns an empty ppid for real PCK certificates; ours returns the 16-byte PPID', () => {
    const r = qvl.verify(Buffer.from(quote), collateral, now) as QvlReport & { ppid: Buffer }
    expect(r.ppid).toHaveLength(0)
    expect(verifyQuote(quote, prepareCollateral(collateral, undefined, now), { now }).ppid).toHaveLength(16)
  })
})

describe('the one case where dcap-qvl 0.3.9 rejects and we accept (we follow Intel QVL)', () => {
  it('TDX module major version > 0: tee_tcb_svn[0..1] are judged by tdxModuleIdentities, not tdxtcbcomponents', async () => {
    // Intel QVL tdxEvaluateTCB: start_index = teeTcbSvn[1] > 0 ? 2 : 0. dcap-qvl JS compares all 16 bytes.
    const world = await buildTestWorld()
    const q = world.quote({
      body: (b) => {
        b[0] = 3
      },
    }) // module ISVSVN 3: TDX_01 level isvsvn 2 → OutOfDate
    const col = await world.collateral()
    const now = PINNED.tdx_quote
    expect(theirs(q, col, now, world.rootDer)).toEqual({ ok: false, error: 'No matching TCB level found' })
    expect(ours(q, col, now, world.rootDer)).toMatchObject({ ok: true, status: 'OutOfDate' })
  })
})
