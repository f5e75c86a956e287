import { secp256k1 } from '@noble/curves/secp256k1.js'
import type { z } from 'zod'
import { equalBytes, fromHex, p256ScalarFromPkcs8Pem, SecretBytes, toHex } from '../crypto/index.js'
import { CustosError, explain } from '../errors.js'
import { createAttestedCert, createAttestedClient, type PeerIdentity, parseServiceUrl } from '../net/index.js'
import { createRootCaCert, createTmpCaCert } from './certs.js'
import type { KmsContextOf } from './context.js'
import { KmsError } from './errors.js'
import { ensureKmsAllowed } from './guards.js'
import { rpcMethod } from './rpcMethod.js'
import {
  assertDomain,
  GetKmsKeyReply,
  type GetKmsKeyRequest,
  type GetKmsKeyResponse,
  GetMetaReply,
  GetTempCaCertReply,
  type GetTempCaCertResponse,
  OnboardInput,
  type OnboardResponse,
} from './wire.js'

function onboardError(step: string, e: unknown): KmsError {
  if (e instanceof KmsError) return e
  const why = e instanceof CustosError ? explain(e) : ((e as Error)?.message ?? String(e))
  return new KmsError('KMS_ONBOARD_FAILED', `onboarding failed at ${step}: ${why}`, { step }, { cause: e })
}

async function call<T>(
  client: ReturnType<typeof createAttestedClient>,
  base: string,
  method: string,
  body: unknown,
  schema: z.ZodType<T>,
): Promise<{ data: T; peer: PeerIdentity | undefined }> {
  const r = await client.request(`${base}/${method}?json`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const text = new TextDecoder().decode(r.body)
  if (r.status !== 200) {
    let msg = `HTTP ${r.status}`
    try {
      msg = String((JSON.parse(text) as { error?: unknown }).error ?? msg).slice(0, 300)
    } catch {}
    throw new KmsError('KMS_ONBOARD_FAILED', `source KMS refused ${method}: ${msg}`, { method })
  }
  const parsed = schema.safeParse(JSON.parse(text))
  if (!parsed.success) throw new KmsError('KMS_ONBOARD_FAILED', `source KMS sent a malformed ${method} response`)
  return { data: parsed.data, peer: r.peer }
}

/**
 * Replicate the root keys from a source KMS (dstack-kms.md §3.5): verify the source's RA-TLS evidence and
 * ask our policy (role kms) before trusting it, then present our own evidence in a client certificate
 * signed by its temp CA; the source checks us with its policy before answering GetKmsKey.
 */
export async function onboardFrom(
  kms: KmsContextOf<'exclusive' | 'ready' | 'install' | 'self', 'tee' | 'verifier' | 'policy' | 'logger' | 'now'>,
  sourceUrl: string,
  domain: string,
): Promise<OnboardResponse> {
  assertDomain(domain)
  const { url } = parseServiceUrl(sourceUrl, {
    what: 'source_url',
    protocols: ['https:'],
    expected: 'https://host:port[/prpc] (the source KMS main service)',
    fail: (message) => new KmsError('KMS_BAD_INPUT', message),
  })
  const base = url.href.replace(/\/+$/, '').endsWith('/prpc')
    ? url.href.replace(/\/+$/, '')
    : `${url.href.replace(/\/+$/, '')}/prpc`
  const { deps } = kms
  return kms.exclusive(async () => {
    if (kms.ready) throw new KmsError('KMS_ALREADY_BOOTSTRAPPED', 'this KMS already holds root keys')
    const now = () => deps.now()
    const probe = createAttestedClient({ verifier: deps.verifier, now, expectedUsage: 'kms:rpc' })
    let temp: GetTempCaCertResponse
    let sourcePeer: PeerIdentity
    let sourceK256: Uint8Array
    try {
      const r = await call(probe, base, 'GetTempCaCert', {}, GetTempCaCertReply)
      if (!r.peer) throw new KmsError('KMS_ONBOARD_FAILED', 'source KMS presented no attestation')
      sourcePeer = r.peer
      await ensureKmsAllowed(deps, sourcePeer.identity)
      temp = r.data
      sourceK256 = fromHex((await call(probe, base, 'GetMeta', {}, GetMetaReply)).data.k256_pubkey)
    } catch (e) {
      throw onboardError('verify source', e)
    } finally {
      probe.close()
    }

    let keys: GetKmsKeyResponse
    try {
      const tmpCaKey = p256ScalarFromPkcs8Pem(temp.temp_ca_key)
      const clientCert = await createAttestedCert({
        tee: deps.tee,
        subject: 'RA-TLS TEMP Cert',
        issuerKey: tmpCaKey,
        issuerCertPem: temp.temp_ca_cert,
        clientAuth: true,
        now: deps.now(),
      })
      const client = createAttestedClient({
        verifier: deps.verifier,
        now,
        expectedUsage: 'kms:rpc',
        clientCertPem: clientCert.certPem,
        clientKeyPem: clientCert.keyPem,
      })
      try {
        const vmConfig = JSON.stringify({ os_image_hash: toHex((await kms.self.get()).osImageHash) })
        const r = await call(
          client,
          base,
          'GetKmsKey',
          { vm_config: vmConfig } satisfies GetKmsKeyRequest,
          GetKmsKeyReply,
        )
        if (!r.peer || !equalBytes(r.peer.identity.mrAggregated, sourcePeer.identity.mrAggregated))
          throw new KmsError('KMS_ONBOARD_FAILED', 'the source KMS identity changed between calls')
        keys = r.data
      } finally {
        client.close()
      }
    } catch (e) {
      throw onboardError('GetKmsKey', e)
    }
    if (keys.keys.length !== 1)
      throw new KmsError('KMS_ONBOARD_FAILED', `source KMS sent ${keys.keys.length} key sets, expected exactly 1`)
    const entry = keys.keys[0]!
    const rootCaKey = p256ScalarFromPkcs8Pem(entry.ca_key)
    const rootK256Key = new SecretBytes(fromHex(entry.k256_key))
    const tmpCaKey = p256ScalarFromPkcs8Pem(keys.temp_ca_key)
    let derivedPub: Uint8Array
    try {
      derivedPub = secp256k1.getPublicKey(rootK256Key.expose(), true)
    } catch {
      throw new KmsError('KMS_ONBOARD_FAILED', 'source KMS sent an invalid k256 key')
    }
    if (!equalBytes(derivedPub, sourceK256))
      throw new KmsError('KMS_ONBOARD_FAILED', 'received k256 key does not match the source KMS GetMeta.k256_pubkey')
    const at = deps.now()
    kms.install({
      rootCaKey,
      rootK256Key,
      tmpCaKey,
      rootCaCertPem: await createRootCaCert(rootCaKey, at),
      tmpCaCertPem: await createTmpCaCert(tmpCaKey, at),
      domain,
    })
    deps.logger.info({ source: url.host, k256Pubkey: toHex(derivedPub) }, 'KMS onboarded: root keys replicated')
    return { k256_pubkey: toHex(derivedPub) }
  })
}

/** `Onboard.Onboard` */
export const onboard = (kms: Parameters<typeof onboardFrom>[0]) =>
  rpcMethod({
    name: 'Onboard',
    input: OnboardInput,
    run: (input) => onboardFrom(kms, input.source_url, input.domain),
  })
