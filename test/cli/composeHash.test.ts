/** `custos attest compose-hash` and the canonical app-compose form, checked against @phala/dstack-sdk's getComposeHash. */

import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { canonicalAppCompose, isCanonicalAppCompose } from '../../src/attestation/index.js'
import { DEMO_APP_COMPOSE, KMS_COMPOSE } from '../../src/node/devnet.js'
import { getComposeHash } from '../clients/dstack-sdk/index.js'

const BIN = resolve(import.meta.dirname, '../../bin/custos.js')
const dir = mkdtempSync(join(tmpdir(), 'custos-compose-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const custos = (...args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

const compose = {
  runner: 'docker-compose',
  name: 'app',
  manifest_version: 2,
  docker_compose_file: 'services:\n  web:\n    image: nginx\n',
  features: ['kms', 'tproxy-net'],
  nested: { z: 1, a: { y: [3, { d: 1, c: 2 }], b: null }, ratio: 0.5 },
  kms_enabled: true,
}

describe('canonical app compose', () => {
  it("equals the SDK's getComposeHash input: its sha256 is the SDK's compose hash", () => {
    const text = canonicalAppCompose(compose)
    expect(sha256(text)).toBe(getComposeHash(compose))
    expect(isCanonicalAppCompose(text)).toBe(true)
    expect(isCanonicalAppCompose(`${text}\n`)).toBe(false)
    expect(isCanonicalAppCompose(JSON.stringify(compose))).toBe(false)
    expect(isCanonicalAppCompose('{not json')).toBe(false)
  })

  it('non-finite numbers become null as in the SDK', () => {
    const odd = { ...compose, a: Number.NaN, b: Number.POSITIVE_INFINITY, c: 1 }
    expect(sha256(canonicalAppCompose(odd))).toBe(getComposeHash(odd))
  })

  it('the devnet composes are canonical (the SDK reproduces their compose hashes)', () => {
    for (const c of [KMS_COMPOSE, DEMO_APP_COMPOSE]) {
      expect(isCanonicalAppCompose(c)).toBe(true)
      expect(sha256(c)).toBe(getComposeHash(JSON.parse(c)))
    }
  })
})

describe('custos attest compose-hash', () => {
  it('prints the compose hash and default app id of a canonical file', () => {
    const f = join(dir, 'canonical.json')
    writeFileSync(f, canonicalAppCompose(compose))
    const r = custos('attest', 'compose-hash', f, '--json')
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out).toEqual({
      compose_hash: getComposeHash(compose),
      app_id: getComposeHash(compose).slice(0, 40),
      canonical: true,
    })
  })

  it('warns when the file is not canonical and gives both hashes; --canonical prints the fix', () => {
    const f = join(dir, 'pretty.json')
    const pretty = `${JSON.stringify(compose, null, 2)}\n`
    writeFileSync(f, pretty)
    const r = custos('attest', 'compose-hash', f)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(`compose_hash ${sha256(pretty)}`)
    expect(r.stdout).toContain(`getComposeHash() gives ${getComposeHash(compose)}`)
    const fixed = custos('attest', 'compose-hash', f, '--canonical')
    expect(fixed.stdout).toBe(canonicalAppCompose(compose))
  })

  it('refuses a file that is not JSON with a clear error', () => {
    const f = join(dir, 'bad.json')
    writeFileSync(f, 'services: {}')
    const r = custos('attest', 'compose-hash', f)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/bad\.json is not JSON/)
  })
})
