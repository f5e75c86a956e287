/**
 * `custos dev` runs a 2-of-3 threshold committee beside its KMS nodes (in-process): its DKG completes at start,
 * the printed sign request works with the devnet token, and the signature verifies with plain noble under the
 * derived key; a restart keeps the keys.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ed25519 } from '@noble/curves/ed25519.js'
import { afterAll, describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../../src/crypto/index.js'
import { nullLogger } from '../../src/log.js'
import { derivePublicKey, deriveTweak } from '../../src/mpc/index.js'
import { type Devnet, startDevnet } from '../../src/node/index.js'

const home = mkdtempSync(join(tmpdir(), 'custos-devnet-mpc-'))
let net: Devnet | undefined
afterAll(async () => {
  await net?.close()
  rmSync(home, { recursive: true, force: true })
})

async function sign(url: string, token: string, message: Uint8Array) {
  const r = await fetch(`${url}/mpc/v1/sign`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ request: { path: 'demo', payload_v2: { Eddsa: toHex(message) }, domain_id: 0 } }),
  })
  return { status: r.status, json: (await r.json()) as { scheme: string; signature: number[] } }
}

describe('devnet committee', () => {
  it('starts with its DKG done, signs the printed request, and keeps its keys across a restart', async () => {
    net = await startDevnet({ home, nodes: 3, basePort: 0, agent: false, committee: true, logger: nullLogger })
    const cm = net.committee!
    expect(cm.apiUrls).toHaveLength(3)
    const state = (await (await fetch(`${cm.apiUrls[1]}/mpc/v1/state`)).json()) as {
      threshold: number
      domains: Array<{ id: number; publicKey: string }>
    }
    expect(state.threshold).toBe(2)
    const root = fromHex(state.domains[0]!.publicKey)
    const hello = new TextEncoder().encode('hello')
    const r = await sign(cm.apiUrls[0]!, cm.token, hello)
    expect(r.status).toBe(200)
    const key = derivePublicKey('Ed25519', root, deriveTweak(cm.predecessor, 'demo'))
    expect(ed25519.verify(Uint8Array.from(r.json.signature), hello, key)).toBe(true)

    await net.close()
    net = await startDevnet({ home, nodes: 3, basePort: 0, agent: false, committee: true, logger: nullLogger })
    const again = (await (await fetch(`${net.committee!.apiUrls[2]}/mpc/v1/public_key?domain_id=0`)).json()) as {
      public_key_hex: string
    }
    expect(again.public_key_hex).toBe(toHex(root))
    const r2 = await sign(net.committee!.apiUrls[2]!, net.committee!.token, hello)
    expect(r2.status).toBe(200)
    expect(ed25519.verify(Uint8Array.from(r2.json.signature), hello, key)).toBe(true)
  }, 120_000)
})
