import { mkdtempSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { filled as h, testIdentity as identity } from '../../test/support/identity.js'
import { memoryLogger } from '../log.js'
import { DENY } from './evaluateStaticPolicy.js'
import { StaticPolicy } from './staticPolicy.js'
import { parseStaticPolicy } from './staticPolicyConfig.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'custos-policy-'))
  dirs.push(d)
  return d
}
const hex = (n: number, b: number) => Buffer.from(h(n, b)).toString('hex')

const policyJson = (composeHashes: string[]) =>
  JSON.stringify({
    gatewayAppId: 'gw',
    chainId: 5,
    osImages: [`0x${hex(32, 1)}`],
    kms: { mrAggregated: [hex(32, 2)], devices: [], allowAnyDevice: true },
    apps: { [`0x${hex(20, 4)}`]: { composeHashes, devices: [], allowAnyDevice: true } },
  })

const policyToml = `
gatewayAppId = "gw"
chainId = 5
osImages = ["0x${hex(32, 1)}"]

[kms]
mrAggregated = ["${hex(32, 2)}"]
devices = []
allowAnyDevice = true

[apps.0x${hex(20, 4)}]
composeHashes = ["${hex(32, 5)}"]
devices = []
allowAnyDevice = true
`

describe('StaticPolicy', () => {
  it('allows and denies from a JSON file and logs every decision (ids only)', async () => {
    const file = join(tmp(), 'policy.json')
    writeFileSync(file, policyJson([hex(32, 5)]))
    const logger = memoryLogger()
    const p = new StaticPolicy({ file, logger })
    expect(p.kind).toBe('static')
    expect(await p.check('app', identity())).toEqual({ allowed: true, reason: '', gatewayAppId: 'gw' })
    expect(await p.check('kms', identity({ deviceId: h(32, 9) }))).toEqual({
      allowed: true,
      reason: '',
      gatewayAppId: 'gw',
    })
    expect(await p.check('app', identity({ composeHash: h(32, 9) }))).toEqual({
      allowed: false,
      reason: DENY.composeHash,
      gatewayAppId: 'gw',
    })
    expect(await p.info()).toEqual({
      gatewayAppId: 'gw',
      kmsContractAddr: '0x0000000000000000000000000000000000000000',
      chainId: 5,
      appImplementation: '0x0000000000000000000000000000000000000000',
    })
    const decisions = logger.entries.filter((e) => e.msg === 'policy decision')
    expect(decisions).toHaveLength(3)
    expect(decisions[0]).toEqual({
      level: 'info',
      msg: 'policy decision',
      obj: expect.objectContaining({
        role: 'app',
        appId: hex(20, 4),
        composeHash: hex(32, 5),
        deviceId: hex(32, 3),
        allowed: true,
        reason: '',
      }),
    })
    expect(decisions[2]?.obj).toMatchObject({ allowed: false, reason: DENY.composeHash, composeHash: hex(32, 9) })
    expect(JSON.stringify(logger.entries)).not.toContain('eeeeeeee') // report data is not logged
  })

  it('reloads when the file changes', async () => {
    const file = join(tmp(), 'policy.json')
    writeFileSync(file, policyJson([]))
    const logger = memoryLogger()
    const p = new StaticPolicy({ file, logger, reloadIntervalMs: 0 })
    expect((await p.check('app', identity())).reason).toBe(DENY.composeHash)
    writeFileSync(file, policyJson([hex(32, 5)]))
    expect((await p.check('app', identity())).allowed).toBe(true)
    expect(logger.entries.map((e) => e.msg)).toContain('policy file reloaded')
  })

  it('re-reads at most once per interval', async () => {
    const file = join(tmp(), 'policy.json')
    writeFileSync(file, policyJson([]))
    let now = 1000
    const p = new StaticPolicy({ file, reloadIntervalMs: 250, clock: () => now })
    writeFileSync(file, policyJson([hex(32, 5)]))
    now += 100
    expect((await p.check('app', identity())).allowed).toBe(false) // not re-read yet
    now += 200
    expect((await p.check('app', identity())).allowed).toBe(true)
  })

  it('missing or invalid file → deny everything (fail closed), error log, and recovery', async () => {
    const file = join(tmp(), 'policy.json')
    const logger = memoryLogger()
    const p = new StaticPolicy({ file, logger, reloadIntervalMs: 0 })
    const d1 = await p.check('kms', identity())
    expect(d1).toEqual({
      allowed: false,
      reason: `policy file invalid: ${file}: file not found`,
      gatewayAppId: '',
      unavailable: true,
    })
    expect(p.status()).toEqual({ valid: false, error: 'file not found' })

    writeFileSync(file, policyJson([hex(32, 5)]))
    expect((await p.check('kms', identity())).allowed).toBe(true)
    expect(logger.entries.some((e) => e.msg === 'policy file loaded')).toBe(true)

    writeFileSync(file, '{ "osImages": [ ') // truncated JSON
    const d2 = await p.check('kms', identity())
    expect(d2.allowed).toBe(false)
    expect(d2.reason).toMatch(new RegExp(`^policy file invalid: ${file}: not valid JSON`))
    expect(await p.info()).toMatchObject({ gatewayAppId: '', chainId: 0 })

    writeFileSync(file, JSON.stringify({ osImages: ['zz'] }))
    expect((await p.check('kms', identity())).reason).toContain('osImages[0]: expected a 32-byte OS image hash')

    writeFileSync(file, policyJson([hex(32, 5)]))
    expect((await p.check('kms', identity())).allowed).toBe(true)
    unlinkSync(file)
    expect((await p.check('kms', identity())).allowed).toBe(false)
    writeFileSync(file, policyJson([hex(32, 5)]))
    expect((await p.check('kms', identity())).allowed).toBe(true)

    const errors = logger.entries.filter((e) => e.level === 'error')
    expect(errors.length).toBe(4) // not found, bad JSON, bad field, not found again — once each
    expect(logger.entries.filter((e) => e.msg === 'policy file valid again')).toHaveLength(2)
  })

  it('TOML and JSON files give the same policy', async () => {
    const d = tmp()
    writeFileSync(join(d, 'p.json'), policyJson([hex(32, 5)]))
    writeFileSync(join(d, 'p.toml'), policyToml)
    const a = new StaticPolicy({ file: join(d, 'p.json') })
    const b = new StaticPolicy({ file: join(d, 'p.toml') })
    expect(b.status()).toEqual({ valid: true })
    expect(b.config()).toEqual(a.config())
    for (const [role, id] of [
      ['app', identity()],
      ['app', identity({ composeHash: h(32, 8) })],
      ['kms', identity()],
      ['kms', identity({ mrAggregated: h(32, 8) })],
    ] as const)
      expect(await b.check(role, id)).toEqual(await a.check(role, id))
  })

  it('rejects unknown extensions at construction', () => {
    expect(() => new StaticPolicy({ file: '/x/policy.yaml' })).toThrow(
      expect.objectContaining({ code: 'POLICY_BAD_CONFIG' }),
    )
  })

  it('denies after close', async () => {
    const file = join(tmp(), 'policy.json')
    writeFileSync(file, policyJson([hex(32, 5)]))
    const p = new StaticPolicy({ file })
    await p.close()
    expect((await p.check('app', identity())).allowed).toBe(false)
    expect(statSync(file).isFile()).toBe(true)
  })
})

