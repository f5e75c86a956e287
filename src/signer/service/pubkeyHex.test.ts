import { describe, expect, it } from 'vitest'
import { codeOf } from '../../../test/support/errors.js'
import { identifierHex, pubkeyHex } from './pubkeyHex.js'

const KEY = `0x${'Ab'.repeat(48)}`

describe('pubkeyHex / identifierHex', () => {
  it('normalise a 48-byte hex key', () => {
    expect(pubkeyHex(KEY)).toBe('ab'.repeat(48))
    expect(identifierHex(KEY)).toBe('ab'.repeat(48))
  })

  it('a malformed key is 400 in a body but 404 as a path identifier (Web3Signer finds no signer for it)', () => {
    for (const bad of ['0x1234', 'not-hex', `0x${'zz'.repeat(48)}`, '', 42]) {
      expect(codeOf(() => pubkeyHex(bad))).toBe('SIGNER_BAD_PUBKEY')
      expect(codeOf(() => identifierHex(bad))).toBe('SIGNER_UNKNOWN_KEY')
    }
  })
})
