/**
 * The committee service in one process over an in-memory transport (the multi-process tests are in
 * test/integration/mpcCommittee*.test.ts): DKG by itself, signing for derived keys, member-side checks, a member
 * that sends a bad signature share is named and left out, too few members fail fast, and the API shapes.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ed25519 } from '@noble/curves/ed25519.js'
import { schnorr } from '@noble/curves/secp256k1.js'
import { afterAll, describe, expect, it } from 'vitest'
import { fromHex, SecretBytes, toHex } from '../../crypto/index.js'
import { memoryLogger } from '../../log.js'
import type { ReceivedEnvelope } from '../../net/index.js'
import { createNodeSigner, nodeKeyVerifier } from '../../net/index.js'
import { type CommitteeStore, openCommitteeStore, openStore, type Store } from '../../store/index.js'
import { derivePublicKey } from '../derive/deriveKey.js'
import { deriveTweak } from '../derive/tweak.js'
import { decodeKeyPackage } from '../frost/keyPackageCodec.js'
import { createAllowCheck } from './allowList.js'
import { createMpcApp, SignBody } from './api.js'
import { type Committee, parseCommittee } from './committeeFile.js'
import { CommitteeService, type CommitteeTransport } from './committeeService.js'

/** An in-memory message bus: per node, per (session, round) queues; `down` nodes neither send nor receive. */
class Bus {
  readonly queues = new Map<
    number,
    Map<string, { msgs: ReceivedEnvelope[]; waiters: Array<(e: ReceivedEnvelope) => void> }>
  >()
  readonly down = new Set<number>()
  /** rewrite a payload on its way (tests of misbehaving members) */
  tamper: ((from: number, round: string, payload: Uint8Array) => Uint8Array) | undefined
  seq = 0n

  box(node: number, key: string) {
    let m = this.queues.get(node)
    if (!m) {
      m = new Map()
      this.queues.set(node, m)
    }
    let b = m.get(key)
    if (!b) {
      b = { msgs: [], waiters: [] }
      m.set(key, b)
    }
    return b
  }

  deliver(from: number, to: number, sessionId: Uint8Array, round: string, payload: Uint8Array): void {
    if (this.down.has(to) || this.down.has(from))
      throw Object.assign(new Error('unreachable'), { code: 'PEER_UNREACHABLE' })
    const p = this.tamper ? this.tamper(from, round, payload) : payload
    const e = {
      epoch: 1n,
      sessionId,
      round,
      sender: from,
      recipient: to,
      seq: this.seq++,
      payload: p,
      signature: new Uint8Array(64),
      raw: new Uint8Array(0),
    } as ReceivedEnvelope
    const b = this.box(to, `${toHex(sessionId)}/${round}`)
    b.msgs.push(e)
    const w = b.waiters.splice(0)
    for (const f of w) f(e)
  }

  /** A node's transport; `close()` ends its pending and future receives (PEER_CLOSED), as PeerNetwork.close does. */
  transport(id: number, members: number[]): CommitteeTransport & { close(): void } {
    let closed = false
    const pending = new Set<(e: Error) => void>()
    return {
      close: () => {
        closed = true
        for (const f of pending) f(Object.assign(new Error('closed'), { code: 'PEER_CLOSED' }))
      },
      id,
      send: async (to, m) => this.deliver(id, to, m.sessionId, m.round, m.payload),
      broadcast: async (m) => {
        const out = { delivered: [] as number[], failed: new Map<number, Error>() }
        for (const to of members)
          if (to !== id)
            try {
              this.deliver(id, to, m.sessionId, m.round, m.payload)
              out.delivered.push(to)
            } catch (e) {
              out.failed.set(to, e as Error)
            }
        return out
      },
      recv: (o) =>
        new Promise((resolve, reject) => {
          if (closed) return reject(Object.assign(new Error('closed'), { code: 'PEER_CLOSED' }))
          pending.add(reject)
          const b = this.box(id, `${toHex(o.sessionId)}/${o.round}`)
          const take = () => {
            if (closed) return true // a closed node takes nothing more
            const i = b.msgs.findIndex((e) => o.from === undefined || e.sender === o.from)
            if (i < 0) return false
            const [e] = b.msgs.splice(i, 1)
            clearTimeout(timer)
            pending.delete(reject)
            resolve(e!)
            return true
          }
          const timer = setTimeout(() => {
            pending.delete(reject)
            reject(Object.assign(new Error('timeout'), { code: 'PEER_TIMEOUT' }))
          }, o.timeoutMs)
          const wait = () => {
            if (!take()) b.waiters.push(wait)
          }
          wait()
        }),
      onlinePeers: () => (this.down.has(id) ? [] : members.filter((m) => m !== id && !this.down.has(m))),
      closeSession: () => undefined,
    }
  }
}

