import { once } from 'node:events'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type Attestation,
  createVerifier,
  type EvidenceVerifier,
  encodeVersionedAttestation,
} from '../attestation/index.js'
import {
  createSelfSignedCa,
  exportPkcs8Pem,
  exportSpkiDer,
  generateP256KeyPair,
  type P256KeyPair,
  toHex,
  type X509Cert,
} from '../crypto/index.js'
import { createSimulatedVendorInMemory, provisionSimulatedMachineInMemory, SimulatedTee } from '../tee/index.js'
import { createAttestedClient } from './createAttestedClient.js'
import { createRaTlsCertificate } from './createRaTlsCertificate.js'
import { NetError } from './errors.js'
import { fetchPeerCertificate } from './fetchPeerCertificate.js'
import { PeerVerifier } from './peerVerifier.js'
import type { RaTlsUsage } from './raTlsOids.js'
import { raTlsReportData } from './raTlsReportData.js'
import type { AttestedServer } from './serverCertificateCheck.js'
import { tlsServerOptions } from './tlsServerOptions.js'

const nowS = () => Math.floor(Date.now() / 1000)
const APP_ID = new Uint8Array(20).fill(0xa1)

interface Party {
  keys: P256KeyPair
  cert: X509Cert
  keyPem: string
  spki: Uint8Array
}

let tee: SimulatedTee
let verifier: EvidenceVerifier

/** Verifier wrapper that counts calls to the real one. */
function counting(inner: EvidenceVerifier) {
  const c = {
    calls: 0,
    verify(att: Attestation, opts: Parameters<EvidenceVerifier['verify']>[1]) {
      c.calls++
      return inner.verify(att, opts)
    },
  }
  return c
}

async function party(
  opts: {
    usage?: RaTlsUsage
    attestFor?: P256KeyPair
    unattested?: boolean
    issuer?: { cert: X509Cert; keys: P256KeyPair }
  } = {},
): Promise<Party> {
  const keys = await generateP256KeyPair()
  const spki = await exportSpkiDer(keys.publicKey)
  const bound = opts.attestFor ? await exportSpkiDer(opts.attestFor.publicKey) : spki
  const attestation = opts.unattested ? undefined : encodeVersionedAttestation(await tee.attest(raTlsReportData(bound)))
  const cert = await createRaTlsCertificate({
    keys,
    subject: 'localhost',
    altNames: ['localhost', '127.0.0.1'],
    usage: opts.usage,
    attestation,
    serverAuth: true,
    clientAuth: true,
    issuer: opts.issuer ? { cert: opts.issuer.cert, privateKey: opts.issuer.keys.privateKey } : undefined,
  })
  return { keys, cert, keyPem: await exportPkcs8Pem(keys.privateKey), spki }
}

interface TestServer {
  url: string
  server: Server
  handled: number
  connections: number
  peerVerifier: PeerVerifier
  close(): Promise<void>
}

/** https.createServer that reports the verified client identity (or the NetError code) as JSON. */
async function startServer(p: Party, v: EvidenceVerifier, chainPem?: string): Promise<TestServer> {
  const peerVerifier = new PeerVerifier({ verifier: v, now: nowS })
  const state = { handled: 0, connections: 0 }
  const server = createServer(
    tlsServerOptions({
      certPem: p.cert.pem,
      keyPem: p.keyPem,
      requestClientCert: true,
      ...(chainPem ? { chainPem } : {}),
    }),
  )
  server.on('secureConnection', () => state.connections++)
  server.on('request', async (req, res) => {
    state.handled++
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    try {
      const peer = await peerVerifier.verifySocket(req.socket as TLSSocket)
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({
          peer: peer ? { spki: toHex(peer.spki), platform: peer.identity.platform } : null,
          echo: Buffer.concat(chunks).toString(),
        }),
      )
    } catch (err) {
      res.writeHead(err instanceof NetError ? err.status : 500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: err instanceof NetError ? err.code : 'internal' }))
    }
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return Object.assign(state, {
    url: `https://127.0.0.1:${port}`,
    server,
    peerVerifier,
    close: async () => {
      server.closeAllConnections()
      server.close()
      await once(server, 'close')
    },
  })
}

