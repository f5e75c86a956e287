import { assertKmsTrust, authorizeKmsServer, checkAppKeyReply, parseAppKeyReply } from '../agent/index.js'
import { createAttestedCert, createAttestedClient } from '../net/index.js'
import type { TeePlatform } from '../tee/index.js'
import { kmsTrustFor } from './agentNode.js'
import type { Config } from './config.js'
import { createPlatform, verifierFor } from './platform.js'

export interface KmsCallResult {
  status: number
  body: unknown
}

/**
 * A workload calling a KMS over mutual attested TLS, as dstack's guest does for GetAppKey: its RA-TLS
 * client certificate carries its evidence; it verifies the KMS's evidence (usage kms:rpc) AND that the KMS is
 * the one its config trusts (`[agent]`, see kmsTrustFor) before sending; a GetAppKey reply is checked against
 * that trust too (a refusal throws an AgentError naming what did not match).
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
  const trust = kmsTrustFor(opts.config)
  try {
    assertKmsTrust(trust)
    const cert = await createAttestedCert({ tee, subject: 'RA-TLS TEMP Cert', clientAuth: true, now: now() })
    const client = createAttestedClient({
      verifier,
      now,
      expectedUsage: 'kms:rpc',
      clientCertPem: cert.certPem,
      clientKeyPem: cert.keyPem,
      authorizeServer: (server) => authorizeKmsServer(trust, server),
    })
    try {
      const base = opts.kmsUrl.replace(/\/+$/, '').replace(/\/prpc$/, '')
      const r = await client.request(`${base}/prpc/${opts.method}?json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(opts.body ?? {}),
      })
      const body = JSON.parse(new TextDecoder().decode(r.body)) as unknown
      if (opts.method === 'GetAppKey' && r.status === 200 && r.peer) {
        const keys = parseAppKeyReply(body)
        const appId =
          trust.k256PublicKeys.length > 0
            ? (await verifier.verify(await tee.attest(new Uint8Array(64)), { now: now() })).appId
            : new Uint8Array(0)
        try {
          checkAppKeyReply(trust, keys, appId, r.peer.certDer)
        } finally {
          keys.k256Key.wipe()
          keys.diskCryptKey.wipe()
          keys.envCryptKey.wipe()
        }
      }
      return { status: r.status, body }
    } finally {
      client.close()
    }
  } finally {
    await trust.policy?.close()
  }
}
