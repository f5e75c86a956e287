import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodeVersionedAttestation } from './dstack/index.js'
import type { Attestation, EvidenceVerifier, Identity } from './types.js'
import { createVerifier } from './verifier.js'

const VECTORS = resolve(import.meta.dirname, '../../../shared/vectors')

const tdx: Attestation = {
  quote: { type: 'tdx', quote: new Uint8Array(readFileSync(resolve(VECTORS, 'dcap/tdx_quote'))), eventLog: [] },
  runtimeEvents: [],
  reportData: new Uint8Array(64),
  config: '',
}
const nitro = decodeVersionedAttestation(
  new Uint8Array(readFileSync(resolve(VECTORS, 'nitro/dstack_nitro_attestation.bin'))),
)
const fake = (tag: string): EvidenceVerifier & { calls: number } => {
  const v = {
    calls: 0,
    async verify() {
      v.calls++
      return { platform: tag } as unknown as Identity
    },
  }
  return v
}

describe('createVerifier dispatch for real evidence', () => {
  it('Intel quotes go to dcap, or are refused as unsupported', async () => {
    await expect(
      createVerifier({ trustSimulated: true, simulatedRoots: [] }).verify(tdx, { now: 0 }),
    ).rejects.toMatchObject({
      code: 'ATTESTATION_UNSUPPORTED',
    })
    const dcap = fake('tdx')
    const v = createVerifier({ trustSimulated: false, simulatedRoots: [], dcap })
    expect((await v.verify(tdx, { now: 0 })).platform).toBe('tdx')
    expect(dcap.calls).toBe(1)
  })
  it('Nitro documents go to nitro, or are refused as unsupported', async () => {
    await expect(
      createVerifier({ trustSimulated: false, simulatedRoots: [] }).verify(nitro, { now: 0 }),
    ).rejects.toMatchObject({
      code: 'ATTESTATION_UNSUPPORTED',
    })
    const n = fake('nitro')
    const dcap = fake('tdx')
    const v = createVerifier({ trustSimulated: false, simulatedRoots: [], nitro: n, dcap })
    expect((await v.verify(nitro, { now: 0 })).platform).toBe('nitro')
    expect([n.calls, dcap.calls]).toEqual([1, 0])
  })
})