const dirs: string[] = []
const stores: Store[] = []
afterAll(() => {
  for (const s of stores) s.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function committeeOf(t: number, signers: ReturnType<typeof createNodeSigner>[]): Committee {
  return parseCommittee({
    epoch: 1,
    threshold: t,
    participants: signers.map((s, i) => ({
      id: i,
      node_key: toHex(s.publicKey),
      url: `https://127.0.0.1:${7000 + i}`,
    })),
    domains: [
      { id: 0, scheme: 'Ed25519' },
      { id: 1, scheme: 'Bip340' },
    ],
  })
}

async function startCommittee(n: number, t: number, extraAllow: (id: number) => string[] = () => []) {
  const bus = new Bus()
  const signers = Array.from({ length: n }, () => createNodeSigner(new SecretBytes(new Uint8Array(randomBytes(32)))))
  const committee = committeeOf(t, signers)
  const ids = committee.participants.map((p) => p.id)
  const logs = ids.map(() => memoryLogger())
  const committeeStores: CommitteeStore[] = []
  const transports = ids.map((id) => bus.transport(id, ids))
  const services = ids.map((id) => {
    const dir = mkdtempSync(join(tmpdir(), 'custos-mpc-svc-'))
    dirs.push(dir)
    const store = openStore({ dataDir: dir, sealingKey: new SecretBytes(new Uint8Array(32).fill(id + 1)) })
    stores.push(store)
    const cs = openCommitteeStore(store)
    committeeStores.push(cs)
    return new CommitteeService({
      me: id,
      committee,
      transport: transports[id]!,
      store: cs,
      sign: (m) => signers[id]!.sign(m),
      verify: (k, m, s) => nodeKeyVerifier(k)(m, s),
      allow: createAllowCheck([
        { predecessor: 'alice.near', domains: [0, 1] },
        ...extraAllow(id).map((predecessor) => ({ predecessor, domains: [0] })),
      ]),
      rng: (len = 32) => new Uint8Array(randomBytes(len)),
      logger: logs[id]!,
      signTimeoutMs: 1000,
      dkgRoundTimeoutMs: 2000,
    })
  })
  for (const s of services) s.start()
  const end = Date.now() + 30_000
  while (!services.every((s) => s.ready)) {
    if (Date.now() > end) throw new Error('DKG did not finish')
    await new Promise((r) => setTimeout(r, 20))
  }
  return { bus, services, logs, committeeStores, signers, transports }
}

describe('committee service (in-memory transport)', () => {
  it('runs the DKG, signs for derived keys, names a member that sends a bad share, and fails fast below t', async () => {
    const { bus, services, logs, committeeStores } = await startCommittee(4, 3)
    const root0 = services[0]!.publicKey(0).publicKey
    for (const s of services) expect(toHex(s.publicKey(0).publicKey)).toBe(toHex(root0))
    const msg = new TextEncoder().encode('hello committee')
    const r = await services[1]!.sign({ domainId: 0, predecessor: 'alice.near', path: 'x', message: msg })
    const key = derivePublicKey('Ed25519', root0, deriveTweak('alice.near', 'x'))
    expect(ed25519.verify(r.signature, msg, key)).toBe(true)
    expect(r.signers).toEqual([0, 1, 2])
    expect(r.rounds).toBe(2) // no preprocessed commitments yet: commit round, then sign round
    // the first request asked the members for preprocessed commitments: later requests take one round
    let one = r
    for (let i = 0; i < 20 && one.rounds !== 1; i++) {
      await new Promise((res) => setTimeout(res, 20))
      one = await services[1]!.sign({ domainId: 0, predecessor: 'alice.near', path: 'x', message: msg })
    }
    expect(one.rounds).toBe(1)
    expect(ed25519.verify(one.signature, msg, key)).toBe(true)
    // concurrent one-round requests spread over the members and never share a nonce
    const many = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        services[1]!.sign({ domainId: 0, predecessor: 'alice.near', path: `c${i}`, message: msg }),
      ),
    )
    for (const [i, m] of many.entries())
      expect(
        ed25519.verify(m.signature, msg, derivePublicKey('Ed25519', root0, deriveTweak('alice.near', `c${i}`))),
      ).toBe(true)
    expect(new Set(many.map((m) => m.signers.join())).size).toBeGreaterThan(1)

    const digest = new Uint8Array(32).fill(5)
    const b = await services[3]!.sign({ domainId: 1, predecessor: 'alice.near', path: '', message: digest })
    const xonly = derivePublicKey('Bip340', services[3]!.publicKey(1).publicKey, deriveTweak('alice.near', ''))
    expect(schnorr.verify(b.signature, digest, xonly)).toBe(true)

    // member 1 corrupts its signature shares: the coordinator names it and signs with another subset
    bus.tamper = (from, round, payload) => {
      if (from !== 1 || round !== 'sign/share') return payload
      const body = JSON.parse(new TextDecoder().decode(payload)) as { ok: boolean; share?: string }
      if (!body.share) return payload
      const last = body.share.slice(-2) === '00' ? '01' : '00'
      return new TextEncoder().encode(JSON.stringify({ ...body, share: body.share.slice(0, -2) + last }))
    }
    let r2 = await services[0]!.sign({ domainId: 0, predecessor: 'alice.near', path: 'y', message: msg })
    // (a one-round attempt may not pick member 1: sign until one did)
    for (let i = 0; i < 10 && r2.attempts === 1; i++)
      r2 = await services[0]!.sign({ domainId: 0, predecessor: 'alice.near', path: 'y', message: msg })
    expect(r2.attempts).toBe(2)
    expect(r2.signers).not.toContain(1)
    expect(ed25519.verify(r2.signature, msg, derivePublicKey('Ed25519', root0, deriveTweak('alice.near', 'y')))).toBe(
      true,
    )
    expect(
      logs[0]!.entries.some(
        (e) => e.msg === 'bad signature shares: members named' && (e.obj as { bad: number[] }).bad.join() === '1',
      ),
    ).toBe(true)
    bus.tamper = undefined

    // a predecessor the policy does not allow: refused before any member is asked
    await expect(
      services[0]!.sign({ domainId: 0, predecessor: 'eve.near', path: '', message: msg }),
    ).rejects.toMatchObject({ code: 'MPC_FORBIDDEN', status: 403 })
    // a secp256k1 domain needs a 32-byte digest
    await expect(
      services[0]!.sign({ domainId: 1, predecessor: 'alice.near', path: '', message: msg }),
    ).rejects.toMatchObject({ code: 'MPC_BAD_REQUEST' })

    // none was used twice (each session id has one ledger row); the reserved ones are the preprocessed pools
    // (at most 64 per coordinator and domain), nothing else is left reserved
    for (const cs of committeeStores) {
      const n = cs.nonces.inspect()
      expect(n.records.filter((x) => x.state === 'reserved').every((x) => x.epoch === 1n)).toBe(true)
    }
    await new Promise((res) => setTimeout(res, 100)) // refills in flight land
    const st = services.map((x) => x.status())
    // every reserved nonce is one this member handed out (and still holds in memory) …
    for (const [i, cs] of committeeStores.entries())
      expect(cs.nonces.counts().reserved).toBe(st[i]!.preprocessed.handed)
    // … and each is in exactly one coordinator's pool
    expect(st.reduce((a, x) => a + x.preprocessed.held, 0)).toBe(st.reduce((a, x) => a + x.preprocessed.handed, 0))
    for (const cs of committeeStores) {
      const n = cs.nonces.inspect()
      expect(new Set(n.records.map((x) => toHex(x.sessionId))).size).toBe(n.records.length)
      expect(cs.nonces.counts()).toEqual({ reserved: n.reserved, used: n.used, burned: n.burned })
    }

    // two members down: 2 of 3 online → fails fast
    bus.down.add(2)
    bus.down.add(3)
    const t0 = performance.now()
    await expect(services[0]!.sign({ domainId: 0, predecessor: 'alice.near', path: '', message: msg })).rejects.toThrow(
      'not enough participants online (2 of 3 needed)',
    )
    expect(performance.now() - t0).toBeLessThan(100)
    for (const s of services) await s.close()

    // the committee file moves to epoch 2: keys of epoch 1 are not replaced by a fresh DKG (resharing is needed)
    const next = new CommitteeService({
      me: 0,
      committee: { ...services[0]!.committee, epoch: 2n },
      transport: bus.transport(0, [0]),
      store: committeeStores[0]!,
      sign: () => new Uint8Array(64),
      verify: () => false,
      allow: () => true,
      rng: (len = 32) => new Uint8Array(randomBytes(len)),
    })
    next.start()
    await new Promise((r) => setTimeout(r, 600))
    expect(next.status()).toMatchObject({ status: 'waiting-for-peers', reshare_from: '1' })
    expect(committeeStores[0]!.shares.list().every((x) => x.epoch === 1n)).toBe(true)
    await next.close()
  }, 60_000)

  it('reshares into a new epoch (one leaves, one joins, t changes) and refreshes: keys and derived keys stay, every share changes, old shares are erased', async () => {
    const { services, committeeStores, signers } = await startCommittee(4, 3)
    const msg = new TextEncoder().encode('before and after')
    const keys = [0, 1].map((d) => toHex(services[0]!.publicKey(d).publicKey))
    const derived0 = derivePublicKey('Ed25519', fromHex(keys[0]!), deriveTweak('alice.near', 'p'))
    for (const s of services) await s.close()
    const sharesOf = (cs: CommitteeStore, epoch: bigint) => toHex(cs.shares.require(epoch, 0).share.expose())
    const epoch1Shares = [0, 1, 2].map((i) => sharesOf(committeeStores[i]!, 1n))

    // epoch 2: member 3 leaves, member 4 joins (a fresh store), threshold 3 → 2; the file names the keys
    const joiner = createNodeSigner(new SecretBytes(new Uint8Array(randomBytes(32))))
    const dir = mkdtempSync(join(tmpdir(), 'custos-mpc-svc-'))
    dirs.push(dir)
    const joinerStore = openStore({ dataDir: dir, sealingKey: new SecretBytes(new Uint8Array(32).fill(9)) })
    stores.push(joinerStore)
    const allSigners = [...signers.slice(0, 3), undefined, joiner]
    const allStores = [...committeeStores.slice(0, 3), undefined, openCommitteeStore(joinerStore)]
    const epochCommittee = (epoch: number, t: number, ids: number[]) =>
      parseCommittee({
        epoch,
        threshold: t,
        participants: ids.map((i) => ({
          id: i,
          node_key: toHex(allSigners[i]!.publicKey),
          url: `https://127.0.0.1:${7000 + i}`,
        })),
        domains: [
          { id: 0, scheme: 'Ed25519', public_key: keys[0] },
          { id: 1, scheme: 'Bip340', public_key: keys[1] },
        ],
      })
    const run = async (committee: Committee) => {
      const bus = new Bus()
      const ids = committee.participants.map((p) => p.id)
      const svc = ids.map(
        (id) =>
          new CommitteeService({
            me: id,
            committee,
            transport: bus.transport(id, ids),
            store: allStores[id]!,
            sign: (m) => allSigners[id]!.sign(m),
            verify: (k, m, s) => nodeKeyVerifier(k)(m, s),
            allow: createAllowCheck([{ predecessor: 'alice.near', domains: [0, 1] }]),
            rng: (len = 32) => new Uint8Array(randomBytes(len)),
            signTimeoutMs: 1000,
            dkgRoundTimeoutMs: 2000,
          }),
      )
      for (const s of svc) s.start()
      const end = Date.now() + 30_000
      while (!svc.every((s) => s.ready)) {
        if (Date.now() > end) throw new Error(`resharing to epoch ${committee.epoch} did not finish`)
        await new Promise((r) => setTimeout(r, 20))
      }
      return svc
    }
    const e2 = await run(epochCommittee(2, 2, [0, 1, 2, 4]))
    for (const s of e2) expect([0, 1].map((d) => toHex(s.publicKey(d).publicKey))).toEqual(keys)
    // t = 2: the joiner and one old member sign for the same derived key as before
    const r = await e2[3]!.sign({ domainId: 0, predecessor: 'alice.near', path: 'p', message: msg })
    expect(r.signers).toEqual([0, 4])
    expect(ed25519.verify(r.signature, msg, derived0)).toBe(true)
    // every share changed, and no node keeps a share of epoch 1
    for (const i of [0, 1, 2]) {
      expect(sharesOf(allStores[i]!, 2n)).not.toBe(epoch1Shares[i])
      expect(allStores[i]!.shares.epochs()).toEqual([2n])
    }
    expect(allStores[4]!.shares.epochs()).toEqual([2n])
    for (const s of e2) await s.close()

    // epoch 3, a refresh (same set and threshold): the key stays, every share changes
    const epoch2Shares = [0, 1, 2, 4].map((i) => sharesOf(allStores[i]!, 2n))
    const e3 = await run(epochCommittee(3, 2, [0, 1, 2, 4]))
    expect(toHex(e3[0]!.publicKey(0).publicKey)).toBe(keys[0])
    ;[0, 1, 2, 4].forEach((i, k) => {
      expect(sharesOf(allStores[i]!, 3n)).not.toBe(epoch2Shares[k])
      expect(allStores[i]!.shares.epochs()).toEqual([3n])
    })
    const digest = new Uint8Array(32).fill(7)
    const b = await e3[1]!.sign({ domainId: 1, predecessor: 'alice.near', path: 'q', message: digest })
    expect(
      schnorr.verify(b.signature, digest, derivePublicKey('Bip340', fromHex(keys[1]!), deriveTweak('alice.near', 'q'))),
    ).toBe(true)
    for (const s of e3) await s.close()
  }, 90_000)

  it('a member that lost its share rejoins at the current epoch: the others refresh to include it, the key stays', async () => {
    const { bus, services, committeeStores, signers, transports } = await startCommittee(4, 3)
    const ids = [0, 1, 2, 3]
    const keys = [0, 1].map((d) => services[0]!.publicKey(d).publicKey)
    const before = [0, 1, 2].map((i) => toHex(committeeStores[i]!.shares.require(1n, 0).share.expose()))
    const stale0 = [0, 1].map((d) => committeeStores[0]!.shares.require(1n, d))
    // member 3 loses its shares (disk restored from before the DKG, or killed between confirming and activating)
    await services[3]!.close()
    transports[3]!.close()
    committeeStores[3]!.shares.eraseEpoch(1)
    const log = memoryLogger()
    const committee = services[0]!.committee
    // a member process started again on its store, with a new transport on the same bus
    const restart = (me: number, c: Committee, logger: ReturnType<typeof memoryLogger>) =>
      new CommitteeService({
        me,
        committee: c,
        transport: bus.transport(me, ids),
        store: committeeStores[me]!,
        sign: (m) => signers[me]!.sign(m),
        verify: (k, m, s) => nodeKeyVerifier(k)(m, s),
        allow: createAllowCheck([{ predecessor: 'alice.near', domains: [0, 1] }]),
        rng: (len = 32) => new Uint8Array(randomBytes(len)),
        logger,
        signTimeoutMs: 1000,
        dkgRoundTimeoutMs: 2000,
      })
    const back = restart(
      3,
      { ...committee, domains: committee.domains.map((d, i) => ({ ...d, publicKey: keys[i]! })) },
      log,
    )
    back.start()
    const end = Date.now() + 30_000
    while (!back.ready) {
      if (Date.now() > end) throw new Error('member 3 did not rejoin')
      await new Promise((r) => setTimeout(r, 20))
    }
    expect([0, 1].map((d) => toHex(back.publicKey(d).publicKey))).toEqual(keys.map(toHex))
    // a refresh: every holder's share changed (same epoch, same key)
    ;[0, 1, 2].forEach((i, k) => {
      expect(toHex(committeeStores[i]!.shares.require(1n, 0).share.expose())).not.toBe(before[k])
    })
    // the rejoined member signs (as coordinator, with two others)
    const msg = new TextEncoder().encode('back again')
    const r = await back.sign({ domainId: 0, predecessor: 'alice.near', path: 'r', message: msg })
    expect(r.signers).toContain(3)
    expect(ed25519.verify(r.signature, msg, derivePublicKey('Ed25519', keys[0]!, deriveTweak('alice.near', 'r')))).toBe(
      true,
    )

    // member 0 comes back with its pre-refresh shares (as if killed between confirming and activating): it is
    // refused (another key package) instead of sending bad shares, notices its shares are stale, and rejoins
    await services[0]!.close()
    transports[0]!.close()
    for (const [d, old] of stale0.entries())
      committeeStores[0]!.shares.putActive({
        epoch: 1n,
        domainId: d,
        attemptId: old.attemptId,
        share: old.share,
        publicPackage: old.publicPackage,
      })
    const log0 = memoryLogger()
    const zero = restart(0, committee, log0)
    zero.start()
    const digest = new Uint8Array(32).fill(1)
    // a request may still fail while member 0 is being found out (it and a busy member left out of one request
    // leave too few): the coordinator's caller retries, as a client would
    const signRetrying = async (c: CommitteeService, domainId: number, path: string, message: Uint8Array) => {
      for (let k = 0; ; k++) {
        try {
          return await c.sign({ domainId, predecessor: 'alice.near', path, message })
        } catch (e) {
          if (k >= 3) throw e
        }
      }
    }
    for (const [i, coordinator] of [services[1]!, services[2]!, back].entries()) {
      const x = await signRetrying(coordinator, 0, `s${i}`, msg)
      expect(
        ed25519.verify(x.signature, msg, derivePublicKey('Ed25519', keys[0]!, deriveTweak('alice.near', `s${i}`))),
      ).toBe(true)
      const y = await signRetrying(coordinator, 1, `s${i}`, digest)
      expect(
        schnorr.verify(y.signature, digest, derivePublicKey('Bip340', keys[1]!, deriveTweak('alice.near', `s${i}`))),
      ).toBe(true)
    }
    expect(log0.entries.some((e) => /its shares are stale/.test(e.msg))).toBe(true)
    const end0 = Date.now() + 30_000
    while (!zero.ready) {
      if (Date.now() > end0) throw new Error('member 0 did not rejoin')
      await new Promise((res) => setTimeout(res, 20))
    }
    const z = await zero.sign({
      domainId: 1,
      predecessor: 'alice.near',
      path: 'z',
      message: new Uint8Array(32).fill(1),
    })
    expect(
      schnorr.verify(
        z.signature,
        new Uint8Array(32).fill(1),
        derivePublicKey('Bip340', keys[1]!, deriveTweak('alice.near', 'z')),
      ),
    ).toBe(true)
    for (const s of [zero, services[1]!, services[2]!, back]) await s.close()
  }, 90_000)

  it('a resharing the old members cannot run (fewer than the old threshold stay) is reported, and no DKG replaces the key', async () => {
    const { services, committeeStores, signers } = await startCommittee(3, 3)
    const key = toHex(services[0]!.publicKey(0).publicKey)
    for (const s of services) await s.close()
    const committee = parseCommittee({
      epoch: 2,
      threshold: 2,
      participants: [0, 1].map((i) => ({
        id: i,
        node_key: toHex(signers[i]!.publicKey),
        url: `https://127.0.0.1:${7000 + i}`,
      })),
      domains: [
        { id: 0, scheme: 'Ed25519' },
        { id: 1, scheme: 'Bip340' },
      ],
    })
    const bus = new Bus()
    const log = memoryLogger()
    const svc = [0, 1].map(
      (id) =>
        new CommitteeService({
          me: id,
          committee,
          transport: bus.transport(id, [0, 1]),
          store: committeeStores[id]!,
          sign: (m) => signers[id]!.sign(m),
          verify: (k, m, s) => nodeKeyVerifier(k)(m, s),
          allow: () => true,
          rng: (len = 32) => new Uint8Array(randomBytes(len)),
          logger: id === 0 ? log : undefined,
          dkgRoundTimeoutMs: 1000,
        }),
    )
    for (const s of svc) s.start()
    await new Promise((r) => setTimeout(r, 800))
    expect(svc[0]!.status().status).toBe('resharing-needed')
    expect(log.entries.some((e) => /only 2 members of epoch 1 stay in epoch 2; resharing needs 3/.test(e.msg))).toBe(
      true,
    )
    expect(committeeStores[0]!.shares.epochs()).toEqual([1n])
    // the epoch-1 share is kept (it is the only copy of the key) and still carries the key
    const held = committeeStores[0]!.shares.require(1n, 0)
    held.share.wipe()
    expect(toHex(decodeKeyPackage(held.publicPackage).groupPublicKey)).toBe(key)
    expect(() => svc[0]!.publicKey(0)).toThrow(/has not been generated yet/)
    for (const s of svc) await s.close()
  }, 60_000)

  it('members check the request themselves: a coordinator that allows more than they do gets no signature', async () => {
    // the coordinator (0) allows eve.near; members 1 and 2 do not
    const { services, logs } = await startCommittee(3, 2, (id) => (id === 0 ? ['eve.near'] : []))
    await expect(
      services[0]!.sign({ domainId: 0, predecessor: 'eve.near', path: '', message: new Uint8Array(1) }),
    ).rejects.toMatchObject({ code: 'MPC_SIGN_FAILED', status: 503 })
    for (const id of [1, 2]) expect(logs[id]!.entries.some((e) => e.msg === 'sign request refused')).toBe(true)
    for (const s of services) await s.close()
  }, 60_000)
})

