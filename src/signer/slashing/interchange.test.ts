import { describe, expect, it } from 'vitest'
import { codeOf } from '../../../test/support/errors.js'
import { doc, GVR, hex, memoryProtection, OTHER_GVR, pk, root } from '../../../test/support/slashing.js'
import { parseInterchangeV5, serializeInterchangeV5 } from './interchangeV5.js'

const K = pk(1)
type D = ReturnType<typeof doc>
const count = (db: ReturnType<typeof memoryProtection>['db'], table: string) =>
  db.prepare(`SELECT count(*) FROM ${table}`).pluck().get()
const tables = [
  'slashing_validators',
  'slashing_signed_blocks',
  'slashing_signed_attestations',
  'slashing_low_watermarks',
]

describe('interchange v5 parsing', () => {
  const good = doc([{ pubkey: K, blocks: [{ slot: '1' }], atts: [{ source_epoch: '0', target_epoch: '1' }] }])
  const mutate = (f: (d: ReturnType<typeof doc>) => void) => {
    const d = structuredClone(good)
    f(d)
    return d
  }

  it('parses decimal u64 strings to bigint and hex to bytes, accepts JSON text', () => {
    const i = parseInterchangeV5(JSON.stringify(good))
    expect(i.genesisValidatorsRoot).toEqual(GVR)
    expect(i.data[0]!.pubkey).toEqual(K)
    expect(i.data[0]!.signedBlocks).toEqual([{ slot: 1n, signingRoot: null }])
    expect(serializeInterchangeV5(i)).toEqual(good)
  })

  it.each([
    [
      'version 4',
      (d: D) => {
        d.metadata.interchange_format_version = '4'
      },
      'metadata.interchange_format_version',
    ],
    [
      'short pubkey',
      (d: D) => {
        d.data[0]!.pubkey = hex(new Uint8Array(47))
      },
      'data.0.pubkey',
    ],
    [
      'u64 overflow',
      (d: D) => {
        d.data[0]!.signed_blocks[0]!.slot = '18446744073709551616'
      },
      'data.0.signed_blocks.0.slot',
    ],
    [
      'negative',
      (d: D) => {
        d.data[0]!.signed_blocks[0]!.slot = '-1'
      },
      'data.0.signed_blocks.0.slot',
    ],
    [
      'leading zero',
      (d: D) => {
        d.data[0]!.signed_blocks[0]!.slot = '01'
      },
      'data.0.signed_blocks.0.slot',
    ],
    [
      'number slot',
      (d: D) => {
        ;(d.data[0]!.signed_blocks[0] as { slot: unknown }).slot = 1
      },
      'data.0.signed_blocks.0.slot',
    ],
    [
      'no 0x root',
      (d: D) => {
        d.data[0]!.signed_blocks[0]!.signing_root = '00'.repeat(32)
      },
      'data.0.signed_blocks.0.signing_root',
    ],
    [
      'missing signed_attestations',
      (d: ReturnType<typeof doc>) => void delete (d.data[0] as Partial<(typeof d.data)[0]>).signed_attestations,
      'data.0.signed_attestations',
    ],
    [
      'short gvr',
      (d: D) => {
        d.metadata.genesis_validators_root = '0x00'
      },
      'metadata.genesis_validators_root',
    ],
  ])('rejects %s with the field path', (_name, f, path) => {
    try {
      parseInterchangeV5(mutate(f))
      expect.unreachable()
    } catch (err) {
      expect((err as { code: string }).code).toBe('SIGNER_INTERCHANGE_INVALID')
      expect((err as { meta: { path: string } }).meta.path).toBe(path)
      expect((err as { status: number }).status).toBe(400)
    }
  })

  it('rejects non-JSON text', () => {
    expect(codeOf(() => parseInterchangeV5('{"metadata":'))).toBe('SIGNER_INTERCHANGE_INVALID')
  })
})

