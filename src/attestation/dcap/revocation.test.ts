import { sha256 } from '@noble/hashes/sha2.js'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestWorld, loadVector, PINNED, type TestWorld } from '../../../test/support/dcapWorld.js'
import { codeOfAsync } from '../../../test/support/errors.js'
import { replayRuntimeEvents } from '../dstack/index.js'
import type { Attestation, RuntimeEvent } from '../types.js'
import { createVerifier } from '../verifier.js'
import { normSerial } from './certs.js'
import { createDcapVerifier } from './createDcapVerifier.js'
import { prepareCollateral } from './prepareCollateral.js'
import { verifyQuote } from './verifyQuote.js'

const NOW = PINNED.tdx_quote
let world: TestWorld

beforeAll(async () => {
  world = await buildTestWorld()
})

const TD_ATTR = 120 // td_attributes offset inside the TD report body

/** Replace the first platform tcbLevels status (the main tcbLevels array comes after tdxModuleIdentities). */
function withPlatformStatus(status: string): string {
  const s = loadVector('tdx_quote').collateral.tcb_info
  const at = s.lastIndexOf('"tcbLevels":')
  return s.slice(0, at) + s.slice(at).replace('"tcbStatus":"UpToDate"', `"tcbStatus":"${status}"`)
}

describe('synthetic DCAP world (own test root CA)', () => {
  it('a well-formed test chain verifies with the test root as trust anchor', async () => {
    const p = prepareCollateral(await world.collateral(), world.rootDer, NOW)
    const v = verifyQuote(world.quote(), p, { now: NOW })
    expect(v.tcbStatus).toBe('UpToDate')
    expect(v.ppid).toEqual(world.ppid)
  })

  it('the same collateral is refused under the pinned Intel root', async () => {
    const col = await world.collateral()
    expect(await codeOfAsync(() => prepareCollateral(col, undefined, NOW))).toBe('DCAP_UNTRUSTED_ROOT')
  })

  it('a PCK leaf listed in the PCK CRL → DCAP_PCK_REVOKED', async () => {
    const p = prepareCollateral(
      await world.collateral({ pckRevoked: [world.pckLeaf.serialNumber] }),
      world.rootDer,
      NOW,
    )
    expect(await codeOfAsync(() => verifyQuote(world.quote(), p, { now: NOW }))).toBe('DCAP_PCK_REVOKED')
  })

  it('a PCK CA listed in the root CA CRL → DCAP_CERT_REVOKED', async () => {
    // the collateral's PCK CRL issuer chain already holds the CA, so prepare refuses it
    const col = await world.collateral({ rootRevoked: [world.pckCa.serialNumber] })
    expect(await codeOfAsync(() => prepareCollateral(col, world.rootDer, NOW))).toBe('DCAP_CERT_REVOKED')
  })

  it('a TCB signing cert listed in the root CA CRL → DCAP_CERT_REVOKED', async () => {
    const col = await world.collateral({ rootRevoked: [world.tcbSigner.serialNumber] })
    expect(await codeOfAsync(() => prepareCollateral(col, world.rootDer, NOW))).toBe('DCAP_CERT_REVOKED')
  })

  it('a PCK CRL from another CA than the quote chain’s → DCAP_CRL_INVALID', async () => {
    const p = prepareCollateral(await world.collateral({ pckCrlIssuer: 'other' }), world.rootDer, NOW)
    expect(await codeOfAsync(() => verifyQuote(world.quote(), p, { now: NOW }))).toBe('DCAP_CRL_INVALID')
  })

  it('a Revoked TCB level → DCAP_TCB_REVOKED', async () => {
    const tcbInfo = withPlatformStatus('Revoked')
    const p = prepareCollateral(await world.collateral({ tcbInfo }), world.rootDer, NOW)
    expect(await codeOfAsync(() => verifyQuote(world.quote(), p, { now: NOW }))).toBe('DCAP_TCB_REVOKED')
  })

  it('an unknown TCB status → DCAP_TCB_STATUS_UNKNOWN', async () => {
    const tcbInfo = withPlatformStatus('Mystery')
    const p = prepareCollateral(await world.collateral({ tcbInfo }), world.rootDer, NOW)
    expect(await codeOfAsync(() => verifyQuote(world.quote(), p, { now: NOW }))).toBe('DCAP_TCB_STATUS_UNKNOWN')
  })

  it('FMSPC of another platform → DCAP_FMSPC_MISMATCH', async () => {
    const tcbInfo = loadVector('tdx_quote').collateral.tcb_info.replace(
      '"fmspc":"B0C06F000000"',
      '"fmspc":"B0C06F000001"',
    )
    const p = prepareCollateral(await world.collateral({ tcbInfo }), world.rootDer, NOW)
    expect(await codeOfAsync(() => verifyQuote(world.quote(), p, { now: NOW }))).toBe('DCAP_FMSPC_MISMATCH')
  })

  it('TDX module version with no module identity → DCAP_NO_TCB_LEVEL; module SVN too low → DCAP_NO_TCB_LEVEL', async () => {
    const p = prepareCollateral(await world.collateral(), world.rootDer, NOW)
    const v7 = world.quote({
      body: (b) => {
        b[1] = 7
      },
    })
    expect(await codeOfAsync(() => verifyQuote(v7, p, { now: NOW }))).toBe('DCAP_NO_TCB_LEVEL')
    const low = world.quote({
      body: (b) => {
        b[0] = 1
      },
    })
    expect(await codeOfAsync(() => verifyQuote(low, p, { now: NOW }))).toBe('DCAP_NO_TCB_LEVEL')
  })

  it('module SVN between levels merges the module status (OutOfDate)', async () => {
    const p = prepareCollateral(await world.collateral(), world.rootDer, NOW)
    const q = world.quote({
      body: (b) => {
        b[0] = 3
      },
    }) // TDX_01 levels: isvsvn 4 UpToDate, 2 OutOfDate
    expect(verifyQuote(q, p, { now: NOW }).tcbStatus).toBe('OutOfDate')
  })

  it('non-zero MRSIGNER_SEAM → DCAP_TDX_MODULE_MISMATCH', async () => {
    const p = prepareCollateral(await world.collateral(), world.rootDer, NOW)
    const q = world.quote({
      body: (b) => {
        b[64] = 1
      },
    })
    expect(await codeOfAsync(() => verifyQuote(q, p, { now: NOW }))).toBe('DCAP_TDX_MODULE_MISMATCH')
  })

  it('debug TD → DCAP_DEBUG unless allowDebug', async () => {
    const p = prepareCollateral(await world.collateral(), world.rootDer, NOW)
    const q = world.quote({
      body: (b) => {
        b[TD_ATTR] = (b[TD_ATTR] as number) | 1
      },
    })
    expect(await codeOfAsync(() => verifyQuote(q, p, { now: NOW }))).toBe('DCAP_DEBUG')
    const v = verifyQuote(q, p, { now: NOW, allowDebug: true })
    expect(v.debug).toBe(true)
  })

  it('SEPT_VE_DISABLE clear or a reserved TD attribute bit → DCAP_TD_ATTRIBUTES', async () => {
    const p = prepareCollateral(await world.collateral(), world.rootDer, NOW)
    const noSept = world.quote({
      body: (b) => {
        b[TD_ATTR + 3] = (b[TD_ATTR + 3] as number) & ~0x10
      },
    })
    expect(await codeOfAsync(() => verifyQuote(noSept, p, { now: NOW }))).toBe('DCAP_TD_ATTRIBUTES')
    const reserved = world.quote({
      body: (b) => {
        b[TD_ATTR + 5] = 1
      },
    })
    expect(await codeOfAsync(() => verifyQuote(reserved, p, { now: NOW }))).toBe('DCAP_TD_ATTRIBUTES')
  })

  it('test PCK leaf expired → DCAP_EXPIRED (certificate validity is checked per call)', async () => {
    const p = prepareCollateral(await world.collateral(), world.rootDer, NOW)
    expect(await codeOfAsync(() => verifyQuote(world.quote(), p, { now: Date.parse('2027-02-01') / 1000 }))).toBe(
      'DCAP_EXPIRED',
    )
  })

  it('serial normalisation matches CRL entries with and without a leading zero', () => {
    expect(normSerial('00D0E8AA')).toBe(normSerial('d0e8aa'))
  })
})

