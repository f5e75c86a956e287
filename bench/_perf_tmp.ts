import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { toHex } from '../src/crypto/index.js'
import { api, setupCommittee, signBody, until } from '../test/integration/mpcCommitteeHarness.js'
const dir = mkdtempSync(join(tmpdir(), 'perf-'))
const members = await setupCommittee({ dir, n: 5, threshold: 3, domains: [{ id: 0, scheme: 'Secp256k1Frost' }], tokens: { 'tok-0123456789abcdef': 'a.near' }, allow: [{ predecessor: 'a.near', domains: [0] }] })
await Promise.all(members.map((m) => m.start()))
await until('dkg', async () => ((await api(`${members[0]!.apiUrl}/mpc/v1/state`)).json.status === 'running' ? true : undefined), 60000)
const lat: number[] = []
for (let i = 0; i < 60; i++) {
  const m = new Uint8Array(32); m[0] = i
  const r = await api(`${members[0]!.apiUrl}/mpc/v1/sign`, { body: signBody(0, 'p', { Ecdsa: toHex(m) }), token: 'tok-0123456789abcdef' })
  lat.push(r.ms)
}
lat.sort((a, b) => a - b)
console.log('p50', lat[30], 'p90', lat[54])
const metrics = await (await fetch(`${members[0]!.apiUrl}/metrics`)).text()
console.log(metrics.split('\n').filter((l) => /custos_mpc_round_seconds_(sum|count)/.test(l)).join('\n'))
await Promise.all(members.map((m) => m.kill()))
