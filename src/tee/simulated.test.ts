import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createSimulatedRootCa,
  createVerifier,
  DcapError,
  decodeVersionedAttestation,
  encodeVersionedAttestation,
  parseQuote,
  readSimulatedPck,
  SIMULATED_FMSPC,
  simulatedFmspc,
} from '../attestation/index.js'
import { toHex, utf8ToBytes } from '../crypto/index.js'
import { createTeePlatform } from './createTeePlatform.js'
import { TeeError } from './errors.js'
import { SimulatedTee } from './simulated.js'
import { derToPemText, newP256Key } from './simulatedFiles.js'
import { MACHINE_FILES, provisionSimulatedMachine, provisionSimulatedMachineInMemory } from './simulatedMachine.js'
import {
  createSimulatedVendorInMemory,
  loadOrCreateSimulatedVendor,
  loadSimulatedTrustAnchor,
  VENDOR_FILES,
  VENDOR_KEY_FILE,
} from './simulatedVendor.js'

const now = () => Math.floor(Date.now() / 1000)
const osImageHash = 'ab'.repeat(32)
const rd = (n: number) => new Uint8Array(64).fill(n)

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'custos-simtee-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('SimulatedTee (in memory)', () => {
  it('attests a workload that verifies to the expected dstack identity', async () => {
    const vendor = await createSimulatedVendorInMemory()
    const ppid = new Uint8Array(16).fill(0x42)
    const machine = await provisionSimulatedMachineInMemory({ vendor, ppid })
    const appCompose = '{"name":"app","runner":"docker-compose"}'
    const instanceId = new Uint8Array(20).fill(5)
    const tee = new SimulatedTee({ machine, workload: { appCompose, osImageHash, instanceId } })
    expect([tee.driver, tee.platform, tee.simulated]).toEqual(['simulated', 'simulated', true])
    const att = decodeVersionedAttestation(encodeVersionedAttestation(await tee.attest(rd(7))))
    expect(att.runtimeEvents.map((e) => e.event)).toEqual([
      'system-preparing',
      'app-id',
      'compose-hash',
      'instance-id',
      'boot-mr-done',
      'os-image-hash',
      'system-ready',
    ])
    expect(JSON.parse(att.config)).toEqual({ os_image_hash: osImageHash })
    const verifier = createVerifier({ trustSimulated: true, simulatedRoots: [vendor] })
    const id = await verifier.verify(att, { now: now(), expectedReportData: rd(7) })
    const composeHash = sha256(utf8ToBytes(appCompose))
    expect(toHex(id.composeHash)).toBe(toHex(composeHash))
    expect(toHex(id.appId)).toBe(toHex(composeHash.slice(0, 20)))
    expect(id.instanceId).toEqual(instanceId)
    expect(id.deviceId).toEqual(sha256(ppid))
    expect(toHex(id.osImageHash)).toBe(osImageHash)
    expect(id.tcbStatus).toBe('UpToDate')
    expect(id.platform).toBe('simulated')
  })

  it('explicit app id / compose hash, noInstanceId, key provider, debug', async () => {
    const vendor = await createSimulatedVendorInMemory()
    const machine = await provisionSimulatedMachineInMemory({ vendor })
    const appId = new Uint8Array(20).fill(0xaa)
    const composeHash = new Uint8Array(32).fill(0xcc)
    const tee = new SimulatedTee({
      machine,
      workload: {
        appId,
        composeHash,
        noInstanceId: true,
        osImageHash,
        keyProviderInfo: '{"name":"none"}',
        debug: true,
      },
    })
    const att = await tee.attest(rd(1))
    const lax = createVerifier({ trustSimulated: true, simulatedRoots: [vendor], allowDebug: true })
    const id = await lax.verify(att, { now: now() })
    expect(id.appId).toEqual(appId)
    expect(id.composeHash).toEqual(composeHash)
    expect(id.instanceId).toHaveLength(0)
    expect(new TextDecoder().decode(id.keyProviderInfo)).toBe('{"name":"none"}')
    expect(id.debug).toBe(true)
    const strict = createVerifier({ trustSimulated: true, simulatedRoots: [vendor] })
    await expect(strict.verify(att, { now: now() })).rejects.toMatchObject({ code: 'DCAP_DEBUG' })
  })

  it('app events after system-ready change RTMR3 but not identity fields, and still verify', async () => {
    const vendor = await createSimulatedVendorInMemory()
    const machine = await provisionSimulatedMachineInMemory({ vendor })
    const tee = new SimulatedTee({ machine, workload: { osImageHash } })
    const before = await tee.attest(rd(0))
    const v = createVerifier({ trustSimulated: true, simulatedRoots: [vendor] })
    const id1 = await v.verify(before, { now: now() })
    tee.emitEvent('app-id', new Uint8Array(20).fill(0xee))
    const id2 = await v.verify(await tee.attest(rd(0)), { now: now() })
    expect(id2.appId).toEqual(id1.appId)
    expect(toHex(id2.mrAggregated)).not.toBe(toHex(id1.mrAggregated))
  })

  it('refuses report data that is not 64 bytes', async () => {
    const vendor = await createSimulatedVendorInMemory()
    const tee = new SimulatedTee({
      machine: await provisionSimulatedMachineInMemory({ vendor }),
      workload: { osImageHash },
    })
    await expect(tee.attest(new Uint8Array(32))).rejects.toMatchObject({ code: 'TEE_BAD_REPORT_DATA' })
  })

  it('evidence from another vendor is refused', async () => {
    const [a, b] = [await createSimulatedVendorInMemory(), await createSimulatedVendorInMemory()]
    const tee = new SimulatedTee({
      machine: await provisionSimulatedMachineInMemory({ vendor: a }),
      workload: { osImageHash },
    })
    const v = createVerifier({ trustSimulated: true, simulatedRoots: [b] })
    const err = await v.verify(await tee.attest(rd(0)), { now: now() }).catch((e) => e)
    expect(err).toBeInstanceOf(DcapError)
    expect(err.code).toBe('DCAP_UNTRUSTED_ROOT')
  })
})