const json = (b: Uint8Array) => JSON.parse(Buffer.from(b).toString())

beforeAll(async () => {
  const vendor = await createSimulatedVendorInMemory()
  const machine = await provisionSimulatedMachineInMemory({ vendor })
  tee = new SimulatedTee({ machine, workload: { osImageHash: new Uint8Array(32).fill(5), appId: APP_ID } })
  verifier = createVerifier({ trustSimulated: true, simulatedRoots: [vendor] })
})

describe('mutual attested TLS (simulated TEE, real sockets)', () => {
  let serverParty: Party
  let server: TestServer
  beforeAll(async () => {
    serverParty = await party({ usage: 'kms:rpc' })
    server = await startServer(serverParty, verifier)
  })
  afterAll(() => server.close())

  it('both sides verify each other', async () => {
    const client = await party()
    const c = createAttestedClient({
      clientCertPem: client.cert.pem,
      clientKeyPem: client.keyPem,
      verifier,
      now: nowS,
      expectedUsage: 'kms:rpc',
    })
    try {
      const res = await c.request(`${server.url}/prpc/GetMeta?json`, { method: 'POST', body: '{"x":1}' })
      expect(res.status).toBe(200)
      const body = json(res.body)
      expect(body).toEqual({ peer: { spki: toHex(client.spki), platform: 'simulated' }, echo: '{"x":1}' })
      expect(res.peer?.identity.platform).toBe('simulated')
      expect(toHex(res.peer!.spki)).toBe(toHex(serverParty.spki))
      expect(toHex(res.peer!.identity.reportData)).toBe(toHex(raTlsReportData(serverParty.spki)))
      expect(res.peer?.usage).toBe('kms:rpc')
      expect(res.peer?.certDer).toEqual(serverParty.cert.der)
    } finally {
      c.close()
    }
  })

  it('no client certificate → undefined peer', async () => {
    const c = createAttestedClient({ verifier, now: nowS })
    try {
      const res = await c.request(`${server.url}/x`)
      expect(res.status).toBe(200)
      expect(json(res.body).peer).toBeNull()
    } finally {
      c.close()
    }
  })

  it('client evidence bound to a different key → NET_BINDING_MISMATCH', async () => {
    const other = await generateP256KeyPair()
    const client = await party({ attestFor: other })
    const c = createAttestedClient({ clientCertPem: client.cert.pem, clientKeyPem: client.keyPem, verifier, now: nowS })
    try {
      const res = await c.request(`${server.url}/x`)
      expect(res.status).toBe(400)
      expect(json(res.body)).toEqual({ error: 'NET_BINDING_MISMATCH' })
    } finally {
      c.close()
    }
  })

  it('keep-alive: N requests on one connection verify once on each side', async () => {
    const client = await party()
    const counted = counting(verifier)
    const s = await startServer(serverParty, counted)
    const clientCounted = counting(verifier)
    const c = createAttestedClient({
      clientCertPem: client.cert.pem,
      clientKeyPem: client.keyPem,
      verifier: clientCounted,
      now: nowS,
    })
    try {
      for (let i = 0; i < 5; i++) {
        const res = await c.request(`${s.url}/n/${i}`, { method: 'POST', body: String(i) })
        expect(json(res.body).echo).toBe(String(i))
        expect(json(res.body).peer.spki).toBe(toHex(client.spki))
      }
      expect(s.connections).toBe(1)
      expect(s.handled).toBe(5)
      expect(counted.calls).toBe(1)
      expect(clientCounted.calls).toBe(1)
    } finally {
      c.close()
      await s.close()
    }
  })

  it('reconnects within the TTL reuse the cached verdict; after the TTL they verify again', async () => {
    const client = await party()
    const counted = counting(verifier)
    let t = nowS()
    const pv = new PeerVerifier({ verifier: counted, now: () => t, ttlSeconds: 60 })
    await pv.verifyCertificate(client.cert.der)
    await pv.verifyCertificate(client.cert.der)
    expect(counted.calls).toBe(1)
    t += 61
    await pv.verifyCertificate(client.cert.der)
    expect(counted.calls).toBe(2)
    const bad = await party({ attestFor: await generateP256KeyPair() })
    await expect(pv.verifyCertificate(bad.cert.der)).rejects.toMatchObject({ code: 'NET_BINDING_MISMATCH' })
    await expect(pv.verifyCertificate(bad.cert.der)).rejects.toMatchObject({ code: 'NET_BINDING_MISMATCH' })
  })
})

