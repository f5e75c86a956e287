import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { filled as h, testIdentity } from '../../test/support/identity.js'
import type { Identity } from '../attestation/index.js'
import { buildStaticPolicy, serializeStaticPolicy, writeExamplePolicy } from './buildStaticPolicy.js'
import { StaticPolicy } from './staticPolicy.js'
import { parseStaticPolicy } from './staticPolicyConfig.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'custos-build-'))
  dirs.push(d)
  return d
}
const hex = (n: number, b: number) => Buffer.from(h(n, b)).toString('hex')
const id = (over: Partial<Identity>): Identity =>
  testIdentity({
    mrAggregated: h(32, 0x10),
    mrSystem: h(32, 0x11),
    osImageHash: h(32, 0x12),
    composeHash: h(32, 0x13),
    appId: h(20, 0x14),
    deviceId: h(32, 0x15),
    reportData: h(64, 0),
    ...over,
  })

describe('buildStaticPolicy / writeExamplePolicy', () => {
  const kms = [id({ deviceId: h(32, 0x21) }), id({ deviceId: h(32, 0x22) })]
  const app = id({ appId: h(20, 0x31), composeHash: h(32, 0x32) })
  const spec = {
    gatewayAppId: 'any',
    osImages: [kms[0]!.osImageHash, `0x${hex(32, 0x12).toUpperCase()}`], // duplicates collapse
    kms: { mrAggregated: kms.map((k) => k.mrAggregated), devices: kms.map((k) => k.deviceId) },
    apps: [
      { appId: app.appId, composeHashes: [app.composeHash], allowAnyDevice: true },
      { appId: `0x${hex(20, 0x31)}`, composeHashes: [h(32, 0x33)] }, // merged into the same app
    ],
  }

  it('builds a normalised, validated auth-simple config', () => {
    expect(buildStaticPolicy(spec)).toEqual({
      gatewayAppId: 'any',
      kmsContractAddr: '0x0000000000000000000000000000000000000000',
      chainId: 0,
      appImplementation: '0x0000000000000000000000000000000000000000',
      osImages: [hex(32, 0x12)],
      allowedTcbStatuses: ['UpToDate'],
      allowedAdvisoryIds: [],
      kms: { mrAggregated: [hex(32, 0x10)], devices: [hex(32, 0x21), hex(32, 0x22)], allowAnyDevice: false },
      apps: { [hex(20, 0x31)]: { composeHashes: [hex(32, 0x32), hex(32, 0x33)], devices: [], allowAnyDevice: true } },
    })
    expect(() => buildStaticPolicy({ osImages: [h(31, 1)] })).toThrow(
      expect.objectContaining({ code: 'POLICY_FILE_INVALID' }),
    )
  })

  it('serialises to JSON and TOML that parse back to the same config', () => {
    const c = buildStaticPolicy(spec)
    expect(parseStaticPolicy(serializeStaticPolicy(c, 'json'), 'json')).toEqual(c)
    expect(parseStaticPolicy(serializeStaticPolicy(c, 'toml'), 'toml')).toEqual(c)
    const empty = buildStaticPolicy({})
    expect(parseStaticPolicy(serializeStaticPolicy(empty, 'toml'), 'toml')).toEqual(empty)
  })

  for (const ext of ['json', 'toml'])
    it(`writes a ${ext} file (0600, atomic) that a StaticPolicy enforces`, async () => {
      const d = tmp()
      const file = join(d, `policy.${ext}`)
      writeExamplePolicy(file, spec)
      expect(statSync(file).mode & 0o777).toBe(0o600)
      expect(readdirSync(d)).toEqual([`policy.${ext}`]) // no temp file left
      const p = new StaticPolicy({ file })
      expect(await p.check('kms', kms[1]!)).toMatchObject({ allowed: true, gatewayAppId: 'any' })
      expect(await p.check('kms', id({ deviceId: h(32, 0x29) }))).toMatchObject({ allowed: false })
      expect(await p.check('app', app)).toMatchObject({ allowed: true })
      expect(
        await p.check('app', id({ appId: h(20, 0x31), composeHash: h(32, 0x33), deviceId: h(32, 9) })),
      ).toMatchObject({
        allowed: true,
      })
      expect(await p.check('app', id({ appId: h(20, 0x31), composeHash: h(32, 0x34) }))).toMatchObject({
        allowed: false,
        reason: 'compose hash not allowed',
      })
      expect(readFileSync(file, 'utf8')).toContain(hex(32, 0x32))
    })
})
