/** The signer as the node composes it: [signer] config → Web3Signer + keymanager listeners, metrics, restart. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nullLogger } from '../../src/log.js'
import { devConfigToml, loadConfig, type RunningNode, startNode } from '../../src/node/index.js'
import { rawRequest } from '../support/http.js'
import { attestationRequest } from './signerCrashLoad.js'

let home: string
let node: RunningNode

const overrides = {
  kms: { enabled: false },
  signer: { enabled: true, listen: '127.0.0.1:0', keymanager: { listen: '127.0.0.1:0' } },
}
const start = () => startNode(loadConfig(home, devConfigToml(), overrides), { dev: true, logger: nullLogger })
const token = () => readFileSync(resolve(home, 'keymanager-token'), 'utf8').trim()

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'custos-signer-node-'))
  node = await start()
}, 60_000)

afterAll(async () => {
  await node?.close()
  if (home) rmSync(home, { recursive: true, force: true })
})

async function generateKey(): Promise<string> {
  const r = await rawRequest(`${node.signer!.keymanager!.url}/custos/v1/signer/keys`, {
    headers: { authorization: `Bearer ${token()}` },
  })
  expect(r.status).toBe(201)
  return (r.json() as { data: { validating_pubkey: string } }).data.validating_pubkey
}

const sign = (pubkey: string, body: string) =>
  rawRequest(`${node.signer!.api.url}/api/v1/eth2/sign/${pubkey}`, {
    body,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
  })

describe('signer in the node', () => {
  it('serves both APIs from config, with a 0600 token file created at first start', async () => {
    expect(node.signer?.api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(token()).toMatch(/^[0-9a-f]{64}$/)
    const up = await rawRequest(`${node.signer!.api.url}/upcheck`, { method: 'GET' })
    expect(up.text).toBe('OK')
    const noAuth = await rawRequest(`${node.signer!.keymanager!.url}/eth/v1/keystores`, { method: 'GET' })
    expect(noAuth.status).toBe(401)
  })

  it('signs, refuses a double vote with 412, and counts both in /metrics', async () => {
    const pk = await generateKey()
    const first = await sign(pk, attestationRequest(1, 2, 0xaa).body)
    expect(first.status).toBe(200)
    expect((first.json() as { signature: string }).signature).toMatch(/^0x[0-9a-f]{192}$/)
    const double = await sign(pk, attestationRequest(1, 2, 0xbb).body)
    expect(double.status).toBe(412)
    const m = await rawRequest(`${node.signer!.api.url}/metrics`, { method: 'GET' })
    expect(m.status).toBe(200)
    expect(m.text).toMatch(
      /custos_rpc_request_duration_seconds_count\{service="signer",method="sign",status="200"\} [1-9]/,
    )
    expect(m.text).toMatch(
      /custos_rpc_request_duration_seconds_count\{service="signer",method="sign",status="412"\} [1-9]/,
    )
    // both decisions went through the commit thread
    expect(m.text).toMatch(/custos_signer_slashing_commit_seconds_count\{thread="worker"\} [1-9]/)
    expect(m.text).toMatch(/custos_signer_slashing_commit_batch_size_sum\{thread="worker"\} [2-9]/)
  })

  it('after a restart the keys are back and the recorded vote still blocks a conflicting one', async () => {
    const before = await rawRequest(`${node.signer!.api.url}/api/v1/eth2/publicKeys`, { method: 'GET' })
    const keys = before.json() as string[]
    expect(keys.length).toBeGreaterThan(0)
    await node.close()
    node = await start()
    const after = await rawRequest(`${node.signer!.api.url}/api/v1/eth2/publicKeys`, { method: 'GET' })
    expect((after.json() as string[]).sort()).toEqual([...keys].sort())
    const r = await sign(keys[0]!, attestationRequest(1, 2, 0xcc).body)
    expect(r.status).toBe(412)
  })
})
