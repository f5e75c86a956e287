import { createPublicKey, type KeyObject, verify as nodeVerify, X509Certificate } from 'node:crypto'
import {
  type DerTlv,
  der,
  derToPem,
  equalBytes,
  fromHex,
  isHex,
  pemToDer,
  toHex,
  utf8ToBytes,
} from '../crypto/index.js'
import { k256PublicKey, PREFIX_KMS_ISSUED, recoverMessageSigner } from '../kms/index.js'
import type { AttestedServer } from '../net/index.js'
import type { Policy } from '../policy/index.js'
import type { AgentAppKeys } from './appKeys.js'
import { AgentError } from './errors.js'

/**
 * Which KMS an app takes its keys from. A KMS's RA-TLS evidence says what code it runs, not that it is
 * *this app's* KMS: any attested workload can put usage `kms:rpc` in a certificate of its own. So the agent
 * also requires at least one of: the KMS root CA key (dstack's `key_provider_id`), the KMS root k256 key
 * (the signer of every app key), or the KMS's attested identity allowed by a policy in role `kms`. Nothing is
 * learnt on first use.
 */
export interface KmsTrust {
  /** SPKI DER of the KMS root CA keys this app accepts (the key that signs the KMS's TLS certificate) */
  rootCaPublicKeys: readonly Uint8Array[]
  /** 33-byte compressed secp256k1 KMS root keys; the GetAppKey k256_signature must recover to one of them */
  k256PublicKeys: readonly Uint8Array[]
  /** when set, the KMS's attested identity must pass this policy in role `kms` */
  policy?: Policy
  /** where the pins come from, named in refusals (e.g. `[agent] kms_root_ca_pubkeys`) */
  source: string
}

/** `{"name":"kms","id":"<hex root CA SPKI>"}`: dstack's key-provider event payload for a KMS. */
export function kmsKeyProviderInfo(rootCaSpki: Uint8Array): Uint8Array {
  return utf8ToBytes(JSON.stringify({ name: 'kms', id: toHex(rootCaSpki) }))
}

/** Refuse a trust with nothing in it: the agent would otherwise trust whichever KMS answers first. */
export function assertKmsTrust(trust: KmsTrust): void {
  if (trust.rootCaPublicKeys.length === 0 && trust.k256PublicKeys.length === 0 && !trust.policy)
    throw new AgentError(
      'AGENT_KMS_TRUST_UNSET',
      'no KMS trust is configured, and the agent does not trust a KMS on first use: set [agent] kms_root_ca_pubkeys ' +
        '(GetMeta ca_cert public key, SPKI hex) or kms_k256_pubkeys (GetMeta k256_pubkey), or kms_policy = true with ' +
        'a [policy] that lists the KMS measurements, or key_provider_id in the app compose',
    )
}

const untrusted = (reason: string, meta: Record<string, string> = {}) =>
  new AgentError('AGENT_KMS_UNTRUSTED', `the KMS is not one this app trusts: ${reason}`, {
    reason: 'KMS_NOT_TRUSTED',
    ...meta,
  })

const short = (b: Uint8Array) => `${toHex(b).slice(-16)}`

/** Imported root keys, once per pinned key (this runs on every new connection to the KMS). */
const rootKeys = new WeakMap<Uint8Array, KeyObject>()
function rootKeyOf(spki: Uint8Array): KeyObject {
  let k = rootKeys.get(spki)
  if (!k) {
    k = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' })
    rootKeys.set(spki, k)
  }
  return k
}

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2'

/**
 * The signed bytes (tbsCertificate) and DER ECDSA signature of an ecdsa-with-SHA256 certificate, read with the
 * strict DER reader (microseconds, where a node X509Certificate costs about a millisecond for an RA-TLS
 * certificate); undefined when it is not one (another algorithm, or not a certificate).
 */
function signedPartsOf(certDer: Uint8Array): { tbs: Uint8Array; signature: Uint8Array } | undefined {
  const { TAG, bitStringOf, children, expectTag, oidOf, readTop, whole } = der
  try {
    const [tbs, alg, sig, ...more] = children(certDer, expectTag(readTop(certDer), TAG.SEQUENCE, 'Certificate'))
    if (more.length > 0) return undefined
    const algFields = children(certDer, expectTag(alg, TAG.SEQUENCE, 'signatureAlgorithm'))
    if (oidOf(certDer, expectTag(algFields[0], TAG.OID, 'algorithm')) !== ECDSA_WITH_SHA256) return undefined
    const fields = children(certDer, expectTag(tbs, TAG.SEQUENCE, 'tbsCertificate'))
    // RFC 5280 §4.1.1.2: the signature field inside tbsCertificate names the same algorithm
    const inner = fields[fields[0]?.tag === 0xa0 ? 2 : 1]
    if (!inner || !equalBytes(whole(certDer, inner), whole(certDer, alg as DerTlv))) return undefined
    return {
      tbs: whole(certDer, tbs as DerTlv),
      signature: bitStringOf(certDer, expectTag(sig, TAG.BIT_STRING, 'signatureValue')),
    }
  } catch {
    return undefined
  }
}

