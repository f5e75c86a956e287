/**
 * The second peer of `npm run bench peer`, in its own process (its own core): participant 2 of a two-member
 * committee, echoing "ping" as "pong" and counting "flood" messages (answering "flooded" with the count every
 * 1000). argv: vendorDir portA portB seedA-pubkey-hex seedB-hex
 */
import 'reflect-metadata'
import { createVerifier } from '../src/attestation/index.js'
import { fromHex, SecretBytes } from '../src/crypto/index.js'
import { createNodeSigner, createRaTlsIdentity, PeerNetwork } from '../src/net/index.js'
import { loadOrCreateSimulatedVendor, provisionSimulatedMachineInMemory, SimulatedTee } from '../src/tee/index.js'

const [vendorDir, portA, portB, keyA, seedB] = process.argv.slice(2) as [string, string, string, string, string]
const vendor = await loadOrCreateSimulatedVendor(vendorDir)
const tee = new SimulatedTee({
  machine: await provisionSimulatedMachineInMemory({ vendor }),
  workload: { osImageHash: new Uint8Array(32).fill(5) },
})
const signer = createNodeSigner(new SecretBytes(fromHex(seedB)))
const id = await createRaTlsIdentity({ tee, subject: 'bench-peer-2', serverAuth: true, clientAuth: true })
const net = await PeerNetwork.start({
  id: 2,
  signer,
  tls: { certPem: id.cert.pem, keyPem: id.keyPem },
  epoch: 1n,
  members: [
    { id: 1, nodeKey: fromHex(keyA), url: `https://127.0.0.1:${portA}` },
    { id: 2, nodeKey: signer.publicKey, url: `https://127.0.0.1:${portB}` },
  ],
  verifier: createVerifier({ trustSimulated: true, simulatedRoots: [vendor] }),
  authorize: () => true,
  listen: { port: Number(portB) },
  limits: { maxQueuedPerSession: 100_000, maxQueuedBytes: 1 << 30 },
})
const sessionId = new Uint8Array(32).fill(0xbe)
process.stdout.write('READY\n')

const FOREVER = 2 ** 31 - 1
void (async () => {
  for (;;) {
    const m = await net.recv({ sessionId, round: 'ping', timeoutMs: FOREVER })
    void net.send(1, { sessionId, round: 'pong', payload: m.payload })
  }
})()
void (async () => {
  let n = 0
  for (;;) {
    await net.recv({ sessionId, round: 'flood', timeoutMs: FOREVER })
    if (++n % 1000 === 0)
      void net.send(1, { sessionId, round: 'flooded', payload: new TextEncoder().encode(String(n)) })
  }
})()
process.stdin.on('end', () => void net.close().then(() => process.exit(0)))
process.stdin.resume()
