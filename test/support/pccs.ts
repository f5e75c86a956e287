/** A loopback PCS-compatible server serving the shared vectors' collateral, split into PCS responses. */
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import { VECTORS } from './vectors.js'

/** The DCAP vectors (quotes and their collateral). */
export const DCAP_VECTORS = resolve(VECTORS, 'dcap')

export interface VectorCollateral {
  pck_crl_issuer_chain: string
  root_ca_crl: string
  pck_crl: string
  tcb_info_issuer_chain: string
  tcb_info: string
  tcb_info_signature: string
  qe_identity_issuer_chain: string
  qe_identity: string
  qe_identity_signature: string
}

export const vectorCollateral = (name: 'sgx_quote' | 'tdx_quote' | 'tdx_quote_outdated'): VectorCollateral =>
  JSON.parse(readFileSync(resolve(DCAP_VECTORS, `${name}_collateral.json`), 'utf8')) as VectorCollateral

export interface FakePcs {
  url: string
  /** request paths (with query) in arrival order */
  requests: string[]
  /** path prefix → forced HTTP status */
  failures: Map<string, number>
  close(): Promise<void>
}

/**
 * Serves, for each collateral given (keyed by tee), the four PCS v4 endpoints. The PCK CRL is served as DER
 * (`encoding=der`) with its issuer chain URL-encoded in `SGX-PCK-CRL-Issuer-Chain`; TCB info / QE identity
 * in the PCS envelope `{"tcbInfo":…,"signature":"…"}`; the root CA CRL as hex text (PCCS style).
 */
export async function startFakePcs(byTee: Partial<Record<'sgx' | 'tdx', VectorCollateral>>): Promise<FakePcs> {
  const requests: string[] = []
  const failures = new Map<string, number>()
  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x')
    requests.push(u.pathname + u.search)
    for (const [prefix, status] of failures)
      if (u.pathname.startsWith(prefix)) {
        res.writeHead(status).end('failure')
        return
      }
    const m = /^\/(sgx|tdx)\/certification\/v4\/(.+)$/.exec(u.pathname)
    const anyCol = Object.values(byTee)[0] as VectorCollateral
    const col = m ? (byTee[m[1] as 'sgx' | 'tdx'] ?? anyCol) : undefined
    if (!m || !col) {
      res.writeHead(404).end()
      return
    }
    const what = m[2]
    if (what === 'pckcrl') {
      const wanted = u.searchParams.get('ca') === 'platform' ? 'Platform' : 'Processor'
      const col = Object.values(byTee).find((c) => Buffer.from(c.pck_crl, 'hex').includes(wanted))
      if (!col) {
        res.writeHead(404).end()
        return
      }
      res.writeHead(200, { 'SGX-PCK-CRL-Issuer-Chain': encodeURIComponent(col.pck_crl_issuer_chain) })
      res.end(Buffer.from(col.pck_crl, 'hex'))
    } else if (what === 'tcb') {
      res.writeHead(200, {
        'TCB-Info-Issuer-Chain': encodeURIComponent(col.tcb_info_issuer_chain),
        'content-type': 'application/json',
      })
      res.end(`{"tcbInfo":${col.tcb_info},"signature":"${col.tcb_info_signature}"}`)
    } else if (what === 'qe/identity') {
      res.writeHead(200, { 'SGX-Enclave-Identity-Issuer-Chain': encodeURIComponent(col.qe_identity_issuer_chain) })
      res.end(`{"enclaveIdentity":${col.qe_identity},"signature":"${col.qe_identity_signature}"}`)
    } else if (what === 'rootcacrl') {
      res.writeHead(200).end(col.root_ca_crl)
    } else res.writeHead(404).end()
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failures,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok())
        server.closeAllConnections()
      }),
  }
}
