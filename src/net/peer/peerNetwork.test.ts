/**
 * The committee transport over real mutual attested TLS on loopback (simulated TEE identities, as mtls.test.ts
 * builds them): exchange, connection-level refusals, inbound envelope checks, back-pressure, reconnects, epochs.
 */
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { connect as h2connect } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { createServer } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createVerifier, type EvidenceVerifier } from '../../attestation/index.js'
import { exportPkcs8Pem, exportSpkiDer, generateP256KeyPair, SecretBytes } from '../../crypto/index.js'
import { memoryLogger } from '../../log.js'
import { createSimulatedVendorInMemory, provisionSimulatedMachineInMemory, SimulatedTee } from '../../tee/index.js'
import { createRaTlsCertificate } from '../createRaTlsCertificate.js'
import { createRaTlsIdentity, type RaTlsIdentity } from '../createRaTlsIdentity.js'
import { type EnvelopeInput, signEnvelope } from './envelope.js'
import { AckReader, encodeFrame, reasonOfCode, STREAM_PATH } from './frames.js'
import { channelBinding, DROP_HEADER, encodeHello, HELLO_PATH } from './hello.js'
import { createNodeSigner, type NodeSigner } from './nodeKey.js'
import { createPeerMetrics } from './peerMetrics.js'
import { PeerNetwork, type PeerNetworkOptions } from './peerNetwork.js'
import type { PeerLimits, PeerMember } from './types.js'

let tee: SimulatedTee
let verifier: EvidenceVerifier

/** Fast retries and pings so failures show within a test's time. */
const FAST: Partial<PeerLimits> = {
  backoffBaseMs: 20,
  backoffMaxMs: 200,
  pingIntervalMs: 300,
  connectTimeoutMs: 2_000,
  sendTimeoutMs: 3_000,
}

interface Party {
  id: number
  signer: NodeSigner
  tls: RaTlsIdentity
  port: number
  member: PeerMember
  log: ReturnType<typeof memoryLogger>
}

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1')
  await once(s, 'listening')
  const { port } = s.address() as AddressInfo
  s.close()
  await once(s, 'close')
  return port
}

/** An RA-TLS identity as node/ builds them (fresh P-256 key, evidence bound to it). */
const peerIdentity = () =>
  createRaTlsIdentity({ tee, subject: 'custos-peer', altNames: ['127.0.0.1'], serverAuth: true, clientAuth: true })

async function party(id: number): Promise<Party> {
  const signer = createNodeSigner(new SecretBytes(randomBytes(32)))
  const tls = await peerIdentity()
  const port = await freePort()
  return {
    id,
    signer,
    tls,
    port,
    member: { id, nodeKey: signer.publicKey, url: `https://127.0.0.1:${port}` },
    log: memoryLogger(),
  }
}

function start(
  p: Party,
  members: PeerMember[],
  extra: Partial<PeerNetworkOptions> & { limits?: Partial<PeerLimits> } = {},
): Promise<PeerNetwork> {
  return PeerNetwork.start({
    id: p.id,
    signer: p.signer,
    tls: { certPem: p.tls.cert.pem, keyPem: p.tls.keyPem },
    epoch: 1n,
    members,
    verifier,
    authorize: () => true,
    listen: { port: p.port },
    logger: p.log,
    ...extra,
    limits: { ...FAST, ...extra.limits },
  })
}

const sid = () => new Uint8Array(randomBytes(32))
const bytes = (s: string) => new TextEncoder().encode(s)
const text = (b: Uint8Array) => new TextDecoder().decode(b)

/** Warn entries of a party's log with this message and drop reason. */
const warned = (p: Party, msg: string, reason: string) =>
  p.log.entries.filter((e) => e.level === 'warn' && e.msg === msg && (e.obj as { reason?: string }).reason === reason)

async function until(cond: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}

/**
 * A raw HTTP/2 client: TLS with `tls` (a member's certificate, or any other), then a hello signed by `signer` as
 * participant `id`, so tests can put hand-made bytes on an authenticated connection. Does not check the server.
 */
