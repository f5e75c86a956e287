import { randomBytes } from 'node:crypto'
import { p256 } from '@noble/curves/nist.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { encodeVersionedAttestation } from '../attestation/index.js'
import { bootstrapReportData, SecretBytes, toHex } from '../crypto/index.js'
import { caPublicKeySpki, createRootCaCert, createTmpCaCert } from './certs.js'
import type { KmsContextOf } from './context.js'
import { KmsError } from './errors.js'
import { ensureSelfAllowed, type SelfCheck } from './guards.js'
import { rpcMethod } from './rpcMethod.js'
import type { BootstrapInfo } from './types.js'
import { assertDomain, BootstrapInput } from './wire.js'

/** A uniformly random valid scalar for a curve of order n (rejection sampling from the CSPRNG). */
export function randomScalar(n: bigint): SecretBytes {
  for (;;) {
    const b = randomBytes(32)
    const v = BigInt(`0x${b.toString('hex')}`)
    if (v > 0n && v < n) return new SecretBytes(new Uint8Array(b))
  }
}

/**
 * Generate root keys inside the TEE, quote them, and only then persist — in one transaction, with the
 * attestation — so a crash mid-way leaves no keys behind that were never attested.
 */
export async function bootstrapKeys(
  kms: KmsContextOf<'exclusive' | 'ready' | 'install' | 'self', SelfCheck | 'tee' | 'now'>,
  domain: string,
): Promise<BootstrapInfo> {
  assertDomain(domain)
  return kms.exclusive(async () => {
    if (kms.ready)
      throw new KmsError('KMS_ALREADY_BOOTSTRAPPED', 'this KMS already holds root keys; bootstrap runs once')
    await ensureSelfAllowed(kms.deps, kms.self)
    const rootCaKey = randomScalar(p256.Point.Fn.ORDER)
    const rootK256Key = randomScalar(secp256k1.Point.Fn.ORDER)
    const tmpCaKey = randomScalar(p256.Point.Fn.ORDER)
    const caSpki = await caPublicKeySpki(rootCaKey)
    const k256Pub = secp256k1.getPublicKey(rootK256Key.expose(), true)
    const attestation = await kms.deps.tee.attest(bootstrapReportData(caSpki, k256Pub))
    const info: BootstrapInfo = {
      ca_pubkey: toHex(caSpki),
      k256_pubkey: toHex(k256Pub),
      attestation: toHex(encodeVersionedAttestation(attestation)),
    }
    const now = kms.deps.now()
    kms.install({
      rootCaKey,
      rootK256Key,
      tmpCaKey,
      rootCaCertPem: await createRootCaCert(rootCaKey, now),
      tmpCaCertPem: await createTmpCaCert(tmpCaKey, now),
      domain,
      bootstrapInfo: info,
    })
    kms.deps.logger.info({ domain, k256Pubkey: info.k256_pubkey }, 'KMS bootstrapped: root keys generated and attested')
    return info
  })
}

/** `Onboard.Bootstrap` */
export const bootstrap = (kms: Parameters<typeof bootstrapKeys>[0]) =>
  rpcMethod({
    name: 'Bootstrap',
    input: BootstrapInput,
    run: (input) => bootstrapKeys(kms, input.domain),
  })
