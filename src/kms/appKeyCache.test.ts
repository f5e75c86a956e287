import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { appEnvEncryptPubKey, deriveAppKeys, deriveEnvCryptKey, SecretBytes, toHex } from '../crypto/index.js'
import { nullLogger } from '../log.js'
import { AppEnvKeyCache, AppK256Cache } from './appKeyCache.js'
import { getAppEnvEncryptPubKey } from './getAppEnvEncryptPubKey.js'
import type { SelfIdentity } from './guards.js'
import type { KmsDeps, KmsMaterial } from './types.js'

const rnd = (n: number) => new Uint8Array(randomBytes(n))

describe('AppK256Cache', () => {
  it('returns exactly what deriveAppKeys derives, from cache on repeat', () => {
    const rootCa = rnd(32)
    rootCa[0] = 1
    const root = new SecretBytes(rnd(32))
    const cache = new AppK256Cache(4)
    const appId = rnd(20)
    const want = deriveAppKeys({ rootCaScalar: rootCa, rootK256Scalar: root.expose(), appId, instanceId: rnd(20) })
    const first = cache.get(root, appId)
    expect(first.key.expose()).toEqual(want.k256Key)
    expect(first.signature).toEqual(want.k256Signature)
    expect(cache.get(root, appId)).toBe(first)
  })

  it('evicts the least recently used entry and wipes its key', () => {
    const root = new SecretBytes(rnd(32))
    const cache = new AppK256Cache(2)
    const [a, b, c] = [rnd(20), rnd(20), rnd(20)]
    const ea = cache.get(root, a)
    const keyA = ea.key.expose().slice()
    cache.get(root, b)
    cache.get(root, a) // a is now most recent; b is the eviction candidate
    const eb = cache.get(root, b)
    cache.get(root, c) // evicts a (b was touched after a)
    expect(ea.key.expose().every((x) => x === 0)).toBe(true)
    expect(eb.key.expose().some((x) => x !== 0)).toBe(true)
    expect(cache.get(root, a).key.expose()).toEqual(keyA)
  })
})

describe('AppEnvKeyCache', () => {
  const roots = () => {
    const ca = rnd(32)
    ca[0] = 1 // a valid P-256 scalar
    return { ca: new SecretBytes(ca), k256: new SecretBytes(rnd(32)) }
  }

  it('gives what appEnvEncryptPubKey and deriveAppKeys derive, each once per app', () => {
    const r = roots()
    const cache = new AppEnvKeyCache(4)
    const appId = rnd(20)
    const want = appEnvEncryptPubKey({
      rootCaScalar: r.ca.expose(),
      rootK256Scalar: r.k256.expose(),
      appId,
      timestamp: 1_700_000_000n,
    })
    const keys = deriveAppKeys({
      rootCaScalar: r.ca.expose(),
      rootK256Scalar: r.k256.expose(),
      appId,
      instanceId: rnd(20),
    })
    const key = cache.key(r.ca, appId)
    expect(key.expose()).toEqual(keys.envCryptKey)
    expect(cache.key(r.ca, appId)).toBe(key)
    const pub = cache.publicKey(r.ca, r.k256, appId)
    expect(pub.publicKey).toEqual(want.publicKey)
    expect(pub.signature).toEqual(want.signature)
    expect(cache.publicKey(r.ca, r.k256, appId)).toBe(pub)
  })

  it('asked with another root, wipes and forgets what it derived from the first', () => {
    const [a, b] = [roots(), roots()]
    const cache = new AppEnvKeyCache(4)
    const appId = rnd(20)
    const fromA = cache.key(a.ca, appId)
    const fromB = cache.key(b.ca, appId)
    expect(fromA.expose().every((x) => x === 0)).toBe(true)
    expect(fromB.expose()).toEqual(deriveEnvCryptKey(b.ca.expose(), appId))
  })
})

describe('GetAppEnvEncryptPubKey with the cache', () => {
  it('answers the bytes appEnvEncryptPubKey computes, signature_v1 at the current time', async () => {
    const ca = rnd(32)
    ca[0] = 1
    const m = { rootCaKey: new SecretBytes(ca), rootK256Key: new SecretBytes(rnd(32)) } as KmsMaterial
    let now = 1_700_000_000
    const method = getAppEnvEncryptPubKey({
      material: () => m,
      self: {} as SelfIdentity,
      appEnvKey: new AppEnvKeyCache(),
      deps: {
        options: { enforceSelfAuthorization: false, siteName: '' },
        policy: {} as KmsDeps['policy'],
        logger: nullLogger,
        now: () => now,
      },
    })
    const appId = rnd(20)
    for (const t of [now, now + 7]) {
      now = t
      const got = await method.run({ app_id: appId }, { peer: async () => undefined })
      const want = appEnvEncryptPubKey({
        rootCaScalar: ca,
        rootK256Scalar: m.rootK256Key.expose(),
        appId,
        timestamp: t,
      })
      expect(got).toEqual({
        public_key: toHex(want.publicKey),
        signature: toHex(want.signature),
        timestamp: t,
        signature_v1: toHex(want.signatureV1),
      })
    }
  })
})
