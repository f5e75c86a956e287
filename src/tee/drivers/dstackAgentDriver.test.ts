import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { readVector } from '../../../test/support/vectors.js'
import {
  createNitroVerifier,
  DSTACK_RUNTIME_EVENT_TYPE,
  encodeVersionedAttestation,
  runtimeEventDigest,
} from '../../attestation/index.js'
import { toHex } from '../../crypto/index.js'
import { DstackAgentDriver } from './dstackAgentDriver.js'

const tdxQuote = readVector('dcap/tdx_quote')
const nitroAttestation = readVector('nitro/dstack_nitro_attestation.bin')
const NITRO_NOW = 1766668537
const dirs: string[] = []
let server: Server | undefined
afterEach(async () => {
  await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()))
  server = undefined
})
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

type Handler = (path: string, body: Record<string, unknown>) => { status?: number; json?: unknown; text?: string }

/** A fake dstack guest agent: HTTP/1.1 on a unix socket in a temp dir. */
async function fakeAgent(
  handler: Handler,
): Promise<{ socketPath: string; calls: Array<{ path: string; body: unknown }> }> {
  const dir = mkdtempSync(join(tmpdir(), 'custos-dstack-'))
  dirs.push(dir)
  const socketPath = join(dir, 'dstack.sock')
  const calls: Array<{ path: string; body: unknown }> = []
  server = createServer((req, res) => {
    let data = ''
    req.on('data', (c) => (data += c))
    req.on('end', () => {
      const body = JSON.parse(data || '{}')
      calls.push({ path: req.url ?? '', body })
      const r = handler(req.url ?? '', body)
      res.writeHead(r.status ?? 200, { 'content-type': 'application/json' })
      res.end(r.text ?? JSON.stringify(r.json ?? {}))
    })
  })
  await new Promise<void>((ok) => server!.listen(socketPath, ok))
  return { socketPath, calls }
}

const events = [
  { event: 'app-id', payload: new Uint8Array(20).fill(2) },
  { event: 'system-ready', payload: new Uint8Array() },
]

describe('DstackAgentDriver (fake guest agent socket)', () => {
  it('POSTs /Attest and decodes the VersionedAttestation', async () => {
    const agent = await fakeAgent((path, body) => {
      if (path !== '/Attest') return { status: 404 }
      const reportData = Buffer.from(String(body['report_data']), 'hex')
      const att = encodeVersionedAttestation({
        quote: { type: 'tdx', quote: tdxQuote, eventLog: [] },
        runtimeEvents: events,
        reportData: new Uint8Array(reportData),
        config: '{"os_image_hash":"aa"}',
      })
      return { json: { attestation: toHex(att) } }
    })
    const rd = new Uint8Array(64).fill(5)
    const att = await new DstackAgentDriver({ socketPath: agent.socketPath }).attest(rd)
    expect(agent.calls).toEqual([{ path: '/Attest', body: { report_data: toHex(rd) } }])
    expect(att.reportData).toEqual(rd)
    expect(att.runtimeEvents.map((e) => e.event)).toEqual(['app-id', 'system-ready'])
    expect(att.quote.type === 'tdx' && att.quote.quote).toEqual(tdxQuote)
    expect(att.config).toBe('{"os_image_hash":"aa"}')
  })

  it('passes dstack-on-Nitro evidence through; it verifies with the Nitro verifier', async () => {
    const agent = await fakeAgent(() => ({ json: { attestation: toHex(nitroAttestation) } }))
    const drv = new DstackAgentDriver({ socketPath: agent.socketPath, platform: 'nitro' })
    const att = await drv.attest(new Uint8Array(64))
    expect(att.quote.type).toBe('nitro')
    const id = await createNitroVerifier().verify(att, { now: NITRO_NOW })
    expect(id.platform).toBe('nitro')
    await expect(drv.attest(new Uint8Array(64).fill(1))).rejects.toMatchObject({ code: 'TEE_BAD_EVIDENCE' })
  })

  it('falls back to /GetQuote on older agents and keeps the RTMR3 runtime events', async () => {
    const rd = new Uint8Array(64).fill(3)
    const log = [
      { imr: 0, event_type: 1, digest: 'aa'.repeat(48), event: '', event_payload: 'bb' },
      ...events.map((e) => ({
        imr: 3,
        event_type: DSTACK_RUNTIME_EVENT_TYPE,
        digest: toHex(runtimeEventDigest(e)),
        event: e.event,
        event_payload: toHex(e.payload),
      })),
    ]
    const agent = await fakeAgent((path) =>
      path === '/GetQuote'
        ? { json: { quote: toHex(tdxQuote), event_log: JSON.stringify(log), report_data: toHex(rd), vm_config: '{}' } }
        : { status: 404, text: 'not found' },
    )
    const att = await new DstackAgentDriver({ socketPath: agent.socketPath }).attest(rd)
    expect(agent.calls.map((c) => c.path)).toEqual(['/Attest', '/GetQuote'])
    expect(att.quote.type === 'tdx' && att.quote.eventLog).toHaveLength(3)
    expect(att.runtimeEvents).toEqual(events)
    expect(att.config).toBe('{}')
  })

  it('gets the sealing key from /GetKey (KMS-derived app key)', async () => {
    const agent = await fakeAgent((path, body) =>
      path === '/GetKey' && body['path'] === 'custos/sealing'
        ? { json: { key: 'ab'.repeat(32), signature_chain: [] } }
        : { status: 400, json: { error: 'bad' } },
    )
    const key = await new DstackAgentDriver({ socketPath: agent.socketPath }).sealingKey()
    expect(toHex(key.expose())).toBe('ab'.repeat(32))
    await expect(
      new DstackAgentDriver({ socketPath: agent.socketPath, sealingKeyPath: 'other' }).sealingKey(),
    ).rejects.toMatchObject({ code: 'TEE_AGENT_ERROR', meta: { status: 400 } })
  })

  it('reports agent errors and a missing socket clearly', async () => {
    const agent = await fakeAgent(() => ({ status: 500, text: 'boom' }))
    await expect(
      new DstackAgentDriver({ socketPath: agent.socketPath }).attest(new Uint8Array(64)),
    ).rejects.toMatchObject({
      code: 'TEE_AGENT_ERROR',
    })
    const bad = await new DstackAgentDriver({ socketPath: join(tmpdir(), 'custos-no-dstack.sock') })
      .attest(new Uint8Array(64))
      .catch((e) => e)
    expect(bad.code).toBe('TEE_DEVICE_UNAVAILABLE')
  })
})
