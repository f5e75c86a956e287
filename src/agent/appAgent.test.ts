/**
 * Agent helpers. The AppAgent itself is tested against a real KMS node in test/integration/appAgent.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { deriveAppK256Key, toHex } from '../crypto/index.js'
import type { GetAppKeyResponse } from '../kms/index.js'
import { parseAppKeyReply } from './appKeys.js'
import { queryToObject } from './guestInput.js'
import { kmsBaseUrl } from './kmsClient.js'

/** A well-formed GetAppKey reply (keys under a fixed root; the helpers only check the shapes). */
function fixture() {
  const app = deriveAppK256Key(new Uint8Array(32).fill(9), new Uint8Array(20).fill(1))
  const reply: GetAppKeyResponse = {
    ca_cert: '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n',
    disk_crypt_key: '11'.repeat(32),
    env_crypt_key: '22'.repeat(32),
    k256_key: toHex(app.key),
    k256_signature: toHex(app.signature),
    tproxy_app_id: 'any',
    gateway_app_id: 'any',
    os_image_hash: 'cd'.repeat(32),
  }
  return { reply }
}

describe('agent helpers', () => {
  it('parseAppKeyReply validates every field and hides secrets', () => {
    const { reply } = fixture()
    const k = parseAppKeyReply(reply)
    expect(JSON.stringify(k)).not.toContain(reply.k256_key)
    for (const [field, value] of [
      ['k256_key', 'zz'],
      ['k256_signature', '00'],
      ['disk_crypt_key', undefined],
      ['ca_cert', 'nope'],
    ] as const) {
      const bad = { ...reply, [field]: value }
      expect(() => parseAppKeyReply(bad)).toThrow(expect.objectContaining({ code: 'AGENT_KMS_BAD_REPLY' }))
    }
    expect(() => parseAppKeyReply(null)).toThrow(expect.objectContaining({ code: 'AGENT_KMS_BAD_REPLY' }))
  })

  it('kmsBaseUrl and queryToObject', () => {
    expect(kmsBaseUrl('https://h:1/prpc/')).toBe('https://h:1')
    expect(() => kmsBaseUrl('http://h:1')).toThrow(expect.objectContaining({ code: 'AGENT_BAD_INPUT' }))
    expect(() => kmsBaseUrl('nope')).toThrow(expect.objectContaining({ code: 'AGENT_BAD_INPUT' }))
    expect(queryToObject(new URLSearchParams('a=1&b=2&b=3&c[]=x&c[]=y&d[0]=z&json'))).toEqual({
      a: '1',
      b: ['2', '3'],
      c: ['x', 'y'],
      d: ['z'],
    })
  })
})
