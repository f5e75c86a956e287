import { equalBytes, toHex } from '../../crypto/index.js'
import { explain } from '../../errors.js'
import { SignerError } from '../errors.js'
import { jsonInput } from '../jsonInput.js'
import { decryptKeystore, parseKeystore } from '../keys/index.js'
import { parseInterchangeV5, SlashingError } from '../slashing/index.js'
import { attestKey } from './attestKey.js'
import { SignerServiceError } from './errors.js'
import type { SignerKeyRow } from './keyRepository.js'
import { ADMIN_LOCK, type SignerParts } from './signerParts.js'
import type { ImportStatus, KeystoreImport, LoadedKey } from './types.js'

/**
 * Keymanager import. A keystore whose KDF parameters exceed the limits (SIGNER_KEYSTORE_KDF_LIMIT) or a slashing
 * interchange that is malformed or for another network (SlashingError / SignerServiceError) fails the whole
 * request (400) before anything is decrypted. Each keystore then gets its own
 * status: `error` (bad JSON, bad keystore, wrong password), `duplicate` (already loaded, or repeated in the
 * request) or `imported`. The interchange and every imported key are written in ONE transaction; when every
 * keystore failed, nothing is written (not even the interchange).
 */
export async function importKeystores(
  parts: Pick<SignerParts, 'network' | 'ring' | 'slashing' | 'locks' | 'tee' | 'now' | 'log'>,
  items: KeystoreImport[],
  slashingProtection?: unknown,
): Promise<ImportStatus[]> {
  const { ring, network, log } = parts
  checkKdfLimits(items)
  const interchange = slashingProtection === undefined ? undefined : checkInterchange(parts, slashingProtection)
  return parts.locks.run(ADMIN_LOCK, async () => {
    const statuses: ImportStatus[] = []
    const fresh: LoadedKey[] = []
    const seen = new Set<string>()
    try {
      for (const [i, item] of items.entries()) {
        try {
          const dec = await decryptKeystore(item.keystore, item.password)
          const hex = toHex(dec.publicKey)
          if (seen.has(hex) || ring.known(hex)) {
            dec.secretKey.wipe()
            statuses[i] = { status: 'duplicate' }
            continue
          }
          seen.add(hex)
          const attestation = await attestKey(parts.tee, dec.publicKey)
          const row: SignerKeyRow = {
            pubkey: hex,
            origin: 'imported',
            path: dec.path,
            uuid: dec.uuid,
            attestation,
            createdAt: parts.now(),
          }
          fresh.push({ row, publicKey: dec.publicKey, secretKey: dec.secretKey })
          statuses[i] = { status: 'imported' }
        } catch (e) {
          statuses[i] = { status: 'error', message: explain(e, 'keystore import failed') }
        }
      }
      // Nothing at all is stored when every keystore failed; otherwise the history goes in with the keys.
      const anyKey = statuses.some((st) => st.status !== 'error')
      const gvr = network.genesisValidatorsRoot
      ring.persist(
        fresh,
        anyKey && interchange !== undefined ? () => parts.slashing.importInterchange(interchange, gvr) : undefined,
      )
    } catch (e) {
      for (const k of fresh) k.secretKey.wipe()
      throw e
    }
    for (const k of fresh) log.info({ pubkey: `0x${k.row.pubkey}`, origin: 'imported' }, 'signer key added')
    return statuses
  })
}

/**
 * A keystore whose KDF costs more than the limits fails the whole request (SIGNER_KEYSTORE_KDF_LIMIT, 400, naming
 * its index, the parameter and the limit) before any KDF runs. Other keystore faults stay per-keystore statuses.
 */
function checkKdfLimits(items: KeystoreImport[]): void {
  for (const [i, item] of items.entries()) {
    try {
      parseKeystore(item.keystore)
    } catch (e) {
      if (e instanceof SignerError && e.code === 'SIGNER_KEYSTORE_KDF_LIMIT') {
        throw new SignerError('SIGNER_KEYSTORE_KDF_LIMIT', `keystores[${i}]: ${e.shortMessage}`, {
          ...e.meta,
          index: i,
        })
      }
    }
  }
}

/** The interchange document (parsed from text when given as a string), checked to be EIP-3076 v5 for our network. */
function checkInterchange(parts: Pick<SignerParts, 'network'>, input: unknown): unknown {
  const doc = jsonInput(
    input,
    () => new SignerServiceError('SIGNER_BAD_REQUEST', 'slashing_protection is not valid JSON (EIP-3076 v5)'),
  )
  const parsed = parseInterchangeV5(doc)
  if (!equalBytes(parsed.genesisValidatorsRoot, parts.network.genesisValidatorsRoot)) {
    throw new SlashingError(
      'SIGNER_INTERCHANGE_GVR_MISMATCH',
      `slashing_protection is for another genesis_validators_root than the ${parts.network.name} network; nothing was imported`,
    )
  }
  return doc
}
