import { sha256 } from '@noble/hashes/sha2.js'
import { fromHex } from '../../crypto/index.js'

/**
 * Withdrawal credentials as staking-deposit-cli / ethstaker-deposit-cli `credentials.py` build them:
 * 0x00 ‖ sha256(withdrawal_pubkey)[1:] (BLS), or prefix ‖ 11 zero bytes ‖ 20-byte execution address with
 * prefix 0x01 (execution address) or 0x02 (compounding, EIP-7251).
 */
export function blsWithdrawalCredentials(withdrawalPublicKey: Uint8Array): Uint8Array {
  if (withdrawalPublicKey.length !== 48) throw new RangeError('a compressed BLS public key is 48 bytes')
  const out = sha256(withdrawalPublicKey)
  out[0] = 0
  return out
}

export function executionWithdrawalCredentials(address: Uint8Array | string, prefix: 0x01 | 0x02 = 0x01): Uint8Array {
  const addr = typeof address === 'string' ? parseAddress(address) : address
  if (addr.length !== 20) throw new RangeError('an execution address is 20 bytes')
  if (prefix !== 0x01 && prefix !== 0x02) throw new RangeError('execution withdrawal prefix must be 0x01 or 0x02')
  const out = new Uint8Array(32)
  out[0] = prefix
  out.set(addr, 12)
  return out
}

function parseAddress(s: string): Uint8Array {
  if (!/^0x[0-9a-fA-F]{40}$/.test(s)) throw new RangeError('execution address must be 0x followed by 40 hex digits')
  return fromHex(s)
}