async function rawClient(
  tls: { certPem: string; keyPem: string },
  url: string,
  as: { id: number; signer: NodeSigner },
) {
  const u = new URL(url)
  const socket = tlsConnect({
    host: u.hostname,
    port: Number(u.port),
    cert: tls.certPem,
    key: tls.keyPem,
    rejectUnauthorized: false,
    ALPNProtocols: ['h2'],
    minVersion: 'TLSv1.3',
  })
  await once(socket, 'secureConnect')
  const session = h2connect(url, { createConnection: () => socket })
  session.on('error', () => {})
  const hello = await new Promise<{ status: number; reason?: string }>((resolve, reject) => {
    const req = session.request({ ':method': 'POST', ':path': HELLO_PATH })
    req.on('response', (h) => {
      const reason = h[DROP_HEADER]
      resolve({ status: Number(h[':status']), ...(typeof reason === 'string' ? { reason } : {}) })
      req.resume()
    })
    req.on('error', reject)
    req.on('close', () => reject(new Error('stream closed without a response')))
    req.end(encodeHello({ id: as.id, epoch: 1n, signer: as.signer, role: 'client', binding: channelBinding(socket) }))
  })
  // the envelope stream: post() writes one frame and resolves with 'accepted' or the drop reason
  const waiting = new Map<number, (r: string) => void>()
  let stream: ReturnType<typeof session.request> | undefined
  let nextId = 0
  const post = (body: Uint8Array) =>
    new Promise<string>((resolve, reject) => {
      if (!stream) {
        const st = session.request({ ':method': 'POST', ':path': STREAM_PATH }, { endStream: false })
        const acks = new AckReader((id, code) =>
          waiting.get(id)?.(code === 0 ? 'accepted' : String(reasonOfCode(code))),
        )
        st.on('data', (c: Buffer) => acks.push(c))
        st.on('error', () => {})
        st.on('close', () => {
          for (const w of waiting.values()) w('closed')
        })
        stream = st
      }
      if (stream.destroyed) return reject(new Error('stream closed'))
      const id = ++nextId
      waiting.set(id, resolve)
      stream.write(encodeFrame(id, body))
    })
  return { hello, post, close: () => session.destroy() }
}

beforeAll(async () => {
  const vendor = await createSimulatedVendorInMemory()
  const machine = await provisionSimulatedMachineInMemory({ vendor })
  tee = new SimulatedTee({ machine, workload: { osImageHash: new Uint8Array(32).fill(5) } })
  verifier = createVerifier({ trustSimulated: true, simulatedRoots: [vendor] })
})