describe('the client verifies the server before sending', () => {
  it('server with the wrong usage → NET_WRONG_USAGE, request never reaches the handler', async () => {
    const s = await startServer(await party({ usage: 'app:custom' }), verifier)
    const c = createAttestedClient({ verifier, now: nowS, expectedUsage: 'kms:rpc' })
    try {
      await expect(c.request(`${s.url}/x`, { method: 'POST', body: 'secret' })).rejects.toMatchObject({
        code: 'NET_WRONG_USAGE',
      })
      expect(s.handled).toBe(0)
    } finally {
      c.close()
      await s.close()
    }
  })

  it('server evidence bound to another key → NET_BINDING_MISMATCH before any byte is sent', async () => {
    const s = await startServer(await party({ usage: 'kms:rpc', attestFor: await generateP256KeyPair() }), verifier)
    const c = createAttestedClient({ verifier, now: nowS })
    try {
      await expect(c.request(`${s.url}/x`, { method: 'POST', body: 'secret' })).rejects.toBeInstanceOf(NetError)
      await expect(c.request(`${s.url}/x`)).rejects.toMatchObject({ code: 'NET_BINDING_MISMATCH' })
      expect(s.handled).toBe(0)
    } finally {
      c.close()
      await s.close()
    }
  })

  it('unattested server: NET_NO_ATTESTATION unless allowUnattested (then peer undefined)', async () => {
    const s = await startServer(await party({ usage: 'kms:rpc', unattested: true }), verifier)
    const strict = createAttestedClient({ verifier, now: nowS })
    const lax = createAttestedClient({ verifier, now: nowS, allowUnattested: true, expectedUsage: 'kms:rpc' })
    try {
      await expect(strict.request(`${s.url}/x`)).rejects.toMatchObject({ code: 'NET_NO_ATTESTATION' })
      const res = await lax.request(`${s.url}/x`)
      expect(res.status).toBe(200)
      expect(res.peer).toBeUndefined()
    } finally {
      strict.close()
      lax.close()
      await s.close()
    }
  })

  it('pinned root CA: accepted when the server cert chains to it, NET_BAD_CERT otherwise', async () => {
    const rootKeys = await generateP256KeyPair()
    const root = await createSelfSignedCa({
      keys: rootKeys,
      subject: { organizationName: 'Dstack', commonName: 'Dstack KMS CA' },
      pathLen: 1,
    })
    const otherKeys = await generateP256KeyPair()
    const other = await createSelfSignedCa({ keys: otherKeys, subject: { commonName: 'other' }, pathLen: 1 })
    const s = await startServer(await party({ usage: 'kms:rpc', issuer: { cert: root, keys: rootKeys } }), verifier)
    const good = createAttestedClient({ verifier, now: nowS, pinnedRootCaPem: root.pem, expectedUsage: 'kms:rpc' })
    const bad = createAttestedClient({ verifier, now: nowS, pinnedRootCaPem: other.pem })
    try {
      expect((await good.request(`${s.url}/x`)).status).toBe(200)
      await expect(bad.request(`${s.url}/x`)).rejects.toMatchObject({ code: 'NET_BAD_CERT' })
    } finally {
      good.close()
      bad.close()
      await s.close()
    }
  })

  it('keepAlive false + one shared PeerVerifier: a fresh connection per request, the server verified once', async () => {
    const s = await startServer(await party({ usage: 'kms:rpc' }), verifier)
    const counted = counting(verifier)
    const shared = new PeerVerifier({ verifier: counted, now: nowS, expectedUsage: 'kms:rpc' })
    const clients = await Promise.all(
      [party(), party()].map(async (pp) => {
        const p = await pp
        return createAttestedClient({
          clientCertPem: p.cert.pem,
          clientKeyPem: p.keyPem,
          peerVerifier: shared,
          now: nowS,
          expectedUsage: 'kms:rpc',
          keepAlive: false,
        })
      }),
    )
    try {
      for (let i = 0; i < 3; i++)
        for (const c of clients) expect((await c.request(`${s.url}/x`)).peer?.usage).toBe('kms:rpc')
      expect(s.connections).toBe(6)
      expect(counted.calls).toBe(1)
    } finally {
      for (const c of clients) c.close()
      await s.close()
    }
  })

  it("a shared PeerVerifier without the client's usage: the client's expectedUsage is still enforced", async () => {
    const s = await startServer(await party({ usage: 'app:custom' }), verifier)
    const shared = new PeerVerifier({ verifier, now: nowS })
    const any = createAttestedClient({ peerVerifier: shared, now: nowS })
    const kms = createAttestedClient({ peerVerifier: shared, now: nowS, expectedUsage: 'kms:rpc' })
    try {
      expect((await any.request(`${s.url}/x`)).status).toBe(200)
      await expect(kms.request(`${s.url}/x`, { method: 'POST', body: 'secret' })).rejects.toMatchObject({
        code: 'NET_WRONG_USAGE',
      })
      expect(s.handled).toBe(1)
      expect(() => createAttestedClient({ now: nowS })).toThrow(TypeError)
    } finally {
      any.close()
      kms.close()
      await s.close()
    }
  })

  it('authorizeServer sees the leaf, the chain the server sent and the verified peer', async () => {
    const rootKeys = await generateP256KeyPair()
    const root = await createSelfSignedCa({ keys: rootKeys, subject: { commonName: 'root' }, pathLen: 1 })
    const leaf = await party({ usage: 'kms:rpc', issuer: { cert: root, keys: rootKeys } })
    const s = await startServer(leaf, verifier, root.pem)
    const seen: AttestedServer[] = []
    const c = createAttestedClient({ verifier, now: nowS, authorizeServer: (srv) => void seen.push(srv) })
    const refusing = createAttestedClient({
      verifier,
      now: nowS,
      authorizeServer: () => {
        throw new NetError('NET_BAD_CERT', 'not this one')
      },
    })
    try {
      expect((await c.request(`${s.url}/x`)).status).toBe(200)
      expect(seen).toHaveLength(1)
      expect(seen[0]!.certDer).toEqual(leaf.cert.der)
      expect(seen[0]!.chainDer).toEqual([root.der])
      expect(toHex(seen[0]!.peer!.spki)).toBe(toHex(leaf.spki))
      await expect(refusing.request(`${s.url}/x`, { method: 'POST', body: 'x' })).rejects.toMatchObject({
        shortMessage: 'not this one',
      })
      expect(s.handled).toBe(1)
    } finally {
      c.close()
      refusing.close()
      await s.close()
    }
  })

  it('pinned root CA through an intermediate the server sends', async () => {
    const rootKeys = await generateP256KeyPair()
    const root = await createSelfSignedCa({ keys: rootKeys, subject: { commonName: 'root' }, pathLen: 1 })
    const midKeys = await generateP256KeyPair()
    const mid = await createRaTlsCertificate({
      keys: midKeys,
      subject: 'intermediate',
      ca: { pathLen: 0 },
      issuer: { cert: root, privateKey: rootKeys.privateKey },
    })
    const leaf = await party({ usage: 'kms:rpc', issuer: { cert: mid, keys: midKeys } })
    const s = await startServer(leaf, verifier, mid.pem)
    const seen: AttestedServer[] = []
    const c = createAttestedClient({
      verifier,
      now: nowS,
      pinnedRootCaPem: root.pem,
      authorizeServer: (srv) => void seen.push(srv),
    })
    try {
      expect((await c.request(`${s.url}/x`)).status).toBe(200)
      expect(seen[0]!.chainDer).toEqual([mid.der])
    } finally {
      c.close()
      await s.close()
    }
  })

  it('fetchPeerCertificate returns the server certificate without verifying it', async () => {
    const p = await party({ usage: 'kms:rpc', attestFor: await generateP256KeyPair() })
    const s = await startServer(p, verifier)
    try {
      expect(await fetchPeerCertificate(`${s.url}/prpc`)).toEqual(p.cert.der)
    } finally {
      await s.close()
    }
    await expect(fetchPeerCertificate(s.url)).rejects.toMatchObject({ code: 'NET_UNREACHABLE' })
  })
})