describe('importInterchange', () => {
  it('writes nothing when any part of the file is invalid (schema error in the last entry)', () => {
    const { sp, db } = memoryProtection()
    const d = doc([
      { pubkey: pk(1), blocks: [{ slot: '5' }] },
      { pubkey: pk(2), blocks: [{ slot: 'x' }] },
    ])
    expect(codeOf(() => sp.importInterchange(d, GVR))).toBe('SIGNER_INTERCHANGE_INVALID')
    for (const t of tables) expect(count(db, t)).toBe(0)
  })

  it('writes nothing when one key is already bound to another network (fails mid-transaction)', () => {
    const { sp, db } = memoryProtection()
    sp.checkAndRecordBlock(pk(3), 1n, root(1), OTHER_GVR)
    const d = doc([
      { pubkey: pk(1), blocks: [{ slot: '5' }], atts: [{ source_epoch: '1', target_epoch: '2' }] },
      { pubkey: pk(3), blocks: [{ slot: '6' }] },
    ])
    expect(codeOf(() => sp.importInterchange(d, GVR))).toBe('SIGNER_INTERCHANGE_GVR_MISMATCH')
    expect(count(db, 'slashing_validators')).toBe(1)
    expect(count(db, 'slashing_signed_blocks')).toBe(1)
    expect(count(db, 'slashing_signed_attestations')).toBe(0)
    expect(count(db, 'slashing_low_watermarks')).toBe(0)
  })

  it('refuses a file for another genesis_validators_root', () => {
    const { sp, db } = memoryProtection()
    expect(codeOf(() => sp.importInterchange(doc([{ pubkey: K }], OTHER_GVR), GVR))).toBe(
      'SIGNER_INTERCHANGE_GVR_MISMATCH',
    )
    expect(count(db, 'slashing_validators')).toBe(0)
  })

  it('works around slashable data: conflicting roots become unknown, watermarks only go down', () => {
    const { sp } = memoryProtection()
    sp.importInterchange(doc([{ pubkey: K, blocks: [{ slot: '40', signing_root: hex(root(1)) }] }]), GVR)
    const second = doc([
      {
        pubkey: K,
        blocks: [
          { slot: '40', signing_root: hex(root(2)) },
          { slot: '50', signing_root: hex(root(3)) },
        ],
        atts: [
          { source_epoch: '2', target_epoch: '3', signing_root: hex(root(1)) },
          { source_epoch: '2', target_epoch: '3', signing_root: hex(root(2)) },
          { source_epoch: '1', target_epoch: '3', signing_root: hex(root(1)) },
        ],
      },
    ])
    expect(sp.importInterchange(second, GVR)).toEqual({ validators: 1, blocks: 2, attestations: 3 })
    // slot 40 had two roots: now nothing may be signed there, not even one of them
    expect(codeOf(() => sp.checkAndRecordBlock(K, 40n, root(1), GVR))).toBe('SIGNER_SLASHABLE_DOUBLE_BLOCK')
    expect(sp.checkAndRecordBlock(K, 50n, root(3), GVR)).toBe('same_data')
    expect(sp.checkAndRecordBlock(K, 41n, root(3), GVR)).toBe('recorded') // watermark stays at 40
    expect(codeOf(() => sp.checkAndRecordAttestation(K, 1n, 3n, root(1), GVR))).toBe('SIGNER_SLASHABLE_DOUBLE_VOTE')
    const out = sp.exportInterchange(GVR)
    expect(out.data[0]!.signed_blocks).toEqual([
      { slot: '40' },
      { slot: '41', signing_root: hex(root(3)) },
      { slot: '50', signing_root: hex(root(3)) },
    ])
    expect(out.data[0]!.signed_attestations).toEqual([
      { source_epoch: '1', target_epoch: '3', signing_root: hex(root(1)) },
      { source_epoch: '2', target_epoch: '3' },
    ])
  })
})

describe('exportInterchange', () => {
  it('round-trips: export → import into an empty DB → identical export, same decisions', () => {
    const { sp } = memoryProtection()
    sp.importInterchange(
      doc([{ pubkey: pk(1), blocks: [{ slot: '3' }], atts: [{ source_epoch: '1', target_epoch: '2' }] }]),
      GVR,
    )
    sp.checkAndRecordBlock(pk(1), 9n, root(9), GVR)
    sp.checkAndRecordAttestation(pk(1), 2n, 4n, root(4), GVR)
    sp.checkAndRecordBlock(pk(2), 5n, root(5), GVR)
    sp.checkAndRecordBlock(pk(3), 5n, root(5), OTHER_GVR)
    const exported = sp.exportInterchange(GVR)
    expect(exported.data.map((d) => d.pubkey)).toEqual([hex(pk(1)), hex(pk(2))])
    const b = memoryProtection()
    b.sp.importInterchange(JSON.stringify(exported), GVR)
    expect(b.sp.exportInterchange(GVR)).toEqual(exported)
    expect(b.sp.checkAndRecordBlock(pk(1), 9n, root(9), GVR)).toBe('same_data')
    expect(codeOf(() => b.sp.checkAndRecordAttestation(pk(1), 1n, 5n, root(1), GVR))).toBe(
      'SIGNER_SLASHABLE_SURROUNDING',
    )
    // filtering, unknown keys (empty history) and keys of another network
    expect(sp.exportInterchange(GVR, [pk(2), pk(7)]).data).toEqual([
      { pubkey: hex(pk(2)), signed_blocks: [{ slot: '5', signing_root: hex(root(5)) }], signed_attestations: [] },
      { pubkey: hex(pk(7)), signed_blocks: [], signed_attestations: [] },
    ])
    expect(codeOf(() => sp.exportInterchange(GVR, [pk(3)]))).toBe('SIGNER_SLASHING_GVR_MISMATCH')
  })
})

describe('import performance', () => {
  it('imports 10,000 validators × (1 block + 1 attestation) in one transaction', () => {
    const { sp, db } = memoryProtection()
    const entries = Array.from({ length: 10_000 }, (_, i) => {
      const key = new Uint8Array(48)
      new DataView(key.buffer).setUint32(44, i + 1)
      return {
        pubkey: key,
        blocks: [{ slot: String(1000 + i), signing_root: hex(root(i % 256)) }],
        atts: [{ source_epoch: '10', target_epoch: '11', signing_root: hex(root(1)) }],
      }
    })
    const json = JSON.stringify(doc(entries))
    const t0 = performance.now()
    const summary = sp.importInterchange(json, GVR)
    const ms = performance.now() - t0
    console.log(
      `eip3076 import: 10000 validators x (1 block + 1 attestation) in ${ms.toFixed(0)} ms (in-memory SQLite)`,
    )
    expect(summary).toEqual({ validators: 10_000, blocks: 10_000, attestations: 10_000 })
    expect(count(db, 'slashing_low_watermarks')).toBe(10_000)
  })
})