describe('three members over mutual attested TLS', () => {
  let a: Party
  let b: Party
  let c: Party
  /** a member whose node key and certificate the tests use by hand (no network runs for it) */
  let r: Party
  let nets: PeerNetwork[]
  let members: PeerMember[]
  const registry = new Registry()

  beforeAll(async () => {
    ;[a, b, c, r] = await Promise.all([party(1), party(2), party(3), party(9)])
    members = [a.member, b.member, c.member, r.member]
    nets = await Promise.all([
      start(a, members, {
        metrics: createPeerMetrics(registry),
        limits: { maxQueuedPerSession: 4, maxPayloadBytes: 4096, maxOutboundPerPeer: 2 },
      }),
      start(b, members),
      start(c, members),
    ])
    await Promise.all(nets.map((n) => n.waitForPeers([1, 2, 3].filter((i) => i !== n.id))))
  })
  afterAll(async () => {
    await Promise.all(nets.map((n) => n.close()))
  })

  it('broadcast, point-to-point, collect and loopback deliver signed envelopes to the right queues', async () => {
    const [na, nb, nc] = nets as [PeerNetwork, PeerNetwork, PeerNetwork]
    expect(na.onlinePeers()).toEqual([2, 3]) // member 9 is not running
    const s = sid()
    const res = await na.broadcast({ sessionId: s, round: 'r1', payload: bytes('hello from 1') }, { timeoutMs: 500 })
    expect(res.delivered).toEqual([2, 3])
    expect([...res.failed.keys()]).toEqual([9])
    for (const n of [nb, nc]) {
      const m = await n.recv({ sessionId: s, round: 'r1', from: 1, timeoutMs: 2_000 })
      expect(text(m.payload)).toBe('hello from 1')
      expect(m).toMatchObject({ epoch: 1n, sender: 1, recipient: 'all', round: 'r1' })
      expect(m.raw.length).toBeGreaterThan(m.payload.length + 64)
    }
    await Promise.all([
      nb.send(1, { sessionId: s, round: 'r2', payload: bytes('2→1') }),
      nc.send(1, { sessionId: s, round: 'r2', payload: bytes('3→1') }),
      na.send(1, { sessionId: s, round: 'r2', payload: bytes('1→1') }),
    ])
    const got = await na.collect({ sessionId: s, round: 'r2', from: [1, 2, 3], timeoutMs: 2_000 })
    expect([...got].map(([id, m]) => [id, text(m.payload), m.recipient])).toEqual([
      [1, '1→1', 1],
      [2, '2→1', 1],
      [3, '3→1', 1],
    ])
    // a message for a round nobody sent times out with the missing member named
    await expect(na.collect({ sessionId: s, round: 'r3', from: [2], timeoutMs: 100 })).rejects.toMatchObject({
      code: 'PEER_TIMEOUT',
      meta: { missing: '2' },
    })
    // queued before anyone asks: recv returns it later
    await nb.send(3, { sessionId: s, round: 'late', payload: bytes('x') })
    expect(text((await nc.recv({ sessionId: s, round: 'late', timeoutMs: 1000 })).payload)).toBe('x')
    await expect(na.send(77, { sessionId: s, round: 'r', payload: bytes('') })).rejects.toMatchObject({
      code: 'PEER_NOT_MEMBER',
    })
    const text2 = await registry.metrics()
    expect(text2).toMatch(/custos_peer_messages_sent_total\{peer="2"\} [1-9]/)
    expect(text2).toMatch(/custos_peer_messages_received_total\{peer="2"\} 1/)
    expect(text2).toMatch(/custos_peer_online_peers 2/)
  })

  it('drops forged, wrong-sender, other-epoch, wrong-recipient, malformed, oversize and replayed envelopes, each logged', async () => {
    const raw = await rawClient({ certPem: r.tls.cert.pem, keyPem: r.tls.keyPem }, a.member.url, r)
    expect(raw.hello.status).toBe(200)
    try {
      const s = sid()
      let seq = 1n
      const env = (patch: Partial<EnvelopeInput> = {}): EnvelopeInput => ({
        epoch: 1n,
        sessionId: s,
        round: 'r1',
        sender: 9,
        recipient: 1,
        seq: seq++,
        payload: bytes('p'),
        ...patch,
      })
      const asR = (e: EnvelopeInput) => signEnvelope(e, r.signer.sign)
      const cases: Array<[string, Uint8Array]> = [
        ['bad_signature', signEnvelope(env(), b.signer.sign)],
        ['wrong_sender', signEnvelope(env({ sender: 2 }), b.signer.sign)],
        ['wrong_epoch', asR(env({ epoch: 2n }))],
        ['wrong_recipient', asR(env({ recipient: 3 }))],
        ['malformed', new Uint8Array(randomBytes(200))],
        ['oversize', asR(env({ payload: new Uint8Array(5000) }))],
      ]
      for (const [reason, body] of cases) {
        expect(await raw.post(body), reason).toBe(reason)
        expect(warned(a, 'peer message dropped', reason).length, reason).toBeGreaterThan(0)
      }
      const good = asR(env())
      expect(await raw.post(good)).toBe('accepted')
      expect(await raw.post(good)).toBe('replayed')
      expect(warned(a, 'peer message dropped', 'replayed')).toHaveLength(1)
      const m = await nets[0]!.recv({ sessionId: s, round: 'r1', timeoutMs: 1000 })
      expect(m.sender).toBe(9)
      const st = nets[0]!.stats()
      for (const reason of [...cases.map((x) => x[0]), 'replayed'])
        expect(st.dropped[reason as keyof typeof st.dropped], reason).toBeGreaterThanOrEqual(1)
      // the log names ids and reasons, never payload bytes
      const entry = warned(a, 'peer message dropped', 'wrong_epoch')[0]!.obj
      expect(entry).toMatchObject({ peer: 9, sender: 9, epoch: '2', current: '1', round: 'r1' })
      const planted = new Uint8Array(24).fill(0xc7)
      expect(await raw.post(signEnvelope(env({ payload: planted }), b.signer.sign))).toBe('bad_signature')
      expect(await raw.post(signEnvelope(env({ payload: planted, epoch: 9n }), r.signer.sign))).toBe('wrong_epoch')
      const logged = JSON.stringify(a.log.entries, (_, v) => (typeof v === 'bigint' ? String(v) : v))
      expect(logged).not.toContain('c7c7c7c7')
    } finally {
      raw.close()
    }
  })

  it('back-pressure: a session queue holds maxQueuedPerSession messages, then 429 until it is read', async () => {
    const raw = await rawClient({ certPem: r.tls.cert.pem, keyPem: r.tls.keyPem }, a.member.url, r)
    expect(raw.hello.status).toBe(200)
    try {
      const s = sid()
      const post = (seq: bigint) =>
        raw.post(
          signEnvelope(
            { epoch: 1n, sessionId: s, round: 'bp', sender: 9, recipient: 'all', seq, payload: bytes(String(seq)) },
            r.signer.sign,
          ),
        )
      for (let i = 1n; i <= 4n; i++) expect(await post(1000n + i)).toBe('accepted')
      expect(await post(1005n)).toBe('backpressure')
      expect(warned(a, 'peer message dropped', 'backpressure').length).toBeGreaterThan(0)
      await nets[0]!.recv({ sessionId: s, round: 'bp', timeoutMs: 100 })
      // the refused envelope itself is accepted when sent again (a refusal does not mark it as seen)
      expect(await post(1005n)).toBe('accepted')
      // closed sessions refuse late messages
      nets[0]!.closeSession(s)
      expect(await post(1007n)).toBe('session_closed')
    } finally {
      raw.close()
    }
  })

  it('outbound bound: sends to an unreachable member wait in a bounded queue, then fail with PEER_UNREACHABLE', async () => {
    const na = nets[0]!
    const msg = { sessionId: sid(), round: 'x', payload: bytes('') }
    const pending = [na.send(9, msg, { timeoutMs: 600 }), na.send(9, msg, { timeoutMs: 600 })]
    await expect(na.send(9, msg)).rejects.toMatchObject({ code: 'PEER_OUTBOUND_FULL' })
    for (const p of pending) await expect(p).rejects.toMatchObject({ code: 'PEER_UNREACHABLE' })
  })
})

