/** startNode: the data-dir lock, refusal and warnings for insecure settings, the onboard listener's guards. */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { rawRequest } from '../../test/support/http.js'
import { memoryLogger, nullLogger } from '../log.js'
import { loadConfig } from './config.js'
import { DATA_DIR_LOCK_FILE } from './dataDirLock.js'
import { startNode } from './node.js'

const BIN = resolve(import.meta.dirname, '../../bin/custos.js')
const homes: string[] = []
const tempHome = () => {
  const h = mkdtempSync(join(tmpdir(), 'custos-node-'))
  homes.push(h)
  return h
}
afterAll(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true })
})

/** A simulated node without keys (onboard listener on an ephemeral loopback port). */
const DEV_TOML = `
[tee]
platform = "simulated"
[attestation]
trust_simulated = true
[policy]
backend = "dev"
[kms]
listen = "127.0.0.1:0"
`

describe('data directory lock', () => {
  it('a second start on the same data dir is refused at once, naming the pid and the lock file; close() releases it', async () => {
    const home = tempHome()
    const cfg = loadConfig(home, DEV_TOML)
    const lockFile = resolve(home, 'data', DATA_DIR_LOCK_FILE)
    const first = await startNode(cfg, { dev: true, logger: nullLogger })
    try {
      expect(existsSync(lockFile)).toBe(true)
      const err = await startNode(cfg, { dev: true, logger: nullLogger }).then(
        (n) => n.close().then(() => undefined),
        (e: unknown) => e,
      )
      expect(err).toMatchObject({ code: 'NODE_DATA_DIR_LOCKED', meta: { pid: process.pid, lockFile } })
      expect((err as Error).message).toContain(`pid ${process.pid}`)
      expect((err as Error).message).toContain(lockFile)
      // the first node is unaffected
      expect((await rawRequest(`${first.onboard!.url}/health`, { method: 'GET' })).status).toBe(200)
    } finally {
      await first.close()
    }
    expect(existsSync(lockFile)).toBe(false)
    const again = await startNode(cfg, { dev: true, logger: nullLogger })
    await again.close()
  })

  it('a stale lock (its pid is gone) is taken over with a warning', async () => {
    const home = tempHome()
    const cfg = loadConfig(home, DEV_TOML)
    const dead = spawnSync(process.execPath, ['-e', '']).pid
    mkdirSync(resolve(home, 'data'), { recursive: true })
    const lockFile = resolve(home, 'data', DATA_DIR_LOCK_FILE)
    writeFileSync(lockFile, `${dead}\n${hostname()}\nleft-by-a-crash\n`)
    const log = memoryLogger()
    const node = await startNode(cfg, { dev: true, logger: log })
    await node.close()
    const warn = log.entries.find((e) => e.level === 'warn' && /stale data-dir lock/.test(e.msg))
    expect(warn?.obj).toMatchObject({ stalePid: dead, lockFile })
    expect(existsSync(lockFile)).toBe(false)
  })

  it('a second `custos start` process on the same home exits at once with the holder pid and the lock file', async () => {
    const home = tempHome()
    writeFileSync(resolve(home, 'custos.toml'), DEV_TOML)
    const node = await startNode(loadConfig(home, DEV_TOML), { dev: true, logger: nullLogger })
    try {
      const r = spawnSync(process.execPath, [BIN, 'start', '--home', home, '--dev'], {
        encoding: 'utf8',
        timeout: 30_000,
      })
      expect(r.status).toBe(1)
      expect(r.stderr).toContain(`pid ${process.pid}`)
      expect(r.stderr).toContain(resolve(home, 'data', DATA_DIR_LOCK_FILE))
    } finally {
      await node.close()
    }
  }, 40_000)
})

describe('insecure settings', () => {
  it('insecure_allow_debug and enforce_self_authorization = false are refused without --dev, before anything is opened', async () => {
    for (const [over, name] of [
      [{ attestation: { insecure_allow_debug: true } }, 'insecure_allow_debug'],
      [{ kms: { enforce_self_authorization: false } }, 'enforce_self_authorization'],
    ] as const) {
      const home = tempHome()
      const err = await startNode(loadConfig(home, '', over), { dev: false, logger: nullLogger }).catch((e) => e)
      expect(err, name).toMatchObject({ code: 'NODE_INSECURE_REFUSED' })
      expect((err as Error).message).toContain(name)
      expect((err as Error).message).toContain('--dev')
      expect(existsSync(resolve(home, 'data'))).toBe(false)
    }
    // together with the simulated TEE: one refusal naming everything
    const err = await startNode(loadConfig(tempHome(), DEV_TOML, { attestation: { insecure_allow_debug: true } }), {
      dev: false,
      logger: nullLogger,
    }).catch((e) => e)
    expect(err).toMatchObject({ code: 'NODE_SIMULATED_REFUSED' })
    expect((err as Error).message).toMatch(/simulated.*insecure_allow_debug/)
  })

  it('with --dev, every relaxation is logged at warn on start', async () => {
    const log = memoryLogger()
    const cfg = loadConfig(tempHome(), DEV_TOML, {
      attestation: { insecure_allow_debug: true },
      kms: { enforce_self_authorization: false },
    })
    const node = await startNode(cfg, { dev: true, logger: log })
    await node.close()
    const settings = log.entries.filter((e) => e.level === 'warn').map((e) => (e.obj as { setting?: string }).setting)
    expect(settings).toContain('[attestation] insecure_allow_debug = true')
    expect(settings).toContain('[kms] enforce_self_authorization = false')
    // the strict defaults warn about neither
    const quiet = memoryLogger()
    await (await startNode(loadConfig(tempHome(), DEV_TOML), { dev: true, logger: quiet })).close()
    expect(quiet.entries.some((e) => (e.obj as { setting?: string }).setting !== undefined)).toBe(false)
  })
})

describe('onboard listener (plain HTTP)', () => {
  it('refuses a text/plain Bootstrap (CSRF) and a foreign Host (DNS rebinding); JSON calls still work', async () => {
    const node = await startNode(loadConfig(tempHome(), DEV_TOML), { dev: true, logger: nullLogger })
    try {
      const url = `${node.onboard!.url}/prpc/Onboard.Bootstrap?json`
      const body = JSON.stringify({ domain: 'kms.example' })
      const plain = await rawRequest(url, { body, headers: { 'content-type': 'text/plain' } })
      expect(plain.status).toBe(415)
      expect((plain.json() as { code: string }).code).toBe('NET_JSON_REQUIRED')
      const rebound = await rawRequest(url, {
        body,
        headers: { 'content-type': 'application/json', host: 'attacker.example' },
      })
      expect(rebound.status).toBe(403)
      expect((rebound.json() as { code: string }).code).toBe('NET_HOST_NOT_ALLOWED')
      expect(
        (await rawRequest(`${node.onboard!.url}/finish`, { method: 'GET', headers: { host: 'evil' } })).status,
      ).toBe(403)
      expect(node.kms.ready).toBe(false)
      const bad = await rawRequest(url, {
        body: JSON.stringify({ domain: '-bad' }),
        headers: { 'content-type': 'application/json' },
      })
      expect((bad.json() as { code: string }).code).toBe('KMS_BAD_DOMAIN')
    } finally {
      await node.close()
    }
  })
})
