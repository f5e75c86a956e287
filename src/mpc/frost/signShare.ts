/**
 * Member, round two (RFC 9591 §5.2 `sign`): this member's signature share for `message` under the root key
 * (`tweak` undefined) or a derived key (32-byte tweak, near-mpc.md §2), via noble's `signShare`.
 * The nonce pair is wiped whatever happens: a nonce whose commitment went out is never offered twice.
 * The caller checks the request itself (policy, tweak from predecessor and path) before calling this.
 */
import { SecretBytes } from '../../crypto/index.js'
import { MpcError } from '../errors.js'
import { type SigningCommitment, toNobleCommitments } from './commitments.js'
import { derivedPackage, derivedShareScalar } from './derivedPackage.js'
import { internalsOf, type KeyShare } from './keyPackage.js'

export function signShare(
  share: KeyShare,
  nonces: SecretBytes,
  commitments: readonly SigningCommitment[],
  message: Uint8Array,
  tweak?: Uint8Array,
): Uint8Array {
  if (!(nonces instanceof SecretBytes) || nonces.length !== 64)
    throw new MpcError('MPC_BAD_INPUT', 'nonces must be the 64 secret bytes commit() returned', { field: 'nonces' })
  const raw = nonces.expose()
  try {
    if (raw.every((b) => b === 0)) throw new MpcError('MPC_NONCES_USED', 'this nonce pair was already used or wiped')
    if (!(message instanceof Uint8Array))
      throw new MpcError('MPC_BAD_INPUT', 'message must be bytes', { field: 'message' })
    const pkg = share.package
    const { suite, identifiers } = internalsOf(pkg)
    const list = toNobleCommitments(pkg, commitments)
    const identifier = identifiers.get(share.participant)!
    if (!list.some((c) => c.identifier === identifier))
      throw new MpcError('MPC_BAD_COMMITMENTS', `the signing set does not include participant ${share.participant}`, {
        participant: share.participant,
      })
    const d = derivedPackage(pkg, tweak)
    const s = derivedShareScalar(pkg, d, suite.Fn.fromBytes(share.signingShare.expose()))
    const secret = { identifier, signingShare: suite.Fn.toBytes(s) }
    try {
      return suite.frost.signShare(
        secret,
        d.pub,
        { hiding: raw.subarray(0, 32), binding: raw.subarray(32) },
        list,
        message,
      )
    } catch (e) {
      const reason = e instanceof Error ? e.message : ''
      if (/commitment|point|identity|subgroup/i.test(reason))
        throw new MpcError(
          'MPC_BAD_COMMITMENTS',
          'the commitment list is invalid (own commitment differs, or a bad point)',
          {
            participant: share.participant,
          },
          { cause: e },
        )
      throw new MpcError('MPC_INTERNAL', 'noble signShare refused the request', {}, { cause: e })
    } finally {
      secret.signingShare.fill(0)
    }
  } finally {
    raw.fill(0)
  }
}