describe('connection-level refusals', () => {
  let a: Party
  let b: Party
  let na: PeerNetwork
  let nb: PeerNetwork
  beforeAll(async () => {
    ;[a, b] = await Promise.all([party(1), party(2)])
    na = await start(a, [a.member, b.member], {
      // policy: member 5 runs an identity that role `mpc` does not allow
      authorize: (peer, m) => (m.id === 5 ? `identity ${peer.identity.platform} not allowed for role mpc` : true),
    })
    nb = await start(b, [a.member, b.member])
    await na.waitForPeers([2])
  })
  afterAll(async () => {
    await Promise.all([na.close(), nb.close()])
  })

  it('a TEE node whose node key is not a member is refused at the connection (not_member)', async () => {
    const x = await party(4)
    // x believes it is a member; a does not list it
    const nx = await start(x, [a.member, x.member])
    try {
      await expect(
        nx.send(1, { sessionId: sid(), round: 'r', payload: bytes('hi') }, { timeoutMs: 800 }),
      ).rejects.toMatchObject({ code: 'PEER_UNREACHABLE', meta: { reason: 'not_member' } })
      await until(() => warned(a, 'peer connection refused', 'not_member').length > 0)
      expect(warned(a, 'peer connection refused', 'not_member')[0]!.obj).toMatchObject({ side: 'inbound' })
      expect(na.stats().received).toBe(0)
    } finally {
      await nx.close()
    }
  })

  it('a member that fails authorize is refused (unauthorized) inbound and outbound', async () => {
    const u = await party(5)
    na.setEpoch(1n, [a.member, b.member, u.member])
    nb.setEpoch(1n, [a.member, b.member, u.member])
    const nu = await start(u, [a.member, b.member, u.member])
    try {
      await expect(
        nu.send(1, { sessionId: sid(), round: 'r', payload: bytes('hi') }, { timeoutMs: 800 }),
      ).rejects.toMatchObject({
        code: 'PEER_UNREACHABLE',
      })
      await until(() =>
        warned(a, 'peer connection refused', 'unauthorized').some(
          (e) => (e.obj as { side: string }).side === 'outbound',
        ),
      )
      const inbound = warned(a, 'peer connection refused', 'unauthorized').find(
        (e) => (e.obj as { side: string }).side === 'inbound',
      )
      expect(inbound?.obj).toMatchObject({ detail: 'identity simulated not allowed for role mpc' })
      expect(na.onlinePeers()).toEqual([2])
      // b (no such policy) talks to u
      await nb.waitForPeers([5])
    } finally {
      await nu.close()
      na.setEpoch(1n, [a.member, b.member])
      nb.setEpoch(1n, [a.member, b.member])
    }
  })

  it("a member's node key on a certificate without attestation is refused (attestation)", async () => {
    const keys = await generateP256KeyPair()
    const cert = await createRaTlsCertificate({ keys, subject: 'stolen-node-key', clientAuth: true })
    const raw = await rawClient({ certPem: cert.pem, keyPem: await exportPkcs8Pem(keys.privateKey) }, a.member.url, b)
    try {
      expect(raw.hello).toEqual({ status: 403, reason: 'attestation' })
      const body = signEnvelope(
        { epoch: 1n, sessionId: sid(), round: 'r', sender: 2, recipient: 1, seq: 1n, payload: bytes('') },
        b.signer.sign,
      )
      expect(await raw.post(body).catch(() => 'closed')).toBe('closed')
      expect(warned(a, 'peer connection refused', 'attestation')[0]!.obj).toMatchObject({
        detail: 'the certificate carries no attestation',
      })
    } finally {
      raw.close()
    }
  })

  it('a hello signed for another connection, or by a non-member key, is refused (not_member)', async () => {
    const x = createNodeSigner(new SecretBytes(randomBytes(32)))
    const raw = await rawClient({ certPem: b.tls.cert.pem, keyPem: b.tls.keyPem }, a.member.url, { id: 2, signer: x })
    try {
      expect(raw.hello).toEqual({ status: 403, reason: 'not_member' })
      expect(
        warned(a, 'peer connection refused', 'not_member').some((e) =>
          /node key/.test(String((e.obj as { detail: string }).detail)),
        ),
      ).toBe(true)
    } finally {
      raw.close()
    }
  })

  it("a member's pinned TLS key is enforced", async () => {
    const other = await generateP256KeyPair()
    na.setEpoch(1n, [a.member, { ...b.member, tlsSpki: await exportSpkiDer(other.publicKey) }])
    try {
      await until(() =>
        warned(a, 'peer connection refused', 'not_member').some((e) =>
          /pinned/.test(String((e.obj as { detail: string }).detail)),
        ),
      )
      expect(na.onlinePeers()).toEqual([])
      na.setEpoch(1n, [a.member, { ...b.member, tlsSpki: b.tls.spki }])
      await na.waitForPeers([2])
    } finally {
      na.setEpoch(1n, [a.member, b.member])
    }
  })
})

