/**
 * Security review, issue 12 (items 3, 4, 5, 9, 10, 14, 15): the signer as the node composes it (`startSigner` from
 * src/node/signerNode.ts, real config, real sealed store, simulated TEE, real loopback sockets).
 */
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { CustosError } from '../../src/errors.js'
import { memoryLogger, nullLogger } from '../../src/log.js'
import { type Config, devConfigToml, loadConfig } from '../../src/node/index.js'
import { createMetrics, type NodeMetrics } from '../../src/node/metrics.js'
import { keymanagerToken, type RunningSigner, startSigner } from '../../src/node/signerNode.js'
import { openStore, type Store } from '../../src/store/index.js'
import { rawRequest } from '../support/http.js'
import { fastKeystore, type SimulatedEnv, simulatedEnv } from './signerHarness.js'

const MAINNET_GVR = '0x4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95'
const FORK_INFO = {
  fork: { previous_version: '0x04000000', current_version: '0x05000000', epoch: '364032' },
  genesis_validators_root: MAINNET_GVR,
}
const SECRET = '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f'
const PK = '0x9612d7a727c9d0a22e185a1c768478dfe919cada9266988cb32359c11f2b7b27f4ae4040902382ae2910c15e2b420d07'

type Overrides = Record<string, unknown>
const loopback = { enabled: true, listen: '127.0.0.1:0', keymanager: { listen: '127.0.0.1:0' } }

let env: SimulatedEnv
let root: string
let n = 0

beforeAll(async () => {
  env = await simulatedEnv()
  root = mkdtempSync(join(tmpdir(), 'custos-signer-hardening-'))
})
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true })
})

/** A fresh home with its config (the [signer] table merged over the loopback defaults). */
function configFor(signer: Overrides = {}): Config {
  const home = join(root, `home-${++n}`)
  const km = { ...loopback.keymanager, ...((signer.keymanager as Overrides | undefined) ?? {}) }
  return loadConfig(home, devConfigToml(), {
    kms: { enabled: false },
    signer: { ...loopback, ...signer, keymanager: km },
  })
}

interface Started {
  cfg: Config
  store: Store
  signer: RunningSigner
  log: ReturnType<typeof memoryLogger>
  metrics: NodeMetrics
  close(): Promise<void>
}

async function start(cfg: Config, opts: { dev?: boolean } = {}): Promise<Started> {
  const store = openStore({
    dataDir: join(cfg.home, 'data'),
    sealingKey: await env.tee.sealingKey(),
    logger: nullLogger,
  })
  const log = memoryLogger()
  const metrics = createMetrics({ defaults: false })
  try {
    const signer = await startSigner(cfg, {
      store,
      tee: env.tee,
      logger: log,
      now: () => 1_700_000_000,
      metrics,
      ...opts,
    })
    return {
      cfg,
      store,
      signer,
      log,
      metrics,
      async close() {
        await signer.close()
        store.close()
      },
    }
  } catch (e) {
    store.close()
    throw e
  }
}

const warnings = (log: Started['log']) => log.entries.filter((e) => e.level === 'warn').map((e) => e.msg)

