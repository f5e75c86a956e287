/**
 * Child process for committeeStoreCrash.test.ts: opens the committee store in `dir` and prints one line per step
 * AFTER the step's transaction committed, so a parent that SIGKILLs it knows what was durable:
 *   OPEN <burned> <abandoned attempt id | -> · R <session> <nonce> · T <session> <nonce> · TAKE <session> <code>
 *   SHARE <hex> · PENDING
 * Modes: `loop` (reserve/take forever, up to 4 sessions in flight), `step` (reserve one, then wait for a line on
 * stdin before taking it), `take <session…>` (try to take each), `keyevent` (DKG epoch 1, then a resharing attempt
 * to epoch 2 left pending; waits).
 */
import { randomBytes } from 'node:crypto'
import { createInterface } from 'node:readline'
import { fromHex, SecretBytes, toHex } from '../../src/crypto/index.js'
import { CustosError } from '../../src/errors.js'
import { openCommitteeStore, openStore } from '../../src/store/index.js'

const [dir, mode, ...rest] = process.argv.slice(2)
const store = openStore({ dataDir: dir!, sealingKey: new SecretBytes(new Uint8Array(32).fill(0x42)) })
const c = openCommitteeStore(store)
const out = (line: string) => process.stdout.write(`${line}\n`) // pipes are synchronous on Linux
out(`OPEN ${c.recovered.burnedNonces} ${c.recovered.abandonedAttempt?.attemptId ?? '-'}`)

const reserve = () => {
  const sessionId = new Uint8Array(randomBytes(32))
  const nonce = new Uint8Array(randomBytes(32))
  c.nonces.reserve({ epoch: 1, domainId: 0, sessionId, nonce: new SecretBytes(nonce.slice()) })
  out(`R ${toHex(sessionId)} ${toHex(nonce)}`)
  return sessionId
}
const take = (sessionId: Uint8Array) => {
  const t = c.nonces.take(sessionId)
  out(`T ${toHex(sessionId)} ${toHex(t.nonce.expose())}`)
}

if (mode === 'loop') {
  const inFlight: Uint8Array[] = []
  for (;;) {
    if (inFlight.length < 4 && Math.random() < 0.6) inFlight.push(reserve())
    else if (inFlight.length > 0) take(inFlight.splice(Math.floor(Math.random() * inFlight.length), 1)[0]!)
    if (Math.random() < 0.05) await new Promise((r) => setTimeout(r, 1))
  }
} else if (mode === 'step') {
  const s = reserve()
  const rl = createInterface({ input: process.stdin })
  for await (const _ of rl) {
    take(s)
    break
  }
  rl.close()
} else if (mode === 'take') {
  for (const hex of rest) {
    try {
      take(fromHex(hex))
    } catch (e) {
      out(`TAKE ${hex} ${e instanceof CustosError ? e.code : 'error'}`)
    }
  }
} else if (mode === 'keyevent') {
  const share = new Uint8Array(randomBytes(32))
  c.epochs.beginAttempt({ epoch: 1, kind: 'dkg', attemptId: 0 })
  c.shares.putPending({
    epoch: 1,
    domainId: 0,
    attemptId: 0,
    share: new SecretBytes(share.slice()),
    publicPackage: new Uint8Array(8),
  })
  c.epochs.completeAttempt({ epoch: 1, attemptId: 0 })
  out(`SHARE ${toHex(share)}`)
  c.epochs.beginAttempt({ epoch: 2, kind: 'resharing', attemptId: 3 })
  c.shares.putPending({
    epoch: 2,
    domainId: 0,
    attemptId: 3,
    share: new SecretBytes(new Uint8Array(randomBytes(32))),
    publicPackage: new Uint8Array(8),
  })
  out('PENDING')
  await new Promise(() => {})
}
store.close()