describe('createDcapVerifier (EvidenceVerifier)', () => {
  const events: RuntimeEvent[] = [
    { event: 'app-id', payload: new Uint8Array(20).fill(0xaa) },
    { event: 'compose-hash', payload: new Uint8Array(32).fill(0xbb) },
    { event: 'instance-id', payload: new Uint8Array(20).fill(0xcc) },
    { event: 'boot-mr-done', payload: new Uint8Array(0) },
  ]
  const reportData = new Uint8Array(64).fill(7)
  const config = JSON.stringify({ os_image_hash: 'dd'.repeat(32) })

  function attestation(): Attestation {
    const rtmr3 = replayRuntimeEvents(events)
    const quote = world.quote({
      body: (b) => {
        b.set(rtmr3, 328 + 3 * 48)
        b.set(reportData, 520)
      },
    })
    return { quote: { type: 'tdx', quote, eventLog: [] }, runtimeEvents: events, reportData, config }
  }

  it('returns the dstack Identity (device_id = sha256(PPID), app fields from the events)', async () => {
    const col = await world.collateral()
    let calls = 0
    const verifier = createDcapVerifier({
      collateralProvider: async () => {
        calls++
        return col
      },
      trustedRootDer: world.rootDer,
    })
    const att = attestation()
    const id = await verifier.verify(att, { now: NOW })
    expect(id.platform).toBe('tdx')
    expect(id.tcbStatus).toBe('UpToDate')
    expect(id.deviceId).toEqual(sha256(world.ppid))
    expect(id.appId).toEqual(new Uint8Array(20).fill(0xaa))
    expect(id.composeHash).toEqual(new Uint8Array(32).fill(0xbb))
    expect(id.instanceId).toEqual(new Uint8Array(20).fill(0xcc))
    expect(id.reportData).toEqual(reportData)
    expect(id.mrAggregated).toHaveLength(32)
    expect(id.measurements.rtmr?.[3]).toEqual(replayRuntimeEvents(events))
    await verifier.verify(att, { now: NOW + 1 })
    expect(calls).toBe(2)
  })

  it('plugs into createVerifier({ dcap }) (real quotes are routed to it)', async () => {
    const col = await world.collateral()
    const dcap = createDcapVerifier({ collateralProvider: async () => col, trustedRootDer: world.rootDer })
    const verifier = createVerifier({ trustSimulated: false, simulatedRoots: [], dcap })
    const id = await verifier.verify(attestation(), { now: NOW })
    expect(id.platform).toBe('tdx')
    expect(id.deviceId).toEqual(sha256(world.ppid))
  })

  it('refuses a runtime event log that does not replay to RTMR3, and a wrong report_data', async () => {
    const col = await world.collateral()
    const verifier = createDcapVerifier({ collateralProvider: async () => col, trustedRootDer: world.rootDer })
    const att = attestation()
    expect(await codeOfAsync(() => verifier.verify({ ...att, runtimeEvents: events.slice(1) }, { now: NOW }))).toBe(
      'DCAP_EVENT_LOG_MISMATCH',
    )
    expect(await codeOfAsync(() => verifier.verify({ ...att, reportData: new Uint8Array(64) }, { now: NOW }))).toBe(
      'DCAP_REPORT_DATA_MISMATCH',
    )
    expect(
      await codeOfAsync(() =>
        verifier.verify(
          { quote: { type: 'nitro', nsmQuote: new Uint8Array(1) }, runtimeEvents: [], reportData, config },
          { now: NOW },
        ),
      ),
    ).toBe('DCAP_UNSUPPORTED')
  })

  it('real sgx_quote through the verifier → SGX identity', async () => {
    const { quote, collateral } = loadVector('sgx_quote')
    const verifier = createDcapVerifier({ collateralProvider: async () => collateral })
    const v = verifyQuote(quote, prepareCollateral(collateral, undefined, PINNED.sgx_quote), { now: PINNED.sgx_quote })
    const id = await verifier.verify(
      { quote: { type: 'tdx', quote, eventLog: [] }, runtimeEvents: [], reportData: v.reportData, config: '' },
      { now: PINNED.sgx_quote },
    )
    expect(id.platform).toBe('sgx')
    expect(id.tcbStatus).toBe('ConfigurationAndSWHardeningNeeded')
    expect(id.deviceId).toEqual(sha256(v.ppid))
    expect(id.mrAggregated).toEqual(v.measurements.mrEnclave)
  })
})