describe('#3 tls = "none" with tls_client_ca_file', () => {
  it('is refused at config load, saying how to fix it', () => {
    let err: unknown
    try {
      configFor({ tls: 'none', tls_client_ca_file: 'clients-ca.pem' })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(CustosError)
    expect((err as CustosError).code).toBe('NODE_CONFIG_INVALID')
    expect((err as CustosError).message).toContain('signer.tls_client_ca_file')
    expect((err as CustosError).message).toMatch(/set tls = "files".*or tls = "ratls", or remove tls_client_ca_file/)
    // with TLS the same client CA is fine
    expect(configFor({ tls: 'ratls', tls_client_ca_file: 'clients-ca.pem' }).signer.tls_client_ca_file).toBe(
      'clients-ca.pem',
    )
  })
})

describe('#4 keymanager on a non-loopback address without TLS', () => {
  it('refuses to start without --dev or insecure_allow_plain_http_remote, naming the fixes', async () => {
    const cfg = configFor({ keymanager: { listen: '0.0.0.0:0' } })
    const err = await start(cfg).then(
      (s) => s.close().then(() => undefined),
      (e: unknown) => e,
    )
    expect((err as CustosError)?.code).toBe('NODE_INSECURE_REFUSED')
    const msg = (err as CustosError).message
    expect(msg).toContain('[signer.keymanager] listen = "0.0.0.0:0"')
    expect(msg).toContain('tls = "files" or "ratls"')
    expect(msg).toContain('insecure_allow_plain_http_remote = true')
    expect(msg).toContain('--dev')
    expect(cfg.signer.keymanager.insecure_allow_plain_http_remote).toBe(false) // the documented default
  })

  it('starts with insecure_allow_plain_http_remote = true or --dev, with a loud warning', async () => {
    for (const [cfg, dev] of [
      [configFor({ keymanager: { listen: '0.0.0.0:0', insecure_allow_plain_http_remote: true } }), false],
      [configFor({ keymanager: { listen: '0.0.0.0:0' } }), true],
    ] as const) {
      const s = await start(cfg, { dev })
      try {
        expect(s.signer.keymanager).toBeDefined()
        expect(warnings(s.log).some((m) => /^INSECURE: keymanager API over plain HTTP/.test(m))).toBe(true)
      } finally {
        await s.close()
      }
    }
  })

  it('localhost is loopback: no warning for either listener', async () => {
    const s = await start(configFor({ listen: 'localhost:0', keymanager: { listen: 'localhost:0' } }))
    try {
      expect(warnings(s.log)).toEqual([])
      const up = await rawRequest(`http://127.0.0.1:${s.signer.api.port}/upcheck`, { method: 'GET' }).catch(() =>
        rawRequest(`http://[::1]:${s.signer.api.port}/upcheck`, { method: 'GET' }),
      )
      expect(up.status).toBe(200)
    } finally {
      await s.close()
    }
  })
})

describe('#5 keymanager token file', () => {
  it('is created 0600, and refused when group or others can read or write it (chmod 600)', () => {
    const dir = mkdtempSync(join(root, 'token-'))
    const file = join(dir, 'keymanager-token')
    const token = keymanagerToken(file)
    expect(token).toMatch(/^[0-9a-f]{64}$/)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(keymanagerToken(file)).toBe(token)
    for (const mode of [0o644, 0o640, 0o604, 0o660, 0o606]) {
      chmodSync(file, mode)
      expect(() => keymanagerToken(file)).toThrow(`run \`chmod 600 ${file}\``)
    }
    chmodSync(file, 0o600)
    expect(keymanagerToken(file)).toBe(token)
    const own = join(dir, 'own-token')
    writeFileSync(own, 'an operator chosen token, long enough\n', { mode: 0o644 })
    chmodSync(own, 0o644)
    expect(() => keymanagerToken(own)).toThrow(/accessible to group or others \(mode 0644\)/)
  })
})

describe('the running signer', () => {
  let s: Started
  let token: string
  const w3s = (path: string, opts: Parameters<typeof rawRequest>[1] = {}) =>
    rawRequest(`${s.signer.api.url}${path}`, opts)
  const km = (path: string, method: string, body?: unknown) =>
    rawRequest(`${s.signer.keymanager!.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
  const metricCount = async (method: string, status: number): Promise<number> => {
    const text = await s.metrics.registry.metrics()
    const m = new RegExp(
      `custos_rpc_request_duration_seconds_count\\{service="signer",method="${method}",status="${status}"\\} (\\d+)`,
    ).exec(text)
    return m ? Number(m[1]) : 0
  }

  beforeAll(async () => {
    s = await start(configFor())
    token = keymanagerToken(resolve(s.cfg.home, s.cfg.signer.keymanager.token_file))
  })
  afterAll(async () => {
    await s?.close()
  })
  afterEach(() => {
    s.log.entries.length = 0
  })

  describe('#9 HEAD and unknown paths', () => {
    it('HEAD /upcheck answers 200 without a body, as do the other GET routes', async () => {
      for (const accept of [undefined, 'application/json']) {
        const r = await w3s('/upcheck', { method: 'HEAD', ...(accept ? { headers: { accept } } : {}) })
        expect(r.status).toBe(200)
        expect(r.text).toBe('')
      }
      for (const path of ['/api/v1/eth2/publicKeys', '/api/v1/eth2/highWatermark', '/healthcheck', '/reload']) {
        const r = await w3s(path, { method: 'HEAD' })
        expect([path, r.status, r.text]).toEqual([path, 200, ''])
        expect(r.headers['content-type']).toMatch(/^application\/json/)
      }
      expect((await w3s('/metrics', { method: 'HEAD' })).status).toBe(200)
      expect((await km('/eth/v1/keystores', 'HEAD')).status).toBe(200)
      const head404 = await w3s('/nope', { method: 'HEAD' })
      expect([head404.status, head404.text]).toEqual([404, ''])
      expect(await metricCount('upcheck', 500)).toBe(0)
    })

    it('unknown paths answer a JSON 404 {error} on both listeners; a known path with another method is 405', async () => {
      for (const [path, method] of [
        ['/nope', 'GET'],
        ['/api/v1/eth2/nope', 'POST'],
      ] as const) {
        const r = await w3s(path, { method })
        expect(r.status).toBe(404)
        expect(r.headers['content-type']).toMatch(/^application\/json/)
        expect(r.json()).toMatchObject({ error: 'not found' })
      }
      const r = await km('/eth/v1/nope', 'GET')
      expect(r.status).toBe(404)
      expect(r.json()).toMatchObject({ error: 'not found' })
      const wrong = await w3s('/upcheck', { method: 'DELETE' })
      expect([wrong.status, wrong.headers.allow]).toEqual([405, 'GET, HEAD'])
      expect(wrong.json()).toMatchObject({ error: 'method not allowed' })
      const kmWrong = await km('/eth/v1/keystores', 'PUT')
      expect([kmWrong.status, kmWrong.headers.allow]).toEqual([405, 'GET, POST, DELETE, HEAD'])
      expect((await km('/custos/v1/signer/keys', 'GET')).status).toBe(405)
    })
  })

  describe('#10 a client that aborts mid-body', () => {
    it('is counted as 499 and logged at debug, not as a 500 error', async () => {
      const before = await metricCount('sign', 499)
      const u = new URL(s.signer.api.url)
      const sock = connect(Number(u.port), u.hostname)
      // Destroy once the server has the request (headers and part of the body), before the rest arrives.
      s.signer.api.server.once('request', () => sock.destroy())
      sock.on('error', () => {})
      sock.write(
        `POST /api/v1/eth2/sign/${PK} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
          'Content-Length: 1000\r\n\r\n{"type":"ATTESTATION","fork_info":',
      )
      const deadline = Date.now() + 5000
      while ((await metricCount('sign', 499)) === before && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10))
      expect(await metricCount('sign', 499)).toBe(before + 1)
      expect(await metricCount('sign', 500)).toBe(0)
      expect(await metricCount('sign', 400)).toBe(0)
      expect(s.log.entries.filter((e) => e.level === 'error')).toEqual([])
      expect(s.log.entries.some((e) => e.level === 'debug' && e.msg.includes('client closed the connection'))).toBe(
        true,
      )
    })

    it('on the keymanager listener too', async () => {
      const u = new URL(s.signer.keymanager!.url)
      const sock = connect(Number(u.port), u.hostname)
      const seen = new Promise<void>((res) =>
        s.signer.keymanager!.server.once('request', () => {
          sock.destroy()
          res()
        }),
      )
      sock.on('error', () => {})
      sock.write(
        `POST /eth/v1/keystores HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
          'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"keystores":[',
      )
      await seen
      const deadline = Date.now() + 5000
      while (!s.log.entries.some((e) => e.level === 'debug') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10))
      expect(s.log.entries.filter((e) => e.level === 'error')).toEqual([])
      expect(s.log.entries.some((e) => e.level === 'debug' && e.msg.includes('client closed the connection'))).toBe(
        true,
      )
    })
  })

  describe('#14 keystore KDF limits on import', () => {
    it('a keystore above the limits fails the request with a 400 naming the parameter and the limit, before any KDF', async () => {
      const good = await fastKeystore('2d2c0b8ee2d3e1b46e79a1c8e6e4b55e2c05d6f8b24f9b10e2a7bfc3c3b0f9a1')
      const withKdf = (kdf: unknown) => {
        const k = JSON.parse(good) as { crypto: { kdf: unknown } }
        k.crypto.kdf = kdf
        return JSON.stringify(k)
      }
      const pbkdf2 = withKdf({
        function: 'pbkdf2',
        params: { dklen: 32, c: 2 ** 18 + 1, prf: 'hmac-sha256', salt: '00'.repeat(32) },
        message: '',
      })
      const scrypt = withKdf({
        function: 'scrypt',
        params: { dklen: 32, n: 2 ** 18, r: 8, p: 2, salt: '00'.repeat(32) },
        message: '',
      })
      const t = performance.now()
      const r1 = await km('/eth/v1/keystores', 'POST', { keystores: [good, pbkdf2], passwords: ['pw', 'pw'] })
      expect(r1.status).toBe(400)
      const m1 = (r1.json() as { message: string }).message
      expect(m1).toContain('keystores[1]')
      expect(m1).toContain('pbkdf2 c = 262145 is above the limit of 262144')
      const r2 = await km('/eth/v1/keystores', 'POST', { keystores: [scrypt], passwords: ['pw'] })
      expect(r2.status).toBe(400)
      const m2 = (r2.json() as { message: string }).message
      expect(m2).toContain('keystores[0]: scrypt n = 262144, r = 8, p = 2 needs 128·n·r·p = 512 MiB')
      expect(m2).toContain('limit of 256 MiB')
      expect(performance.now() - t).toBeLessThan(400) // no KDF ran (the pbkdf2 one alone takes ~0.5 s)
      expect(s.signer.service.listKeys()).toEqual([]) // the good keystore was not imported either
    })
  })

  describe('#15 audit trail of exits and deposits', () => {
    it('logs every VOLUNTARY_EXIT and DEPOSIT signed at info with public values only', async () => {
      const imported = await km('/eth/v1/keystores', 'POST', {
        keystores: [await fastKeystore(SECRET)],
        passwords: ['pw'],
      })
      expect(imported.json()).toEqual({ data: [{ status: 'imported' }] })
      s.log.entries.length = 0
      const sign = (body: unknown) =>
        w3s(`/api/v1/eth2/sign/${PK}`, {
          body: JSON.stringify(body),
          headers: { 'content-type': 'application/json', accept: 'application/json' },
        })
      const exit = await sign({
        type: 'VOLUNTARY_EXIT',
        fork_info: FORK_INFO,
        voluntary_exit: { epoch: '364100', validator_index: '4242' },
      })
      expect(exit.status).toBe(200)
      const wc = `0x00${'ab'.repeat(31)}`
      const deposit = await sign({
        type: 'DEPOSIT',
        deposit: { pubkey: PK, withdrawal_credentials: wc, amount: '32000000000', genesis_fork_version: '0x00000000' },
      })
      expect(deposit.status).toBe(200)
      const change = await sign({
        type: 'BLS_TO_EXECUTION_CHANGE',
        fork_info: FORK_INFO,
        BLS_TO_EXECUTION_CHANGE: {
          validator_index: '4242',
          from_bls_pubkey: PK,
          to_execution_address: `0x${'EE'.repeat(20)}`,
        },
      })
      expect(change.status).toBe(200)
      // an attestation is not audited here (slashing protection records it)
      const att = await sign({
        type: 'RANDAO_REVEAL',
        fork_info: FORK_INFO,
        randao_reveal: { epoch: '364100' },
      })
      expect(att.status).toBe(200)

      const info = s.log.entries.filter((e) => e.level === 'info')
      expect(info.find((e) => e.msg === 'signed a VOLUNTARY_EXIT')?.obj).toMatchObject({
        pubkey: PK,
        epoch: '364100',
        validatorIndex: '4242',
      })
      expect(info.find((e) => e.msg === 'signed a DEPOSIT')?.obj).toMatchObject({
        pubkey: PK,
        depositPubkey: PK,
        amountGwei: '32000000000',
        withdrawalCredentials: wc,
        genesisForkVersion: '0x00000000',
      })
      expect(info.find((e) => e.msg === 'signed a BLS_TO_EXECUTION_CHANGE')?.obj).toMatchObject({
        pubkey: PK,
        validatorIndex: '4242',
        toExecutionAddress: `0x${'ee'.repeat(20)}`,
      })
      expect(info.filter((e) => /^signed a /.test(e.msg))).toHaveLength(3)
      const all = JSON.stringify(s.log.entries)
      expect(all).not.toContain(SECRET)
      expect(all).not.toContain((exit.json() as { signature: string }).signature.slice(2))
    })
  })
})
