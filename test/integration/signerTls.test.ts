/** The validator-client listener over TLS with client-certificate authentication (signerTlsOptions). */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, request, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getRequestListener } from '@hono/node-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type CertIssuer,
  createSelfSignedCa,
  exportPkcs8Pem,
  generateP256KeyPair,
  issueCertificate,
  type X509Cert,
} from '../../src/crypto/index.js'
import { signerTlsOptions, web3signerApp } from '../../src/signer/index.js'
import { type RunningSigner, simulatedEnv, startSigner } from './signerHarness.js'

let dir: string
let s: RunningSigner
let server: Server
let port: number
let ca: X509Cert
let client: { cert: string; key: string }
let stranger: { cert: string; key: string }

async function leaf(issuer: CertIssuer, cn: string, server: boolean) {
  const keys = await generateP256KeyPair()
  const cert = await issueCertificate({
    subject: { commonName: cn },
    issuer,
    publicKey: keys.publicKey,
    ...(server ? { serverAuth: true, altNames: ['127.0.0.1'] } : { clientAuth: true }),
  })
  return { cert: cert.pem, key: await exportPkcs8Pem(keys.privateKey) }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'custos-signer-tls-'))
  s = await startSigner(await simulatedEnv(), dir)
  const caKeys = await generateP256KeyPair()
  ca = await createSelfSignedCa({ subject: { commonName: 'vc ca' }, keys: caKeys, pathLen: 0 })
  const otherKeys = await generateP256KeyPair()
  const otherCa = await createSelfSignedCa({ subject: { commonName: 'other' }, keys: otherKeys, pathLen: 0 })
  const srv = await leaf({ cert: ca, privateKey: caKeys.privateKey }, 'signer', true)
  client = await leaf({ cert: ca, privateKey: caKeys.privateKey }, 'validator client', false)
  stranger = await leaf({ cert: otherCa, privateKey: otherKeys.privateKey }, 'stranger', false)
  const tls = signerTlsOptions({ certPem: srv.cert, keyPem: srv.key, clientCaPem: ca.pem })
  server = createServer(tls, getRequestListener(web3signerApp(s.service).fetch))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  port = (server.address() as AddressInfo).port
})

afterAll(async () => {
  server?.closeAllConnections()
  await new Promise((r) => server?.close(r))
  await s?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

function upcheck(identity?: { cert: string; key: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/upcheck', ca: ca.pem, agent: false, ...(identity ?? {}) },
      (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      },
    )
    req.on('error', reject)
    req.end()
  })
}

describe('signer TLS', () => {
  it('serves a client with a certificate from the configured CA', async () => {
    expect(await upcheck(client)).toBe(200)
  })

  it('refuses a client without a certificate, or with one from another CA', async () => {
    // no certificate: OpenSSL itself refuses the handshake with a TLS 1.3 certificate_required alert
    await expect(upcheck()).rejects.toMatchObject({ code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' })
    // a certificate from another CA: Node checks the chain after the handshake and destroys the socket, so the
    // client sees a reset (EPIPE instead if it is still writing the request when the reset arrives)
    await expect(upcheck(stranger)).rejects.toMatchObject({ code: expect.stringMatching(/^(ECONNRESET|EPIPE)$/) })
  })

  it('without clientCaPem no client certificate is requested', () => {
    const o = signerTlsOptions({ certPem: 'c', keyPem: 'k' })
    expect([o.requestCert, o.rejectUnauthorized, o.minVersion]).toEqual([undefined, undefined, 'TLSv1.2'])
  })
})
