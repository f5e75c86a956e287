import { ed25519 } from '@noble/curves/ed25519.js'
import { describe, expect, it } from 'vitest'
import { SecretBytes, toHex } from '../../crypto/index.js'
import {
  decodeEnvelope,
  ENVELOPE_SIGNING_DOMAIN,
  type EnvelopeInput,
  encodeEnvelopeBody,
  envelopeSigningInput,
  signEnvelope,
  verifyEnvelope,
} from './envelope.js'
import { createNodeSigner, nodeKeyVerifier } from './nodeKey.js'

const seed = new Uint8Array(32).fill(7)
const signer = createNodeSigner(new SecretBytes(seed.slice()))
const base: EnvelopeInput = {
  epoch: 3n,
  sessionId: new Uint8Array(32).fill(0xab),
  round: 'dkg/round1',
  sender: 2,
  recipient: 'all',
  seq: 0x0102030405060708n,
  payload: Uint8Array.from([1, 2, 3]),
}

describe('envelope bytes (v1)', () => {
  it('the layout is pinned byte for byte', () => {
    const body = encodeEnvelopeBody(base)
    expect(toHex(body)).toBe(
      '01' + // version
        '0000000000000003' + // epoch
        'ab'.repeat(32) + // session id
        '00000002' + // sender
        'ffffffff' + // recipient = all
        '0102030405060708' + // seq
        '0a' + // round length
        toHex(new TextEncoder().encode('dkg/round1')) +
        '00000003' + // payload length
        '010203',
    )
    expect(new TextDecoder().decode(ENVELOPE_SIGNING_DOMAIN)).toBe('custos/net/peer/envelope/v1\0')
    const p2p = encodeEnvelopeBody({ ...base, recipient: 4, epoch: 1 })
    expect(toHex(p2p.subarray(45, 49))).toBe('00000004')
    expect(toHex(p2p.subarray(1, 9))).toBe('0000000000000001')
  })

  it('sign → decode round-trips; the signature is RFC 8032 Ed25519 over domain ‖ body (checked with noble)', () => {
    const bytes = signEnvelope(base, signer.sign)
    const d = decodeEnvelope(bytes)
    expect(d.envelope).toEqual({ ...base, epoch: 3n })
    expect(toHex(signer.publicKey)).toBe(toHex(ed25519.getPublicKey(seed)))
    expect(ed25519.verify(d.signature, envelopeSigningInput(d.body), signer.publicKey)).toBe(true)
    expect(toHex(d.signature)).toBe(toHex(ed25519.sign(envelopeSigningInput(d.body), seed)))
    expect(verifyEnvelope(bytes, nodeKeyVerifier(signer.publicKey))).toEqual(d.envelope)
  })

  it('a flipped bit anywhere, or another key, fails verification', () => {
    const bytes = signEnvelope(base, signer.sign)
    const v = nodeKeyVerifier(signer.publicKey)
    for (const i of [0, 5, 20, 42, 46, 50, 58, bytes.length - 70, bytes.length - 1]) {
      const t = bytes.slice()
      t[i]! ^= 0x01
      expect(verifyEnvelope(t, v), `byte ${i}`).toBeUndefined()
    }
    const other = createNodeSigner(new SecretBytes(new Uint8Array(32).fill(8)))
    expect(verifyEnvelope(bytes, nodeKeyVerifier(other.publicKey))).toBeUndefined()
  })

  it('refuses out-of-range fields when encoding (PEER_BAD_MESSAGE)', () => {
    const bad: Array<[string, Partial<EnvelopeInput> & Record<string, unknown>]> = [
      ['epoch negative', { epoch: -1n }],
      ['epoch too big', { epoch: 1n << 64n }],
      ['epoch unsafe number', { epoch: 2 ** 60 }],
      ['seq too big', { seq: 1n << 64n }],
      ['short session id', { sessionId: new Uint8Array(31) }],
      ['empty round', { round: '' }],
      ['long round', { round: 'r'.repeat(65) }],
      ['round charset', { round: 'round 1' }],
      ['round non-ascii', { round: 'ründe' }],
      ['sender = all', { sender: 0xffffffff }],
      ['sender fraction', { sender: 1.5 }],
      ['recipient negative', { recipient: -1 }],
      ['payload not bytes', { payload: [1, 2] as unknown as Uint8Array }],
    ]
    for (const [name, patch] of bad)
      expect(() => encodeEnvelopeBody({ ...base, ...patch } as EnvelopeInput), name).toThrow(
        expect.objectContaining({ code: 'PEER_BAD_MESSAGE' }),
      )
    expect(() => encodeEnvelopeBody({ ...base, payload: new Uint8Array(11) }, 10)).toThrow(/larger than 10/)
  })

  it('decodes strictly: version, lengths, round charset, sender', () => {
    const good = signEnvelope(base, signer.sign)
    const cases: Array<[string, Uint8Array]> = [
      ['empty', new Uint8Array(0)],
      ['too short', good.subarray(0, 100)],
      ['trailing byte', Uint8Array.from([...good, 0])],
      ['missing byte', good.subarray(0, good.length - 1)],
      ['version 2', Uint8Array.from(good, (b, i) => (i === 0 ? 2 : b))],
      ['round length 0', Uint8Array.from(good, (b, i) => (i === 57 ? 0 : b))],
      ['round length 65', Uint8Array.from(good, (b, i) => (i === 57 ? 65 : b))],
      ['round charset', Uint8Array.from(good, (b, i) => (i === 58 ? 0x20 : b))],
      ['sender all', Uint8Array.from(good, (b, i) => (i >= 41 && i < 45 ? 0xff : b))],
      ['payload length lies', Uint8Array.from(good, (b, i) => (i === 58 + 10 + 3 ? 4 : b))],
    ]
    for (const [name, bytes] of cases)
      expect(() => decodeEnvelope(bytes), name).toThrow(expect.objectContaining({ code: 'PEER_BAD_MESSAGE' }))
    expect(() => decodeEnvelope(good, 2)).toThrow(/larger than 2/)
    // errors never echo bytes
    try {
      decodeEnvelope(Uint8Array.from(good, (b, i) => (i === 0 ? 9 : b)))
    } catch (e) {
      expect((e as Error).message).not.toContain('abab')
    }
  })
})
