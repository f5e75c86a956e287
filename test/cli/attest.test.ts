/** `custos attest` / `custos attest verify`, run in-process on a fresh commander program. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { encodeVersionedAttestation, SIMULATED_FMSPC } from '../../src/attestation/index.js'
import { registerAttestCommand } from '../../src/cli/attestCommand.js'
import { toHex } from '../../src/crypto/index.js'
import {
  createSimulatedVendorInMemory,
  detectPlatform,
  provisionSimulatedMachineInMemory,
  SimulatedTee,
} from '../../src/tee/index.js'
import { runCommand } from '../support/cliIo.js'
import { startFakePcs, vectorCollateral } from '../support/pccs.js'

const V = resolve(import.meta.dirname, '../../../shared/vectors')
const dirs: string[] = []
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'custos-attest-'))
  dirs.push(d)
  return d
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const custos = (...args: string[]) => runCommand(registerAttestCommand, args)

const json = async (...args: string[]) => {
  const r = await custos(...args, '--json')
  return { code: r.code, out: JSON.parse(r.stdout) as Record<string, unknown> & { identity?: Record<string, unknown> } }
}

describe('custos attest verify (shared vectors, pinned times)', () => {
  it('SGX quote v3 → ConfigurationAndSWHardeningNeeded with its advisories', async () => {
    const r = await json(
      'attest',
      'verify',
      '--quote',
      `${V}/dcap/sgx_quote`,
      '--collateral',
      `${V}/dcap/sgx_quote_collateral.json`,
      '--now',
      '1751624924',
    )
    expect(r.code).toBe(0)
    expect(r.out).toMatchObject({
      ok: true,
      format: 'dcap-quote',
      platform: 'sgx',
      status: 'ConfigurationAndSWHardeningNeeded',
      advisory_ids: ['INTEL-SA-00289', 'INTEL-SA-00615'],
    })
    expect(r.out.identity).toMatchObject({ platform: 'sgx', debug: false })
    expect(r.out.identity?.['device_id']).toMatch(/^[0-9a-f]{64}$/)
    expect((r.out.identity!['measurements'] as Record<string, string>)['mr_enclave']).toMatch(/^[0-9a-f]{64}$/)
  })

  it('TDX quote v4 → UpToDate (text output)', async () => {
    const r = await custos(
      'attest',
      'verify',
      '--quote',
      `${V}/dcap/tdx_quote`,
      '--collateral',
      `${V}/dcap/tdx_quote_collateral.json`,
      '--now',
      '1751624655',
    )
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^verdict: VALID$/m)
    expect(r.stdout).toMatch(/^platform: tdx$/m)
    expect(r.stdout).toMatch(/^status: UpToDate$/m)
    expect(r.stdout).toMatch(/^advisory_ids: \(none\)$/m)
    expect(r.stdout).toMatch(/^ {2}rtmr: /m)
  })

  it('Nitro: dstack envelope and bare COSE_Sign1 at their document timestamps', async () => {
    const d = await json(
      'attest',
      'verify',
      '--quote',
      `${V}/nitro/dstack_nitro_attestation.bin`,
      '--now',
      '1766668538',
    )
    expect(d.code).toBe(0)
    expect(d.out).toMatchObject({
      ok: true,
      format: 'dstack-attestation',
      platform: 'nitro',
      status: '',
      advisory_ids: [],
    })
    expect(d.out.identity?.['os_image_hash']).toMatch(/^[0-9a-f]{64}$/)
    const e = await json(
      'attest',
      'verify',
      '--quote',
      `${V}/nitro/evervault_valid_attestation_doc.cbor`,
      '--now',
      '1665651483',
    )
    expect(e.out).toMatchObject({ ok: true, format: 'nitro-document', platform: 'nitro' })
  })

  it('refuses the outdated TDX quote (no matching TCB level) with exit 1 and a reason', async () => {
    const args = [
      'attest',
      'verify',
      '--quote',
      `${V}/dcap/tdx_quote_outdated`,
      '--collateral',
      `${V}/dcap/tdx_quote_outdated_collateral.json`,
      '--now',
      '1772323200',
    ]
    const r = await json(...args)
    expect(r.code).toBe(1)
    expect(r.out).toMatchObject({ ok: false, status: 'invalid', platform: 'tdx', advisory_ids: [] })
    expect((r.out['error'] as { code: string }).code).toMatch(/^DCAP_/)
    const t = await custos(...args)
    expect(t.code).toBe(1)
    expect(t.stdout).toMatch(/^verdict: INVALID$/m)
    expect(t.stdout).toMatch(/^reason: DCAP_/m)
  })

  it('refuses expired evidence, wrong collateral, junk and bad options', async () => {
    const late = await json(
      'attest',
      'verify',
      '--quote',
      `${V}/dcap/tdx_quote`,
      '--collateral',
      `${V}/dcap/tdx_quote_collateral.json`,
      '--now',
      '1800000000',
    )
    expect(late.code).toBe(1)
    const wrong = await json(
      'attest',
      'verify',
      '--quote',
      `${V}/dcap/tdx_quote`,
      '--collateral',
      `${V}/dcap/sgx_quote_collateral.json`,
      '--now',
      '1751624655',
    )
    expect(wrong.code).toBe(1)
    const junkFile = join(temp(), 'junk')
    writeFileSync(junkFile, 'hello world')
    const junk = await json('attest', 'verify', '--quote', junkFile)
    expect(junk.out).toMatchObject({ ok: false, format: 'unknown' })
    const badNow = await json('attest', 'verify', '--quote', junkFile, '--now', 'yesterday')
    expect((badNow.out['error'] as { code: string }).code).toBe('CLI_USAGE')
  })

  it('fetches collateral from a PCCS into a cache, then verifies offline from the cache', async () => {
    const pcs = await startFakePcs({ tdx: vectorCollateral('tdx_quote') })
    const cache = temp()
    try {
      const base = [
        'attest',
        'verify',
        '--quote',
        `${V}/dcap/tdx_quote`,
        '--now',
        '1751624655',
        '--collateral-cache',
        cache,
      ]
      expect((await json(...base, '--pccs-url', pcs.url)).out).toMatchObject({ ok: true, status: 'UpToDate' })
      expect(pcs.requests.length).toBe(4)
      expect((await json(...base, '--offline')).out).toMatchObject({ ok: true, status: 'UpToDate' })
      expect(pcs.requests.length).toBe(4)
      const empty = await json(
        'attest',
        'verify',
        '--quote',
        `${V}/dcap/tdx_quote`,
        '--now',
        '1751624655',
        '--offline',
        '--collateral-cache',
        temp(),
      )
      expect(empty.out).toMatchObject({ ok: false, error: { code: 'PCCS_OFFLINE_MISSING' } })
    } finally {
      await pcs.close()
    }
  })

  it('verifies simulated evidence only against a given simulated root', async () => {
    const vendor = await createSimulatedVendorInMemory()
    const machine = await provisionSimulatedMachineInMemory({ vendor })
    const tee = new SimulatedTee({ machine, workload: { osImageHash: '11'.repeat(32), appCompose: '{"name":"x"}' } })
    const dir = temp()
    writeFileSync(
      join(dir, 'evidence.hex'),
      toHex(encodeVersionedAttestation(await tee.attest(new Uint8Array(64).fill(1)))),
    )
    writeFileSync(join(dir, 'root.pem'), vendor.rootCertPem)
    // the vendor's collateral travels beside its root (collateral/<FMSPC>.json), as in a vendor directory
    const fmspc = toHex(SIMULATED_FMSPC).toUpperCase()
    mkdirSync(join(dir, 'collateral'))
    writeFileSync(join(dir, 'collateral', `${fmspc}.json`), JSON.stringify(vendor.collateralFor(fmspc)))
    const now = String(Math.floor(Date.now() / 1000))
    const ok = await json(
      'attest',
      'verify',
      '--quote',
      join(dir, 'evidence.hex'),
      '--now',
      now,
      '--simulated-root',
      join(dir, 'root.pem'),
    )
    expect(ok.out).toMatchObject({ ok: true, platform: 'simulated', format: 'dstack-attestation' })
    expect(ok.out.identity?.['compose_hash']).toMatch(/^[0-9a-f]{64}$/)
    // without the vendor's collateral the chain cannot be judged: named as such
    const bare = temp()
    writeFileSync(join(bare, 'root.pem'), vendor.rootCertPem)
    const noCol = await json(
      'attest',
      'verify',
      '--quote',
      join(dir, 'evidence.hex'),
      '--now',
      now,
      '--simulated-root',
      join(bare, 'root.pem'),
    )
    expect(noCol.out).toMatchObject({ ok: false, platform: 'simulated', error: { code: 'DCAP_COLLATERAL_MISSING' } })
    // … and a --collateral file stands in for the folder
    writeFileSync(join(bare, 'col.json'), JSON.stringify(vendor.collateralFor(fmspc)))
    const withFile = await json(
      'attest',
      'verify',
      '--quote',
      join(dir, 'evidence.hex'),
      '--now',
      now,
      '--simulated-root',
      join(bare, 'root.pem'),
      '--collateral',
      join(bare, 'col.json'),
    )
    expect(withFile.out).toMatchObject({ ok: true, platform: 'simulated' })
    const refused = await json('attest', 'verify', '--quote', join(dir, 'evidence.hex'), '--now', now)
    expect(refused.code).toBe(1)
    expect(refused.out).toMatchObject({ platform: 'simulated', error: { code: 'ATTESTATION_SIMULATED_NOT_TRUSTED' } })
  })

  it('a bare simulated quote verifies as a bare real TDX quote does: chain checked, no identity, a note', async () => {
    const vendor = await createSimulatedVendorInMemory()
    const machine = await provisionSimulatedMachineInMemory({ vendor })
    const tee = new SimulatedTee({ machine, workload: { osImageHash: '11'.repeat(32), appCompose: '{"name":"x"}' } })
    const att = await tee.attest(new Uint8Array(64).fill(1))
    if (att.quote.type !== 'tdx') throw new Error('the simulated TEE makes TDX-layout quotes')
    const dir = temp()
    writeFileSync(join(dir, 'quote.hex'), toHex(att.quote.quote))
    writeFileSync(join(dir, 'root.pem'), vendor.rootCertPem)
    const fmspc = toHex(SIMULATED_FMSPC).toUpperCase()
    mkdirSync(join(dir, 'collateral'))
    writeFileSync(join(dir, 'collateral', `${fmspc}.json`), JSON.stringify(vendor.collateralFor(fmspc)))
    const now = String(Math.floor(Date.now() / 1000))
    const args = ['attest', 'verify', '--quote', join(dir, 'quote.hex'), '--now', now]
    const sim = await json(...args, '--simulated-root', join(dir, 'root.pem'))
    expect(sim.code).toBe(0)
    expect(sim.out).toMatchObject({ ok: true, format: 'dcap-quote', platform: 'simulated', status: 'UpToDate' })
    expect(sim.out.identity).toMatchObject({ platform: 'simulated', app_id: '', compose_hash: '', os_image_hash: '' })
    expect(sim.out['note']).toMatch(/no event log, so RTMR3 cannot be replayed/)
    // the real-quote path says the same
    const real = await json(
      'attest',
      'verify',
      '--quote',
      `${V}/dcap/tdx_quote`,
      '--collateral',
      `${V}/dcap/tdx_quote_collateral.json`,
      '--now',
      '1751624655',
    )
    expect(real.out).toMatchObject({ ok: true, platform: 'tdx', note: sim.out['note'] })
    // the signature chain is still judged: untrusted without a root, refused under another vendor's root
    expect((await json(...args)).out).toMatchObject({
      ok: false,
      error: { code: 'ATTESTATION_SIMULATED_NOT_TRUSTED' },
    })
    const other = await createSimulatedVendorInMemory()
    writeFileSync(join(dir, 'other.pem'), other.rootCertPem)
    const wrongRoot = await json(...args, '--simulated-root', join(dir, 'other.pem'))
    expect(wrongRoot.code).toBe(1)
    expect(wrongRoot.out).toMatchObject({ ok: false, error: { code: 'DCAP_UNTRUSTED_ROOT' } })
    // a tampered quote fails its signature check (byte 600: report_data, in the signed TD report of a v4 quote)
    const bad = att.quote.quote.slice()
    bad[600] = (bad[600] ?? 0) ^ 1
    writeFileSync(join(dir, 'bad.hex'), toHex(bad))
    const tampered = await json(
      'attest',
      'verify',
      '--quote',
      join(dir, 'bad.hex'),
      '--now',
      now,
      '--simulated-root',
      join(dir, 'root.pem'),
    )
    expect(tampered.code).toBe(1)
    expect(tampered.out).toMatchObject({ ok: false, platform: 'simulated' })
  })
})

/** On a real TEE host `custos attest` reports that TEE instead; the no-TEE case is then skipped, not passed. */
const onTeeHost = (await detectPlatform()).length > 0

describe('custos attest', () => {
  it.skipIf(onTeeHost)(
    'says clearly that no TEE is present on this machine (exit 1) [skipped on a TEE host]',
    async () => {
      const r = await custos('attest')
      expect(r.code).toBe(1)
      expect(r.stdout).toMatch(/^no TEE present/)
      const j = await json('attest')
      expect(j.out).toMatchObject({ tee_present: false, platform: null })
    },
  )
})
