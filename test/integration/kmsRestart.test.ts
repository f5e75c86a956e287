/**
 * Restart and crash safety (issue 2): a node restarted from its data dir serves the same keys; a bootstrap
 * killed at any point leaves either no keys or keys together with an attestation that commits to them;
 * no raw key bytes are ever on disk.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { afterAll, describe, expect, it } from 'vitest'
import { createVerifier, decodeVersionedAttestation } from '../../src/attestation/index.js'
import { bootstrapReportData, fromHex, toHex } from '../../src/crypto/index.js'
import { caPublicKeySpki } from '../../src/kms/certs.js'
import type { GetAppKeyResponse } from '../../src/kms/index.js'
import { memoryLogger, nullLogger } from '../../src/log.js'
import { callKmsAsWorkload, loadConfig, startDevnet } from '../../src/node/index.js'
import { kmsStorage } from '../../src/node/kmsStorage.js'
import { createPlatform, simulatedRootsFor } from '../../src/node/platform.js'
import { openStore } from '../../src/store/index.js'

const ROOT = resolve(import.meta.dirname, '../..')
const homes: string[] = []
const tempHome = () => {
  const h = mkdtempSync(join(tmpdir(), 'custos-restart-'))
  homes.push(h)
  return h
}
afterAll(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true })
})

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n)
    return statSync(p).isDirectory() ? allFiles(p) : [p]
  })
}

async function appKey(net: { urls: string[]; demoApp: { home: string } }) {
  const cfg = loadConfig(net.demoApp.home, readFileSync(resolve(net.demoApp.home, 'custos.toml'), 'utf8'))
  const r = await callKmsAsWorkload({ config: cfg, kmsUrl: net.urls[0]!, method: 'GetAppKey', body: {} })
  expect(r.status).toBe(200)
  return r.body as GetAppKeyResponse
}

describe('restart', () => {
  it('a node restarted from its data dir serves the same keys, and no raw key is on disk', async () => {
    const home = tempHome()
    const log = memoryLogger()
    let net = await startDevnet({ home, nodes: 2, basePort: 0, logger: log })
    const before = await appKey(net)
    const cfg = net.nodes[0]!.config
    await net.close()
    net = await startDevnet({ home, nodes: 2, basePort: 0, logger: log })
    const after = await appKey(net)
    expect(after).toEqual(before)
    await net.close()

    // Read the root keys through the sealed store (as the node does), then look for them in every file.
    const tee = await createPlatform(cfg)
    const store = openStore({ dataDir: resolve(cfg.home, 'data'), sealingKey: await tee.sealingKey() })
    const m = kmsStorage(store).load()!
    store.close()
    const secrets = [
      m.rootCaKey.expose(),
      m.rootK256Key.expose(),
      fromHex(before.disk_crypt_key),
      fromHex(before.k256_key),
    ]
    const needles = secrets.flatMap((s) => [Buffer.from(s), Buffer.from(toHex(s)), Buffer.from(toHex(s).toUpperCase())])
    const files = allFiles(home)
    expect(files.some((f) => f.endsWith('custos.db'))).toBe(true)
    for (const f of files) {
      const bytes = readFileSync(f)
      for (const n of needles) expect(bytes.includes(n), `${f} contains key material`).toBe(false)
    }
    // …nor in any log line of the whole run (bootstrap, onboard, key releases, restart).
    expect(log.entries.length).toBeGreaterThan(10)
    expect(log.entries.some((e) => e.msg === 'app keys released')).toBe(true)
    const logText = JSON.stringify(log.entries)
    for (const s of secrets) {
      expect(logText.includes(toHex(s))).toBe(false)
      expect(logText.includes(Buffer.from(s).toString('base64'))).toBe(false)
    }
  })
})

describe('crash during bootstrap', () => {
  it('leaves no keys, or keys with an attestation committing to them', async () => {
    const home = tempHome()
    // Lay out a 1-node devnet (configs, vendor, policy), then wipe its keys to bootstrap again under kill -9.
    await (await startDevnet({ home, nodes: 1, basePort: 0, logger: nullLogger })).close()
    const nodeHome = resolve(home, 'node1')
    const cfg = loadConfig(nodeHome, readFileSync(resolve(nodeHome, 'custos.toml'), 'utf8'))
    const tee = await createPlatform(cfg)
    const sealingKey = await tee.sealingKey()
    const verifier = createVerifier({ trustSimulated: true, simulatedRoots: await simulatedRootsFor(cfg) })
    const outcomes = { none: 0, complete: 0 }
    /** Open the store as the node would and check the invariant; true when keys exist. */
    const check = async (): Promise<boolean> => {
      let store: ReturnType<typeof openStore>
      try {
        store = openStore({ dataDir: resolve(nodeHome, 'data'), sealingKey })
      } catch {
        return false
      }
      const m = kmsStorage(store).load()
      store.close()
      if (!m) return false
      const info = m.bootstrapInfo!
      const k256 = secp256k1.getPublicKey(m.rootK256Key.expose(), true)
      expect(info.k256_pubkey).toBe(toHex(k256))
      expect(info.ca_pubkey).toBe(toHex(await caPublicKeySpki(m.rootCaKey)))
      const att = decodeVersionedAttestation(fromHex(info.attestation))
      const expected = bootstrapReportData(fromHex(info.ca_pubkey), k256)
      const id = await verifier.verify(att, { now: Math.floor(Date.now() / 1000), expectedReportData: expected })
      expect(toHex(id.reportData)).toBe(toHex(expected))
      return true
    }
    const start = () =>
      spawn(process.execPath, [resolve(ROOT, 'bin/custos.js'), 'start', '--home', nodeHome, '--dev'], {
        stdio: 'ignore',
      })
    const kill = async (child: ReturnType<typeof spawn>) => {
      child.kill('SIGKILL')
      if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r))
    }
    // kill -9 at spread-out moments of start-up and bootstrap
    for (const delayMs of [100, 400, 800, 1200, 1600, 2000, 2600]) {
      rmSync(resolve(nodeHome, 'data'), { recursive: true, force: true })
      const child = start()
      await new Promise((r) => setTimeout(r, delayMs))
      await kill(child)
      if (await check()) outcomes.complete++
      else outcomes.none++
    }
    // and once right after the keys appear on disk (polling the store), so the complete path is always checked
    rmSync(resolve(nodeHome, 'data'), { recursive: true, force: true })
    const child = start()
    const deadline = Date.now() + 30_000
    let done = false
    while (!done && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50))
      done = await check()
    }
    await kill(child)
    expect(done).toBe(true)
    expect(await check()).toBe(true)
    expect(outcomes.none).toBeGreaterThan(0)
  }, 90_000)
})