describe('sealing keys', () => {
  it('bound to workload identity and machine', async () => {
    const vendor = await createSimulatedVendorInMemory()
    const m1 = await provisionSimulatedMachineInMemory({ vendor })
    const m2 = await provisionSimulatedMachineInMemory({ vendor })
    const w = { appCompose: '{"a":1}', instanceId: new Uint8Array(20).fill(1), osImageHash }
    const k = async (machine: typeof m1, workload: typeof w) =>
      toHex((await new SimulatedTee({ machine, workload }).sealingKey()).expose())
    const base = await k(m1, w)
    expect(base).toHaveLength(64)
    expect(await k(m1, w)).toBe(base)
    expect(await k(m1, { ...w, appCompose: '{"a":2}' })).not.toBe(base)
    expect(await k(m1, { ...w, osImageHash: 'cd'.repeat(32) })).not.toBe(base)
    expect(await k(m2, w)).not.toBe(base)
    const tee = new SimulatedTee({ machine: m1, workload: w })
    tee.emitEvent('later', Uint8Array.of(1))
    expect(toHex((await tee.sealingKey()).expose())).toBe(base)
  })
})

describe('simulated vendor and machine files', () => {
  it('creates 0600 secrets once and reloads the same identity', async () => {
    const vdir = join(dir, 'vendor')
    const mdir = join(dir, 'machine')
    const v1 = await loadOrCreateSimulatedVendor(vdir)
    expect((await stat(join(vdir, VENDOR_KEY_FILE))).mode & 0o777).toBe(0o600)
    expect(await readFile(join(vdir, 'simulated-root-ca.pem'), 'utf8')).toContain('BEGIN CERTIFICATE')
    const v2 = await loadOrCreateSimulatedVendor(vdir)
    expect(v2.rootCertDer).toEqual(v1.rootCertDer)

    const m1 = await provisionSimulatedMachine({ vendor: v1, dir: mdir })
    for (const f of [
      MACHINE_FILES.pckKey,
      MACHINE_FILES.attestationKey,
      MACHINE_FILES.ppid,
      MACHINE_FILES.sealingSecret,
    ]) {
      expect(f.startsWith('INSECURE-')).toBe(true)
      expect((await stat(join(mdir, f))).mode & 0o777).toBe(0o600)
    }
    const m2 = await provisionSimulatedMachine({ vendor: v2, dir: mdir })
    expect(m2.ppid).toEqual(m1.ppid)
    expect(m2.pckCertDer).toEqual(m1.pckCertDer)
    expect(m2.attestationKey.expose()).toEqual(m1.attestationKey.expose())

    // asking for another TCB verdict re-issues the PCK with the same key and PPID
    const m3 = await provisionSimulatedMachine({ vendor: v2, dir: mdir, tcbStatus: 'Revoked' })
    const revoked = simulatedFmspc({ tcbStatus: 'Revoked', advisoryIds: [] })
    expect(readSimulatedPck(m3.pckCertDer)?.fmspc).toEqual(revoked)
    expect(m3.pckKey.expose()).toEqual(m1.pckKey.expose())
    // the vendor issued collateral (TCB Info) for that FMSPC beside its root
    expect((await readdir(join(vdir, VENDOR_FILES.collateralDir))).sort()).toEqual(
      [`${toHex(SIMULATED_FMSPC).toUpperCase()}.json`, `${toHex(revoked).toUpperCase()}.json`].sort(),
    )
    const tee = new SimulatedTee({ machine: m3, workload: { osImageHash } })
    const v = createVerifier({ trustSimulated: true, simulatedRoots: [v1] })
    await expect(v.verify(await tee.attest(rd(0)), { now: now() })).rejects.toMatchObject({
      code: 'DCAP_TCB_REVOKED',
    })
    // an OutOfDate machine with advisories verifies, reporting both from the vendor's TCB Info
    const m4 = await provisionSimulatedMachine({
      vendor: v2,
      dir: mdir,
      tcbStatus: 'OutOfDate',
      advisoryIds: ['INTEL-SA-00615'],
    })
    const id4 = await v.verify(await new SimulatedTee({ machine: m4, workload: { osImageHash } }).attest(rd(0)), {
      now: now(),
    })
    expect([id4.tcbStatus, id4.advisoryIds]).toEqual(['OutOfDate', ['INTEL-SA-00615']])
    expect(id4.deviceId).toEqual(sha256(m1.ppid))
    // a node trusting the vendor by its root file reads the collateral folder beside it (no keys)
    const anchor = await loadSimulatedTrustAnchor(join(vdir, VENDOR_FILES.rootCert))
    const byFile = createVerifier({ trustSimulated: true, simulatedRoots: [anchor] })
    expect((await byFile.verify(await tee.attest(rd(0)), { now: now() }).catch((e) => e)).code).toBe('DCAP_TCB_REVOKED')
    expect(
      (
        await byFile.verify(await new SimulatedTee({ machine: m4, workload: { osImageHash } }).attest(rd(1)), {
          now: now(),
        })
      ).tcbStatus,
    ).toBe('OutOfDate')
  })

  it('a vendor and machine made before the Intel-shaped PKI are completed on load (same root, key, PPID)', async () => {
    // the old layout: a root key + certificate only, and a PCK issued by the root itself
    const vdir = join(dir, 'vendor-old')
    const mdir = join(dir, 'machine-old')
    await mkdir(vdir, { recursive: true, mode: 0o700 })
    const rootKey = newP256Key()
    const rootDer = await createSimulatedRootCa({ key: rootKey, notBefore: new Date(Date.now() - 86_400_000) })
    await writeFile(join(vdir, VENDOR_FILES.rootKey), rootKey.expose(), { mode: 0o600 })
    await writeFile(join(vdir, VENDOR_FILES.rootCert), derToPemText(rootDer))
    const legacy = await loadOrCreateSimulatedVendor(join(dir, 'vendor-tmp'))
    const m0 = await provisionSimulatedMachine({ vendor: legacy, dir: mdir })
    // (m0's PCK was issued under another vendor: the loader must re-issue it under this one's PCK CA)
    const v = await loadOrCreateSimulatedVendor(vdir)
    expect(v.rootCertDer).toEqual(rootDer)
    for (const f of [VENDOR_FILES.pckCaKey, VENDOR_FILES.tcbSigningKey])
      expect((await stat(join(vdir, f))).mode & 0o777).toBe(0o600)
    for (const f of [VENDOR_FILES.pckCaCert, VENDOR_FILES.tcbSigningCert])
      expect(await readFile(join(vdir, f), 'utf8')).toContain('BEGIN CERTIFICATE')
    const m = await provisionSimulatedMachine({ vendor: v, dir: mdir })
    expect(m.ppid).toEqual(m0.ppid)
    expect(m.pckKey.expose()).toEqual(m0.pckKey.expose())
    expect(m.pckCertDer).not.toEqual(m0.pckCertDer)
    const tee = new SimulatedTee({ machine: m, workload: { osImageHash } })
    const att = await tee.attest(rd(0))
    if (att.quote.type !== 'tdx') throw new Error('tdx expected')
    expect(parseQuote(att.quote.quote).pckChainDer).toEqual([m.pckCertDer, v.pckCaCertDer, rootDer])
    const id = await createVerifier({ trustSimulated: true, simulatedRoots: [v] }).verify(att, { now: now() })
    expect([id.platform, id.tcbStatus]).toEqual(['simulated', 'UpToDate'])
    // loading again changes nothing
    const again = await loadOrCreateSimulatedVendor(vdir)
    expect([again.pckCaCertDer, again.tcbSigningCertDer]).toEqual([v.pckCaCertDer, v.tcbSigningCertDer])
  })

  it('concurrent loads of one new vendor directory agree on its keys', async () => {
    const vdir = join(dir, 'vendor-race')
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => loadOrCreateSimulatedVendor(vdir)))
    expect(b!.rootCertDer).toEqual(a!.rootCertDer)
    expect(c!.pckCaCertDer).toEqual(a!.pckCaCertDer)
    expect(c!.tcbSigningKey.expose()).toEqual(a!.tcbSigningKey.expose())
  })

  it('refuses a group-readable key file', async () => {
    const vdir = join(dir, 'vendor-perm')
    await loadOrCreateSimulatedVendor(vdir)
    await chmod(join(vdir, VENDOR_KEY_FILE), 0o644)
    await expect(loadOrCreateSimulatedVendor(vdir)).rejects.toMatchObject({ code: 'TEE_SIMULATED_FILES' })
  })
})