describe('reconnects and epochs', () => {
  it("reconnects after a peer's server restarts; a send issued while it is down is delivered once it is back", async () => {
    const [a, b] = await Promise.all([party(1), party(2)])
    const members = [a.member, b.member]
    const na = await start(a, members, { limits: { sendTimeoutMs: 8_000 } })
    let nb = await start(b, members)
    try {
      await na.waitForPeers([2])
      const s = sid()
      await na.send(2, { sessionId: s, round: 'before', payload: bytes('1') })
      await nb.close()
      await until(() => na.onlinePeers().length === 0)
      const inFlight = na.send(2, { sessionId: s, round: 'after', payload: bytes('2') })
      // b restarts on the same address with a fresh TLS key and attestation (same node key)
      b.tls = await peerIdentity()
      nb = await start(b, members)
      await inFlight
      expect(text((await nb.recv({ sessionId: s, round: 'after', from: 1, timeoutMs: 1000 })).payload)).toBe('2')
      expect(na.onlinePeers()).toEqual([2])
    } finally {
      await Promise.all([na.close(), nb.close()])
    }
  })

  it('setEpoch closes connections to members that left and drops the old epoch’s sessions', async () => {
    const [a, b, c] = await Promise.all([party(1), party(2), party(3)])
    const e1 = [a.member, b.member, c.member]
    const [na, nb, nc] = await Promise.all([start(a, e1), start(b, e1), start(c, e1)])
    try {
      await na.waitForPeers([2, 3])
      const old = na.recv({ sessionId: sid(), round: 'r', timeoutMs: 5_000 })
      na.setEpoch(2n, [a.member, b.member])
      nb.setEpoch(2n, [a.member, b.member])
      await expect(old).rejects.toMatchObject({ code: 'PEER_EPOCH_CHANGED' })
      expect(na.epoch).toBe(2n)
      await until(() => na.onlinePeers().join() === '2')
      const s = sid()
      await nb.send(1, { sessionId: s, round: 'r', payload: bytes('e2') })
      expect((await na.recv({ sessionId: s, round: 'r', timeoutMs: 1000 })).epoch).toBe(2n)
      // c still thinks it is epoch 1 with a as a member: a refuses its connection
      await expect(
        nc.send(1, { sessionId: s, round: 'r', payload: bytes('') }, { timeoutMs: 800 }),
      ).rejects.toMatchObject({
        code: 'PEER_UNREACHABLE',
      })
      expect(warned(a, 'peer connection refused', 'not_member').length).toBeGreaterThan(0)
      // an epoch-1 envelope from b (still a member) is dropped as another epoch
      nb.setEpoch(1n, [a.member, b.member])
      await expect(nb.send(1, { sessionId: s, round: 'r', payload: bytes('') })).rejects.toMatchObject({
        code: 'PEER_REJECTED',
        meta: { reason: 'wrong_epoch' },
      })
      expect(warned(a, 'peer message dropped', 'wrong_epoch').length).toBe(1)
    } finally {
      await Promise.all([na.close(), nb.close(), nc.close()])
    }
  })
})
