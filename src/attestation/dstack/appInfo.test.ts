import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { codeOf } from '../../../test/support/errors.js'
import { testIdentity } from '../../../test/support/identity.js'
import { fromHex, toHex } from '../../crypto/index.js'
import { appInfoFromIdentity, type DstackAppInfo, decodeAppInfo, encodeAppInfo } from './appInfo.js'

const fill = (n: number, b: number) => new Uint8Array(n).fill(b)
const rep = (n: number, byteHex: string) => byteHex.repeat(n)

const info: DstackAppInfo = {
  appId: fill(20, 0x11),
  composeHash: fill(32, 0x22),
  instanceId: new Uint8Array(0),
  deviceId: fill(32, 0x44),
  mrSystem: fill(32, 0x55),
  mrAggregated: fill(32, 0x66),
  osImageHash: fill(32, 0x77),
  keyProviderInfo: Uint8Array.of(0x6b, 0x70),
  initScriptHashes: [fill(32, 0x88)],
}

/**
 * Written by hand from dstack's `AppInfo` struct and `rmp_serde::to_vec` (struct → fixarray in field order,
 * serde_human_bytes → bin8 with a one-byte length, Option::None → nil), not produced by the library under test.
 */
const KAT_HEX = [
  '99', // fixarray, 9 fields
  `c414${rep(20, '11')}`, // app_id
  `c420${rep(32, '22')}`, // compose_hash
  'c400', // instance_id (empty)
  `c420${rep(32, '44')}`, // device_id
  `c420${rep(32, '55')}`, // mr_system
  `c420${rep(32, '66')}`, // mr_aggregated
  `c420${rep(32, '77')}`, // os_image_hash
  'c4026b70', // key_provider_info
  `91c420${rep(32, '88')}`, // init_script_hashes: Some([h])
].join('')

describe('AppInfo extension (1.3.6.1.4.1.62397.1.9) msgpack', () => {
  it('encodes exactly as dstack rmp_serde::to_vec (array form, bin fields)', () => {
    expect(toHex(encodeAppInfo(info))).toBe(KAT_HEX)
  })

  it('None init_script_hashes is nil; a 300-byte field is bin16', () => {
    const bytes = encodeAppInfo({ ...info, initScriptHashes: undefined, keyProviderInfo: fill(300, 0xab) })
    const hex = toHex(bytes)
    expect(hex.endsWith('c0')).toBe(true)
    expect(hex).toContain(`c5012c${rep(300, 'ab')}c0`)
  })

  it('decodes the known answer and round-trips', () => {
    expect(decodeAppInfo(fromHex(KAT_HEX))).toEqual(info)
    const none = { ...info }
    delete none.initScriptHashes
    expect(decodeAppInfo(encodeAppInfo(none))).toEqual(none)
  })

  it('reads the 8-field array of dstack releases before init_script_hashes, and the map form', () => {
    const eight = `98${KAT_HEX.slice(2, KAT_HEX.length - (6 + 64))}`
    const want = { ...info }
    delete want.initScriptHashes
    expect(decodeAppInfo(fromHex(eight))).toEqual(want)
    // to_vec_named form: {"app_id": …, …}, unknown keys ignored like serde does
    const str = (s: string) => toHex(Uint8Array.of(0xa0 | s.length, ...new TextEncoder().encode(s)))
    const fields = KAT_HEX.slice(2)
    const names = [
      'app_id',
      'compose_hash',
      'instance_id',
      'device_id',
      'mr_system',
      'mr_aggregated',
      'os_image_hash',
      'key_provider_info',
    ]
    const values = [
      `c414${rep(20, '11')}`,
      `c420${rep(32, '22')}`,
      'c400',
      `c420${rep(32, '44')}`,
      `c420${rep(32, '55')}`,
      `c420${rep(32, '66')}`,
      `c420${rep(32, '77')}`,
      'c4026b70',
    ]
    expect(values.join('')).toBe(fields.slice(0, values.join('').length))
    const map = `89${names.map((n, i) => str(n) + values[i]).join('')}${str('extra')}01`
    expect(decodeAppInfo(fromHex(map))).toEqual(want)
  })

  it('malformed input is a typed ATTESTATION_MALFORMED, never a crash', () => {
    const kat = fromHex(KAT_HEX)
    const cases: Array<[string, Uint8Array]> = [
      ['empty', new Uint8Array(0)],
      ['truncated', kat.subarray(0, kat.length - 5)],
      ['trailing byte', Uint8Array.of(...kat, 0)],
      ['not an array or map', fromHex('a3616263')],
      ['10 fields', fromHex(`9a${KAT_HEX.slice(2)}c0`)],
      ['7 fields', fromHex('97c400c400c400c400c400c400c400')],
      ['string where bytes are due', fromHex(`99a161${KAT_HEX.slice(2 + 4 + 40)}`)],
      ['mr_system of 31 bytes', fromHex(KAT_HEX.replace(`c420${rep(32, '55')}`, `c41f${rep(31, '55')}`))],
      ['init hash of 31 bytes', fromHex(KAT_HEX.replace(`91c420${rep(32, '88')}`, `91c41f${rep(31, '88')}`))],
      ['6 init hashes', fromHex(KAT_HEX.replace(`91c420${rep(32, '88')}`, `96${`c420${rep(32, '88')}`.repeat(6)}`))],
      ['init hashes not an array', fromHex(KAT_HEX.replace(`91c420${rep(32, '88')}`, '01'))],
      ['map missing a field', fromHex('81a66170705f6964c400')],
      ['reserved marker 0xc1', fromHex('c1')],
    ]
    for (const [name, bytes] of cases)
      expect([name, codeOf(() => decodeAppInfo(bytes))]).toEqual([name, 'ATTESTATION_MALFORMED'])
  })

  it('refuses to encode MRs that are not 32 bytes', () => {
    expect(codeOf(() => encodeAppInfo({ ...info, mrAggregated: fill(48, 1) }))).toBe('ATTESTATION_MALFORMED')
  })

  it('from a verified identity: dstack fields, device_id = sha256(""), init scripts before system-ready', () => {
    const id = testIdentity({ keyProviderInfo: Uint8Array.of(9) })
    const h1 = fill(32, 0xa1)
    const h2 = fill(32, 0xa2)
    const events = [
      { event: 'app-id', payload: id.appId },
      { event: 'init-script-hash', payload: h1 },
      { event: 'init-script-hash', payload: h2 },
      { event: 'system-ready', payload: new Uint8Array(0) },
      { event: 'init-script-hash', payload: fill(32, 0xff) },
    ]
    const a = appInfoFromIdentity(id, events)
    expect(a).toEqual({
      appId: id.appId,
      composeHash: id.composeHash,
      instanceId: id.instanceId,
      deviceId: new Uint8Array(createHash('sha256').digest()),
      mrSystem: id.mrSystem,
      mrAggregated: id.mrAggregated,
      osImageHash: id.osImageHash,
      keyProviderInfo: Uint8Array.of(9),
      initScriptHashes: [h1, h2],
    })
    expect(toHex(a.deviceId)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(appInfoFromIdentity(id, []).initScriptHashes).toEqual([])
  })
})
