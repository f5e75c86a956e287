import { equalBytes } from '../../crypto/index.js'
import { SignerError } from '../errors.js'
import { prepareSignRequest } from '../signing/index.js'
import { SignerServiceError } from './errors.js'
import { identifierHex, pubkeyHex } from './pubkeyHex.js'
import type { SignerParts } from './signerParts.js'
import { auditSigning } from './signingAudit.js'

/**
 * Sign a Web3Signer request body for `pubkey` → 96-byte signature. Throws SignerError (400; 404 for a key that is
 * not loaded or not a key at all),
 * SignerServiceError (400 wrong network) or SlashingError (412: refused, nothing signed).
 *
 * Order: compute the signing root from the typed payload (never trust the client's) → submit blocks and
 * attestations to the slashing committer, which checks and records them in ONE durable group-commit transaction
 * and normally signs them on its thread once committed (otherwise they are signed on the BLS signing thread). A
 * signature for a block or attestation therefore never leaves the process unless its record is committed. A key
 * deleted while its request was being recorded is not used (the record stays: recording without signing is safe).
 */
export async function sign(
  parts: Pick<SignerParts, 'network' | 'ring' | 'committer' | 'signer' | 'log'>,
  pubkey: string,
  body: unknown,
): Promise<Uint8Array> {
  const { network, ring } = parts
  const hex = identifierHex(pubkey)
  ring.loaded(hex)
  const prep = prepareSignRequest(body, { network })
  // A BLS-to-execution change is verified on chain against from_bls_pubkey: signed with any other key it is
  // useless, and a mix-up here (the withdrawal key is usually not the validator key) is worth a clear 400.
  if (
    prep.request.type === 'BLS_TO_EXECUTION_CHANGE' &&
    pubkeyHex(prep.request.BLS_TO_EXECUTION_CHANGE.from_bls_pubkey) !== hex
  ) {
    throw new SignerError(
      'SIGNER_BAD_PAYLOAD',
      'BLS_TO_EXECUTION_CHANGE.from_bls_pubkey: must be the key the request is sent to (the one that signs)',
      { path: 'BLS_TO_EXECUTION_CHANGE.from_bls_pubkey' },
    )
  }
  if (prep.genesisValidatorsRoot && !equalBytes(prep.genesisValidatorsRoot, network.genesisValidatorsRoot)) {
    throw new SignerServiceError(
      'SIGNER_WRONG_NETWORK',
      `fork_info.genesis_validators_root is not the ${network.name} network this signer serves`,
    )
  }
  const subject = prep.slashing
  if (!subject) {
    const signature = await parts.signer.sign(ring.loaded(hex).secretKey, prep.signingRoot)
    auditSigning(parts.log, hex, prep.request)
    return signature
  }
  const { publicKey, secretKey } = ring.loaded(hex)
  const signingRoot = prep.signingRoot
  const { signature } = await parts.committer.submit(
    subject.kind === 'block'
      ? { kind: 'block', pubkey: publicKey, slot: subject.slot, signingRoot }
      : { kind: 'attestation', pubkey: publicKey, source: subject.source, target: subject.target, signingRoot },
    secretKey,
  )
  // Recorded and durable (and signed on the commit thread, normally). If the key was deleted meanwhile, nothing
  // leaves: `loaded` throws SIGNER_UNKNOWN_KEY and a signature made already is dropped.
  const current = ring.loaded(hex)
  return signature ?? parts.signer.sign(current.secretKey, signingRoot)
}
