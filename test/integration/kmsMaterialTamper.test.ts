/**
 * Issue 12 #2: what a KMS serves as its own identity (root CA and temp CA certificates, domain, bootstrap
 * info) is sealed, and checked against the sealed keys on every load. A host that edits the database
 * cannot make the node hand out another CA.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { p256 } from '@noble/curves/nist.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SecretBytes } from '../../src/crypto/index.js'
import { createRootCaCert, type KmsMaterial, randomScalar } from '../../src/kms/index.js'
import { nullLogger } from '../../src/log.js'
import { type Config, loadConfig, startDevnet, startNode } from '../../src/node/index.js'
import { kmsStorage } from '../../src/node/kmsStorage.js'
import { createPlatform } from '../../src/node/platform.js'
import { openStore, type Store } from '../../src/store/index.js'

let home: string
let cfg: Config
let original: Pick<KmsMaterial, 'rootCaCertPem' | 'tmpCaCertPem' | 'domain' | 'bootstrapInfo'>

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'custos-tamper-'))
  await (await startDevnet({ home, nodes: 1, basePort: 0, agent: false, logger: nullLogger })).close()
  const nodeHome = resolve(home, 'node1')
  cfg = loadConfig(nodeHome, readFileSync(resolve(nodeHome, 'custos.toml'), 'utf8'))
  const m = await withStore((s) => kmsStorage(s).load()!)
  original = {
    rootCaCertPem: m.rootCaCertPem,
    tmpCaCertPem: m.tmpCaCertPem,
    domain: m.domain,
    bootstrapInfo: m.bootstrapInfo,
  }
  expect(original.bootstrapInfo).toBeDefined()
}, 60_000)
afterAll(() => rmSync(home, { recursive: true, force: true }))

async function withStore<T>(fn: (s: Store) => T): Promise<T> {
  const tee = await createPlatform(cfg)
  const store = openStore({ dataDir: resolve(cfg.home, 'data'), sealingKey: await tee.sealingKey() })
  try {
    return fn(store)
  } finally {
    store.close()
  }
}

/** Rewrite the store in the layout older versions wrote: three sealed keys and a PLAIN public record. */
function writeLegacyLayout(s: Store, m: KmsMaterial, record: Record<string, unknown>): void {
  s.transaction(() => {
    s.secrets.delete('kms/material-v2')
    s.secrets.putAll({
      'kms/root-ca-key': new SecretBytes(m.rootCaKey.expose().slice()),
      'kms/root-k256-key': new SecretBytes(m.rootK256Key.expose().slice()),
      'kms/tmp-ca-key': new SecretBytes(m.tmpCaKey.expose().slice()),
    })
    s.records.putJson('kms/material', record)
  })
}

const startFails = async () => {
  const e = await startNode(cfg, { dev: true, logger: nullLogger }).then(
    async (n) => {
      await n.close()
      return undefined
    },
    (err: unknown) => err as { code?: string; message: string },
  )
  expect(e, 'the node started on tampered material').toBeDefined()
  return e!
}

describe('stored KMS material', () => {
  it('nothing of it is left in plain records: the public part is sealed with the keys', async () => {
    await withStore((s) => {
      expect(s.records.has('kms/material')).toBe(false)
      expect(s.secrets.has('kms/material-v2')).toBe(true)
      expect(s.secrets.has('kms/root-ca-key')).toBe(false)
    })
  })

  it('a foreign root CA certificate in the record refuses to start, naming the mismatch', async () => {
    const attackerCa = await createRootCaCert(randomScalar(p256.Point.Fn.ORDER), Math.floor(Date.now() / 1000))
    await withStore((s) => {
      const m = kmsStorage(s).load()!
      writeLegacyLayout(s, m, { ...original, rootCaCertPem: attackerCa })
    })
    const e = await startFails()
    expect(e.code).toBe('KMS_MATERIAL_INVALID')
    expect(e.message).toContain('root CA certificate public key is not the sealed root CA key')
    expect(e.message).toContain('restore custos.db')
  })

  it('a foreign temp CA, a changed bootstrap key or a bad domain are refused too', async () => {
    const attackerCa = await createRootCaCert(randomScalar(p256.Point.Fn.ORDER), Math.floor(Date.now() / 1000))
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ tmpCaCertPem: attackerCa }, 'temp CA certificate public key'],
      [{ domain: 'evil example' }, 'domain'],
      [{ bootstrapInfo: { ca_pubkey: '00', k256_pubkey: '00', attestation: '00' } }, 'bootstrap_info.ca_pubkey'],
    ]
    for (const [change, what] of cases) {
      await withStore((s) => {
        const m = kmsStorage(s).load()!
        writeLegacyLayout(s, m, { ...original, ...change })
      })
      const e = await startFails()
      expect(e.code).toBe('KMS_MATERIAL_INVALID')
      expect(e.message).toContain(what)
    }
  })

  it('an older layout that matches its keys is accepted once and sealed; the node serves the same CA', async () => {
    await withStore((s) => {
      const m = kmsStorage(s).load()!
      writeLegacyLayout(s, m, { ...original })
    })
    const node = await startNode(cfg, { dev: true, logger: nullLogger })
    try {
      expect(node.kms.material().rootCaCertPem).toBe(original.rootCaCertPem)
    } finally {
      await node.close()
    }
    await withStore((s) => {
      expect(s.records.has('kms/material')).toBe(false)
      expect(s.secrets.has('kms/root-ca-key')).toBe(false)
      expect(s.secrets.has('kms/material-v2')).toBe(true)
    })
  })

  it('the sealed material cannot be swapped for another sealed blob (the record name is authenticated)', async () => {
    await withStore((s) => {
      s.secrets.put('other/record', new SecretBytes(new Uint8Array(200).fill(7)))
      s.db
        .prepare(
          "UPDATE sealed_secrets SET blob = (SELECT blob FROM sealed_secrets WHERE name = 'other/record') WHERE name = 'kms/material-v2'",
        )
        .run()
    })
    await expect(startNode(cfg, { dev: true, logger: nullLogger })).rejects.toMatchObject({
      code: 'STORE_UNSEAL_FAILED',
    })
  })
})
