import { toHex } from '../../crypto/index.js'
import { generateBlsKey } from '../keys/index.js'
import { attestKey } from './attestKey.js'
import type { SignerKeyRow } from './keyRepository.js'
import { keyInfo } from './keyRing.js'
import { ADMIN_LOCK, type SignerParts } from './signerParts.js'
import type { SignerKeyInfo } from './types.js'

/** Generate a fresh key inside the TEE (EIP-2333 from fresh entropy), attest it and seal it. */
export async function generateKey(
  parts: Pick<SignerParts, 'rng' | 'tee' | 'now' | 'locks' | 'ring' | 'log'>,
): Promise<SignerKeyInfo & { attestation: string }> {
  const key = generateBlsKey(parts.rng)
  try {
    const attestation = await attestKey(parts.tee, key.publicKey)
    const row: SignerKeyRow = {
      pubkey: toHex(key.publicKey),
      origin: 'generated',
      path: key.path,
      uuid: null,
      attestation,
      createdAt: parts.now(),
    }
    const loaded = { row, publicKey: key.publicKey, secretKey: key.secretKey }
    await parts.locks.run(ADMIN_LOCK, () => parts.ring.persist([loaded]))
    parts.log.info({ pubkey: `0x${row.pubkey}`, origin: 'generated' }, 'signer key added')
    return { ...keyInfo(loaded), attestation: `0x${attestation}` }
  } catch (e) {
    key.secretKey.wipe()
    throw e
  }
}