describe('parseStaticPolicy validation', () => {
  const err = (text: string, format: 'json' | 'toml' = 'json') => {
    try {
      parseStaticPolicy(text, format)
    } catch (e) {
      return e as { code: string; shortMessage: string }
    }
    throw new Error('expected a failure')
  }

  it('accepts auth-simple defaults (every field optional)', () => {
    expect(parseStaticPolicy('{}', 'json')).toEqual({
      gatewayAppId: '',
      kmsContractAddr: '0x0000000000000000000000000000000000000000',
      chainId: 0,
      appImplementation: '0x0000000000000000000000000000000000000000',
      osImages: [],
      allowedTcbStatuses: ['UpToDate'],
      allowedAdvisoryIds: [],
      kms: { mrAggregated: [], devices: [], allowAnyDevice: false },
      apps: {},
    })
  })

  it('names the field path of each error', () => {
    expect(err('{"osImagez": []}')).toMatchObject({ code: 'POLICY_FILE_INVALID' })
    expect(err('{"osImagez": []}').shortMessage).toMatch(/^\(top level\): Unrecognized key.*osImagez/)
    expect(err(`{"apps": {"${hex(20, 4)}": {"composeHashes": ["00"]}}}`).shortMessage).toMatch(
      new RegExp(`^apps\\.${hex(20, 4)}\\.composeHashes\\[0\\]: expected a 32-byte compose hash`),
    )
    expect(err(`{"apps": {"${hex(20, 4)}": {"composeHash": []}}}`).shortMessage).toMatch(
      new RegExp(`^apps\\.${hex(20, 4)}: Unrecognized key`),
    )
    expect(err('{"apps": {"0x12": {}}}').shortMessage).toMatch(/^apps\.0x12: expected a 20-byte app id/)
    expect(err('{"kms": {"allowAnyDevice": "yes"}}').shortMessage).toMatch(/^kms\.allowAnyDevice: /)
    expect(err('{"allowedTcbStatuses": ["uptodate"]}').shortMessage).toMatch(
      /^allowedTcbStatuses\[0\]: expected one of/,
    )
    expect(err('{"chainId": -1}').shortMessage).toMatch(/^chainId: /)
    expect(err(`{"apps": {"${hex(20, 4)}": {}, "0x${hex(20, 4).toUpperCase()}": {}}}`).shortMessage).toMatch(
      /same app id/,
    )
    expect(err('osImages = [', 'toml').shortMessage).toMatch(/^not valid TOML/)
    expect(err('[1, 2]').shortMessage).toMatch(/^\(top level\): Expected object/)
  })
})