describe('createTeePlatform', () => {
  it('builds the simulated driver from config', async () => {
    const tee = await createTeePlatform({
      driver: 'simulated',
      simulated: { vendorDir: join(dir, 'cv'), machineDir: join(dir, 'cm'), workload: { osImageHash } },
    })
    expect(tee).toBeInstanceOf(SimulatedTee)
    expect((await tee.attest(rd(3))).reportData).toEqual(rd(3))
  })
  it('real drivers are not available yet; unknown drivers are config errors', async () => {
    await expect(createTeePlatform({ driver: 'tdx-tsm' })).rejects.toMatchObject({ code: 'TEE_DRIVER_UNAVAILABLE' })
    await expect(createTeePlatform({ driver: 'nope' })).rejects.toBeInstanceOf(TeeError)
    await expect(createTeePlatform({ driver: 'nope' })).rejects.toMatchObject({ code: 'TEE_INVALID_CONFIG' })
    await expect(createTeePlatform({ driver: 'simulated' })).rejects.toMatchObject({ code: 'TEE_INVALID_CONFIG' })
  })
})

describe('boot-time vs runtime MR (VerifyOptions.bootTimeMr)', () => {
  it('app events after boot change the runtime mr_aggregated but not the boot-time one', async () => {
    const vendor = await createSimulatedVendorInMemory()
    const machine = await provisionSimulatedMachineInMemory({ vendor })
    const tee = new SimulatedTee({ machine, workload: { osImageHash, instanceId: new Uint8Array(20).fill(9) } })
    const verifier = createVerifier({ trustSimulated: true, simulatedRoots: [vendor] })
    const before = await verifier.verify(await tee.attest(rd(1)), { now: now() })
    tee.emitEvent('app-started', Uint8Array.of(1, 2, 3))
    const att = await tee.attest(rd(2))
    const runtime = await verifier.verify(att, { now: now() })
    const boot = await verifier.verify(att, { now: now(), bootTimeMr: true })
    expect(toHex(runtime.mrAggregated)).not.toBe(toHex(before.mrAggregated))
    expect(toHex(boot.mrAggregated)).not.toBe(toHex(runtime.mrAggregated))
    // boot-time MR = replay only up to boot-mr-done, the same before and after later events
    const bootBefore = await verifier.verify(await tee.attest(rd(3)), { now: now(), bootTimeMr: true })
    expect(toHex(boot.mrAggregated)).toBe(toHex(bootBefore.mrAggregated))
    expect(toHex(boot.appId)).toBe(toHex(runtime.appId))
  })
})
