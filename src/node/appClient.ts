import { createAttestedCert } from '../kms/index.js'
import { createAttestedClient } from '../net/index.js'
import type { TeePlatform } from '../tee/index.js'
import type { Config } from './config.js'
import { createPlatform, verifierFor } from './platform.js'

export interface KmsCallResult {
  status: number
  body: unknown
}

/**
 * A workload calling a KMS over mutual attested TLS, as dstack's guest does for GetAppKey: its RA-TLS
 * client certificate carries its evidence; it verifies the KMS's evidence (usage kms:rpc) before sending.
 */
export async function callKmsAsWorkload(opts: {
  config: Config
  kmsUrl: string
  method: string
  body?: unknown
  tee?: TeePlatform
  now?: () => number
}): Promise<KmsCallResult> {
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000))
  const tee = opts.tee ?? (await createPlatform(opts.config))
  const verifier = await verifierFor(opts.config)
  const cert = await createAttestedCert({ tee, subject: 'RA-TLS TEMP Cert', clientAuth: true, now: now() })
  const client = createAttestedClient({
    verifier,
    now,
    expectedUsage: 'kms:rpc',
    clientCertPem: cert.certPem,
    clientKeyPem: cert.keyPem,
  })
  try {
    const base = opts.kmsUrl.replace(/\/+$/, '').replace(/\/prpc$/, '')
    const r = await client.request(`${base}/prpc/${opts.method}?json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(opts.body ?? {}),
    })
    return { status: r.status, body: JSON.parse(new TextDecoder().decode(r.body)) }
  } finally {
    client.close()
  }
}
