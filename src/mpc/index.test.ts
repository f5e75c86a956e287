import { describe, expect, it } from 'vitest'
import * as mpc from './index.js'

describe('mpc public surface', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(mpc).sort()).toEqual(
      [
        'BITCOIN_HRP',
        'DKG_ROUNDS',
        'DkgSession',
        'MpcError',
        'SCHEMES',
        'TWEAK_PREFIX',
        'aggregate',
        'chainKeysToJson',
        'commit',
        'createDkgSession',
        'createKeyPackage',
        'createKeyShare',
        'decodeKeyPackage',
        'decodeSignatureShare',
        'decodeSigningCommitment',
        'deriveChainKeys',
        'derivePublicKey',
        'deriveTweak',
        'encodeKeyPackage',
        'encodeSignatureShare',
        'encodeSigningCommitment',
        'evmAddress',
        'findBadCommitments',
        'formatNearPublicKey',
        'p2trAddress',
        'p2wpkhAddress',
        'parseNearPublicKey',
        'parseRootKey',
        'planRefresh',
        'planReshare',
        'reshareSecret',
        'signShare',
        'signingPublicKey',
        'solanaAddress',
        'tweakScalar',
        'verifySignature',
      ].sort(),
    )
  })
})
