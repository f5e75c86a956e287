import { describe, expect, it } from 'vitest'
import { ACK_CODES, AckReader, encodeAck, encodeFrame, FrameReader, reasonOfCode } from './frames.js'
import { DROP_REASONS } from './types.js'

describe('envelope stream framing', () => {
  it('frames survive any chunking; an oversize frame is skipped without losing the next', () => {
    const frames = [
      encodeFrame(1, new Uint8Array(10).fill(1)),
      encodeFrame(2, new Uint8Array(50).fill(2)),
      encodeFrame(3, new Uint8Array(3).fill(3)),
    ]
    const all = Buffer.concat(frames)
    for (const size of [1, 2, 7, 8, 9, 13, 64, all.length]) {
      const got: Array<[number, number | 'oversize']> = []
      const r = new FrameReader(20, (id, body) => got.push([id, body === 'oversize' ? body : body.length]))
      for (let i = 0; i < all.length; i += size) r.push(all.subarray(i, i + size))
      expect(got, `chunk ${size}`).toEqual([
        [1, 10],
        [2, 'oversize'],
        [3, 3],
      ])
    }
  })

  it('frame bodies are copies (safe after the chunk is reused)', () => {
    const chunk = encodeFrame(9, Uint8Array.from([1, 2, 3]))
    let body: Uint8Array | undefined
    new FrameReader(10, (_, b) => {
      body = b as Uint8Array
    }).push(chunk)
    chunk.fill(0)
    expect([...body!]).toEqual([1, 2, 3])
  })

  it('acks carry a fixed code per drop reason (wire values)', () => {
    expect(ACK_CODES).toMatchInlineSnapshot(`
      {
        "attestation": 2,
        "backpressure": 11,
        "bad_signature": 5,
        "malformed": 8,
        "not_member": 1,
        "oversize": 9,
        "replayed": 10,
        "session_closed": 12,
        "unauthorized": 3,
        "wrong_epoch": 6,
        "wrong_recipient": 7,
        "wrong_sender": 4,
      }
    `)
    expect(new Set(Object.values(ACK_CODES)).size).toBe(DROP_REASONS.length)
    const got: Array<[number, string | undefined]> = []
    const r = new AckReader((id, code) => got.push([id, reasonOfCode(code)]))
    const bytes = Buffer.concat([encodeAck(7, 0), encodeAck(0xffffffff, ACK_CODES.replayed)])
    r.push(bytes.subarray(0, 3))
    r.push(bytes.subarray(3))
    expect(got).toEqual([
      [7, undefined],
      [0xffffffff, 'replayed'],
    ])
  })
})
