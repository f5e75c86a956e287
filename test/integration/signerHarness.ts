/** Shared set-up for the signer integration tests: real SQLite store, simulated TEE, real loopback HTTP servers. */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import type { Hono } from 'hono'
import { createVerifier, type EvidenceVerifier } from '../../src/attestation/index.js'
import { fromHex, SecretBytes } from '../../src/crypto/index.js'
import { nullLogger } from '../../src/log.js'
import {
  encryptKeystore,
  keymanagerApp,
  resolveSignerNetwork,
  SignerService,
  type SignerServiceOptions,
  web3signerApp,
} from '../../src/signer/index.js'
import { openStore, type Store } from '../../src/store/index.js'
import {
  createSimulatedVendorInMemory,
  provisionSimulatedMachineInMemory,
  SimulatedTee,
  type SimulatedVendor,
} from '../../src/tee/index.js'

export const TOKEN = 'test-keymanager-token-0123456789'
export const MAINNET = resolveSignerNetwork({ network: 'mainnet' })

export interface SimulatedEnv {
  vendor: SimulatedVendor
  tee: SimulatedTee
  verifier: EvidenceVerifier
}

export async function simulatedEnv(): Promise<SimulatedEnv> {
  const vendor = await createSimulatedVendorInMemory()
  const machine = await provisionSimulatedMachineInMemory({ vendor })
  const tee = new SimulatedTee({ machine, workload: { osImageHash: '00'.repeat(32) } })
  const verifier = createVerifier({ trustSimulated: true, simulatedRoots: [vendor] })
  return { vendor, tee, verifier }
}

async function serve(app: Hono): Promise<{ server: Server; url: string }> {
  const server = createServer(getRequestListener(app.fetch))
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

export interface RunningSigner {
  store: Store
  service: SignerService
  /** base URL of the Web3Signer app */
  url: string
  /** base URL of the keymanager app */
  kmUrl: string
  close(): Promise<void>
}

/** Open the store in `dataDir` (sealed with the TEE's key), start the service and both apps. */
export async function startSigner(
  env: SimulatedEnv,
  dataDir: string,
  extra: Partial<Pick<SignerServiceOptions, 'strategy' | 'network'>> & { maxBodyBytes?: number } = {},
): Promise<RunningSigner> {
  const store = openStore({ dataDir, sealingKey: await env.tee.sealingKey(), logger: nullLogger })
  const service = new SignerService({
    store,
    tee: env.tee,
    network: extra.network ?? MAINNET,
    ...(extra.strategy ? { strategy: extra.strategy } : {}),
    logger: nullLogger,
  })
  const w3s = await serve(web3signerApp(service, extra.maxBodyBytes ? { maxBodyBytes: extra.maxBodyBytes } : {}))
  const km = await serve(keymanagerApp(service, { token: TOKEN }))
  const stop = (s: Server) =>
    new Promise<void>((res) => {
      s.close(() => res())
      s.closeAllConnections()
    })
  return {
    store,
    service,
    url: w3s.url,
    kmUrl: km.url,
    async close() {
      await Promise.all([stop(w3s.server), stop(km.server)])
      await service.close()
      store.close()
    },
  }
}

/** A fast (pbkdf2 c=16) keystore for `secretHex` with password 'pw'. */
export async function fastKeystore(secretHex: string, password = 'pw'): Promise<string> {
  let n = 0
  const rng = (len: number) => Uint8Array.from({ length: len }, () => (n++ * 37 + 11) & 0xff)
  const ks = await encryptKeystore({
    secretKey: new SecretBytes(fromHex(secretHex)),
    password,
    path: 'm/12381/3600/7/0/0',
    kdf: { function: 'pbkdf2', c: 16 },
    rng,
  })
  return JSON.stringify(ks)
}
