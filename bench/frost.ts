/**
 * `npm run bench frost`: one 3-of-5 signature, all members in this process,
 * through this wrapper (root key and a derived key) and through noble's plain API on the same key. Per phase:
 * commit (3 members), signShare (3 members), aggregate (coordinator), in ms. In a committee the members work
 * in parallel, so the latency is about commit/3 + signShare/3 + aggregate plus the network.
 *
 * The wrapper keeps decoded points and signing contexts in per-process caches; to report what a committee of
 * separate processes pays, each member's signShare starts from empty caches holding only that member's own
 * commitment points (as its commit() left them), the coordinator (member 0) signs last and aggregates on its
 * own cache state, and the derived-key variant uses a new tweak every round.
 */
import { ed25519_FROST } from '@noble/curves/ed25519.js'
import { schnorr_FROST, secp256k1_FROST } from '@noble/curves/secp256k1.js'
import { utf8ToBytes } from '@noble/hashes/utils.js'
import { deriveTweak } from '../src/mpc/derive/tweak.js'
import { aggregate } from '../src/mpc/frost/aggregate.js'
import { ciphersuiteOf } from '../src/mpc/frost/ciphersuite.js'
import { commit } from '../src/mpc/frost/commit.js'
import type { SigningCommitment } from '../src/mpc/frost/commitments.js'
import { clearPointCache, rememberOwnPoint } from '../src/mpc/frost/pointCache.js'
import { clearSigningContextCache } from '../src/mpc/frost/signingContext.js'
import { signShare } from '../src/mpc/frost/signShare.js'
import { suiteFor } from '../src/mpc/suites.js'
import { dealKey, seededRng } from '../src/mpc/testKit.js'
import type { SchemeId } from '../src/mpc/types.js'

const ROUNDS = 21
const now = () => performance.now()

type Phases = { commit: number; sign: number; aggregate: number }
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!

/** Runs the variants interleaved (so a busy machine slows them alike) and reports per-phase medians. */
function compare(variants: Record<string, () => Phases>): string[] {
  const names = Object.keys(variants)
  for (let i = 0; i < 3; i++) for (const n of names) variants[n]!() // warm-up
  const runs = new Map(names.map((n) => [n, [] as Phases[]]))
  for (let i = 0; i < ROUNDS; i++) for (const n of names) runs.get(n)!.push(variants[n]!())
  return names.map((n) => {
    const r = runs.get(n)!
    const m = (k: keyof Phases) => median(r.map((x) => x[k]))
    const total = median(r.map((x) => x.commit + x.sign + x.aggregate))
    const parallel = median(r.map((x) => x.commit / 3 + x.sign / 3 + x.aggregate))
    const f = (x: number) => x.toFixed(2)
    return `${n.padEnd(34)} commit ${f(m('commit'))}  signShare ${f(m('sign'))}  aggregate ${f(m('aggregate'))}  total ${f(total)}  ≈ parallel ${f(parallel)} ms`
  })
}

const NOBLE = { Ed25519: ed25519_FROST, Secp256k1Frost: secp256k1_FROST, Bip340: schnorr_FROST } as const

export async function benchFrost(): Promise<void> {
  for (const scheme of ['Ed25519', 'Secp256k1Frost', 'Bip340'] as const satisfies readonly SchemeId[]) {
    const key = dealKey(scheme, 3, [0, 1, 2, 3, 4], seededRng(`bench-${scheme}`))
    const members = [0, 2, 4].map((id) => key.shares.get(id)!)
    const msg = utf8ToBytes('microbench message, 32 bytes ..')
    const rng = seededRng('bench-rng')
    const suite = suiteFor(scheme)
    const cs = ciphersuiteOf(scheme)
    /** this process as member `own` would be after its commit(): only its own points known */
    const asMemberProcess = (own: SigningCommitment) => {
      clearPointCache()
      clearSigningContextCache()
      for (const b of [own.hiding, own.binding]) rememberOwnPoint(suite, b, cs.decodeOwn(b))
    }
    let round = 0
    const wrapper = (derived: boolean) => () => {
      const tweak = derived ? deriveTweak('bench.near', `path-${round++}`) : undefined
      const t0 = now()
      const c = members.map((m) => commit(m, rng))
      const list = c.map((x) => x.commitment)
      const t1 = now()
      let sign = 0
      const shares = new Map<number, Uint8Array>()
      // members 2 and 4 in their own processes, then the coordinator (member 0)
      for (const i of [1, 2, 0]) {
        asMemberProcess(c[i]!.commitment)
        const s0 = now()
        shares.set(members[i]!.participant, signShare(members[i]!, c[i]!.nonces, list, msg, tweak, c[i]!.commitment))
        sign += now() - s0
      }
      const t2 = now()
      const out = aggregate(key.package, list, msg, shares, tweak)
      const t3 = now()
      if (!out.ok) throw new Error(`${scheme}: the aggregate does not verify`)
      return { commit: t1 - t0, sign, aggregate: t3 - t2 }
    }
    // noble's plain path on the same key: its own objects, byte packages, nothing cached
    const F = NOBLE[scheme]
    const pub = {
      signers: { min: 3, max: 5 },
      commitments: [key.package.groupPublicKey],
      verifyingShares: Object.fromEntries([...key.package.verifyingShares].map(([id, v]) => [suite.identifier(id), v])),
    }
    const secrets = members.map((m) => ({
      identifier: suite.identifier(m.participant),
      signingShare: m.signingShare.expose(),
    }))
    const plain = () => {
      const t0 = now()
      const c = secrets.map((s) => F.commit(s, rng))
      const list = c.map((x) => x.commitments)
      const t1 = now()
      const shares = Object.fromEntries(
        secrets.map((s, i) => [s.identifier, F.signShare(s, pub, c[i]!.nonces, list, msg)]),
      )
      const t2 = now()
      F.aggregate(pub, list, msg, shares)
      const t3 = now()
      return { commit: t1 - t0, sign: t2 - t1, aggregate: t3 - t2 }
    }
    const lines = compare({
      [`${scheme} noble plain`]: plain,
      [`${scheme} wrapper, root key`]: wrapper(false),
      [`${scheme} wrapper, derived key`]: wrapper(true),
    })
    console.log(`${lines.join('\n')}\n(medians of ${ROUNDS}, node ${process.version})`)
  }
}