/** The SPKI (DER) of whichever trusted root key signed `certDer` (ECDSA P-256 / SHA-256), or undefined. */
function trustedIssuerOf(certDer: Uint8Array, roots: readonly Uint8Array[]): Uint8Array | undefined {
  const parts = signedPartsOf(certDer)
  if (!parts) return undefined
  for (const spki of roots) {
    try {
      if (nodeVerify('sha256', parts.tbs, rootKeyOf(spki), parts.signature)) return spki
    } catch {
      // not a key of the certificate's signature algorithm: try the next root
    }
  }
  return undefined
}

/**
 * Authorise the KMS at the other end of a fresh connection (runs before any request byte is written): its
 * TLS certificate must be signed by a trusted root CA key when any is pinned, and its attested identity must
 * pass the policy (role `kms`) when one is set. `pinned` narrows the roots to the one the app's keys came from.
 */
export async function authorizeKmsServer(trust: KmsTrust, server: AttestedServer, pinned?: Uint8Array): Promise<void> {
  const roots = pinned ? [pinned] : trust.rootCaPublicKeys
  if (roots.length > 0 && !trustedIssuerOf(server.certDer, roots))
    throw untrusted(
      pinned
        ? "its TLS certificate is not signed by the root CA key this app's keys came from"
        : `its TLS certificate is not signed by any KMS root CA key in ${trust.source}`,
      { expected: roots.map(short).join(',') },
    )
  if (trust.policy) {
    if (!server.peer) throw untrusted('it presented no attestation')
    const d = await trust.policy.check('kms', server.peer.identity)
    if (!d.allowed)
      throw untrusted(`its attested identity is not allowed by this app's policy (role kms): ${d.reason}`, {
        mrAggregated: toHex(server.peer.identity.mrAggregated),
      })
  }
}

/**
 * Check a GetAppKey reply against the trust and the server it came from: `ca_cert` is the key that signed the
 * server's TLS certificate (and a trusted one when pinned), and `k256_signature` recovers to a trusted KMS root
 * k256 key over ("dstack-kms-issued:" ‖ app_id ‖ app pubkey) when any is pinned. Returns the root CA SPKI.
 */
export function checkAppKeyReply(
  trust: KmsTrust,
  keys: AgentAppKeys,
  appId: Uint8Array,
  serverCertDer: Uint8Array,
): Uint8Array {
  let caSpki: Uint8Array
  try {
    caSpki = new Uint8Array(
      new X509Certificate(derToPem(pemToDer(keys.caCertPem, 'CERTIFICATE'), 'CERTIFICATE')).publicKey.export({
        type: 'spki',
        format: 'der',
      }),
    )
  } catch {
    throw new AgentError('AGENT_KMS_BAD_REPLY', 'GetAppKey reply field ca_cert is not a certificate')
  }
  if (!trustedIssuerOf(serverCertDer, [caSpki]))
    throw untrusted("the CA certificate it sent did not sign its own TLS certificate (ca_cert is another KMS's)")
  if (trust.rootCaPublicKeys.length > 0 && !trust.rootCaPublicKeys.some((k) => equalBytes(k, caSpki)))
    throw untrusted(`its root CA key is not in ${trust.source}`, { got: short(caSpki) })
  if (trust.k256PublicKeys.length > 0) {
    let signer: Uint8Array
    try {
      signer = recoverMessageSigner(keys.k256Signature, PREFIX_KMS_ISSUED, appId, k256PublicKey(keys.k256Key.expose()))
    } catch {
      throw untrusted('the k256_signature over the app key does not recover')
    }
    if (!trust.k256PublicKeys.some((k) => equalBytes(k, signer)))
      throw untrusted(`the app key is signed by KMS k256 key ${toHex(signer)}, which is not in ${trust.source}`, {
        got: toHex(signer),
      })
  }
  return caSpki
}

/** Parse a list of hex keys from configuration, naming the key and entry on error. */
export function parseTrustKeys(
  values: readonly string[],
  what: string,
  check: (b: Uint8Array) => boolean,
): Uint8Array[] {
  return values.map((v, i) => {
    const hex = v.replace(/^0x/, '')
    const b = isHex(hex) && hex.length % 2 === 0 ? fromHex(hex) : undefined
    if (!b || !check(b))
      throw new AgentError('AGENT_KMS_TRUST_INVALID', `${what}[${i}] is not a valid key (expected hex)`, { index: i })
    return b
  })
}