describe('committee file and sign API parsing', () => {
  it('parses the committee file and refuses bad ones', () => {
    const ok = {
      epoch: 2,
      threshold: 2,
      participants: [
        { id: 1, node_key: '11'.repeat(32), url: 'https://127.0.0.1:1' },
        { id: 0, node_key: '22'.repeat(32), url: 'https://127.0.0.1:2/' },
      ],
      domains: [{ id: 0, scheme: 'Ed25519' }],
    }
    const c = parseCommittee(JSON.stringify(ok))
    expect(c.epoch).toBe(2n)
    expect(c.participants.map((p) => p.id)).toEqual([0, 1])
    expect(c.participants[0]!.url).toBe('https://127.0.0.1:2')
    expect(() => parseCommittee({ ...ok, threshold: 3 })).toThrow(/threshold exceeds/)
    expect(() => parseCommittee({ ...ok, participants: [ok.participants[0], ok.participants[0]] })).toThrow(/twice/)
    expect(() => parseCommittee({ ...ok, domains: [{ id: 0, scheme: 'Ecdsa' }] })).toThrow(/domains/)
    expect(() => parseCommittee('{')).toThrow(/not valid JSON/)
  })

  it('allow-list patterns', () => {
    const allow = createAllowCheck([
      { predecessor: 'app:*', domains: [0] },
      { predecessor: 'alice.near', domains: [0, 1] },
    ])
    expect(allow('app:1234', 0)).toBe(true)
    expect(allow('app:1234', 1)).toBe(false)
    expect(allow('alice.near', 1)).toBe(true)
    expect(allow('alice.nearx', 1)).toBe(false)
    expect(allow('bob.near', 0)).toBe(false)
  })

  it('the NEAR sign request shape, with its legacy aliases', () => {
    expect(SignBody.safeParse({ request: { path: '', payload_v2: { Eddsa: 'ab' }, domain_id: 0 } }).success).toBe(true)
    expect(SignBody.safeParse({ request: { path: 'p', payload: Array(32).fill(1), key_version: 1 } }).success).toBe(
      true,
    )
    expect(SignBody.safeParse({ request: { path: '', payload_v2: { Eddsa: 'ab' } } }).success).toBe(true)
    for (const bad of [
      { request: { path: '', payload_v2: { Eddsa: 'abc' }, domain_id: 0 } },
      { request: { path: '', payload_v2: { Other: 'ab' }, domain_id: 0 } },
      { request: { path: '', payload_v2: { Eddsa: 'ab' }, domain_id: 0, key_version: 0 } },
      { request: { path: '', domain_id: 0 } },
      { request: { path: 1, payload_v2: { Eddsa: 'ab' } } },
    ])
      expect(SignBody.safeParse(bad).success, JSON.stringify(bad)).toBe(false)
    expect(typeof createMpcApp).toBe('function')
  })
})
