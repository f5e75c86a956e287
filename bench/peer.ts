/**
 * Committee peer transport figures (issue 13, item 2): two members on loopback over mutual attested TLS
 * (simulated TEE, HTTP/2), the second in its own process so each side has a core:
 * - round trip: 1 sends "ping", 2 answers "pong" (two signed envelopes, two verifications, two acks);
 * - send (acknowledged): one envelope, resolved when the receiver checked and queued it;
 * - messages/s: 64 sends in flight from 1 to 2, 256-byte and 16 KiB payloads;
 * - Ed25519 sign/verify of one envelope, node:crypto (what the transport uses) against @noble/curves.
 * Run: `npm run bench peer` (env BENCH_SECONDS=5; BENCH_PEER_CHILD_FLAGS="--cpu-prof" profiles the second peer).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { ed25519 } from '@noble/curves/ed25519.js'
import { createVerifier } from '../src/attestation/index.js'
import { SecretBytes, toHex } from '../src/crypto/index.js'
import {
  createNodeSigner,
  createRaTlsIdentity,
  envelopeSigningInput,
  nodeKeyVerifier,
  PeerNetwork,
  signEnvelope,
} from '../src/net/index.js'
import { loadOrCreateSimulatedVendor, provisionSimulatedMachineInMemory, SimulatedTee } from '../src/tee/index.js'
import { machine, print, summarise, timeLoop, timeSync } from './util.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5)

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1')
  await once(s, 'listening')
  const { port } = s.address() as AddressInfo
  s.close()
  await once(s, 'close')
  return port
}

function benchEd25519(): void {
  const seed = new Uint8Array(randomBytes(32))
  const signer = createNodeSigner(new SecretBytes(seed.slice()))
  const verify = nodeKeyVerifier(signer.publicKey)
  const body = signEnvelope(
    {
      epoch: 1n,
      sessionId: new Uint8Array(32),
      round: 'frost/round2',
      sender: 1,
      recipient: 2,
      seq: 1n,
      payload: new Uint8Array(256),
    },
    signer.sign,
  )
  const msg = envelopeSigningInput(body.subarray(0, body.length - 64))
  const sig = body.subarray(body.length - 64)
  const fmt = (name: string, r: { p50: number; p99: number }) =>
    console.log(`${name}: p50 ${(r.p50 * 1000).toFixed(1)} µs  p99 ${(r.p99 * 1000).toFixed(1)} µs`)
  fmt(
    'Ed25519 verify, node:crypto (used)',
    timeSync(() => verify(msg, sig), 5000, 500),
  )
  fmt(
    'Ed25519 verify, @noble/curves',
    timeSync(() => ed25519.verify(sig, msg, signer.publicKey), 500, 50),
  )
  fmt(
    'Ed25519 sign, node:crypto (used)',
    timeSync(() => signer.sign(msg), 5000, 500),
  )
  fmt(
    'Ed25519 sign, @noble/curves',
    timeSync(() => ed25519.sign(msg, seed), 500, 50),
  )
}

export async function benchPeer(): Promise<void> {
  console.log(`# peer transport (${machine()})`)
  benchEd25519()
  const vendorDir = mkdtempSync(join(tmpdir(), 'custos-bench-peer-'))
  let child: ChildProcess | undefined
  let net: PeerNetwork | undefined
  try {
    const vendor = await loadOrCreateSimulatedVendor(vendorDir)
    const tee = new SimulatedTee({
      machine: await provisionSimulatedMachineInMemory({ vendor }),
      workload: { osImageHash: new Uint8Array(32).fill(5) },
    })
    const [portA, portB] = [await freePort(), await freePort()]
    const signer = createNodeSigner(new SecretBytes(new Uint8Array(randomBytes(32))))
    const seedB = new Uint8Array(randomBytes(32))
    const keyB = createNodeSigner(new SecretBytes(seedB.slice())).publicKey
    const c = spawn(
      process.execPath,
      [
        ...(process.env.BENCH_PEER_CHILD_FLAGS?.split(' ').filter(Boolean) ?? []),
        '--import',
        'tsx',
        resolve(ROOT, 'bench/peerEcho.ts'),
        vendorDir,
        String(portA),
        String(portB),
        toHex(signer.publicKey),
        toHex(seedB),
      ],
      { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
    )
    child = c
    await new Promise<void>((res, rej) => {
      createInterface({ input: c.stdout! }).on('line', (l) => l === 'READY' && res())
      c.once('exit', (code) => rej(new Error(`bench peer child exited (${code})`)))
    })
    const id = await createRaTlsIdentity({ tee, subject: 'bench-peer-1', serverAuth: true, clientAuth: true })
    const n = await PeerNetwork.start({
      id: 1,
      signer,
      tls: { certPem: id.cert.pem, keyPem: id.keyPem },
      epoch: 1n,
      members: [
        { id: 1, nodeKey: signer.publicKey, url: `https://127.0.0.1:${portA}` },
        { id: 2, nodeKey: keyB, url: `https://127.0.0.1:${portB}` },
      ],
      verifier: createVerifier({ trustSimulated: true, simulatedRoots: [vendor] }),
      authorize: () => true,
      listen: { port: portA },
      limits: { maxQueuedPerSession: 100_000, maxQueuedBytes: 1 << 30 },
    })
    net = n
    await n.waitForPeers([2], 20_000)
    const sessionId = new Uint8Array(32).fill(0xbe)
    const small = new Uint8Array(64)

    const rtt = await timeLoop(async () => {
      await n.send(2, { sessionId, round: 'ping', payload: small })
      await n.recv({ sessionId, round: 'pong', timeoutMs: 5_000 })
    }, SECONDS * 1000)
    print(summarise('peer round trip (ping → pong, 64 B, sequential)', rtt.lat, rtt.seconds))
    const one = await timeLoop(() => n.send(2, { sessionId, round: 'flood', payload: small }), SECONDS * 1000)
    print(summarise('peer send, acknowledged (64 B, sequential)', one.lat, one.seconds))

    for (const size of [256, 16 * 1024]) {
      const payload = new Uint8Array(size)
      const lat: number[] = []
      const end = performance.now() + SECONDS * 1000
      const start = performance.now()
      await Promise.all(
        Array.from({ length: 64 }, async () => {
          while (performance.now() < end) {
            const t = performance.now()
            await n.send(2, { sessionId, round: 'flood', payload })
            lat.push(performance.now() - t)
          }
        }),
      )
      print(
        summarise(
          `peer messages/s (${size >= 1024 ? `${size / 1024} KiB` : `${size} B`}, 64 in flight)`,
          lat,
          (performance.now() - start) / 1000,
        ),
      )
    }
    const st = n.stats()
    console.log(
      `sent ${st.sent}, send failures ${st.sendFailed}, dropped ${Object.values(st.dropped).reduce((a, b) => a + b, 0)}`,
    )
  } finally {
    await net?.close()
    if (child) {
      child.stdin?.end()
      await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 2000))])
      child.kill('SIGKILL')
    }
    rmSync(vendorDir, { recursive: true, force: true })
  }
}
