/**
 * Keymanager API, key attestations and restarts on loopback: real HTTP, real sealed store, simulated TEE.
 * Uses the EIP-2335 pbkdf2 test keystore (ethereum/ERCs ERCS/erc-2335.md "Test Cases").
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ssz } from '@lodestar/types'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeVersionedAttestation } from '../../src/attestation/index.js'
import { toHex } from '../../src/crypto/index.js'
import { blsKeyReportData, verifyKeyAttestation } from '../../src/signer/index.js'
import {
  EIP2335_PASSWORD as PASSWORD,
  EIP2335_PBKDF2_KEYSTORE as PBKDF2_VECTOR,
  EIP2335_PUBKEY as PUBKEY,
} from '../support/eip2335.js'
import { rawRequest } from '../support/http.js'
import {
  fastKeystore,
  type RunningSigner,
  type SimulatedEnv,
  simulatedEnv,
  startSigner,
  TOKEN,
} from './signerHarness.js'

const PK = `0x${PUBKEY}`
const MAINNET_GVR = '0x4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95'
const FORK_INFO = {
  fork: { previous_version: '0x04000000', current_version: '0x05000000', epoch: '364032' },
  genesis_validators_root: MAINNET_GVR,
}
const OTHER_SECRET = '3b6a27bccebfb4c2ef2d1b3e9a4e2d6b0c9f1e8d7c6b5a4938271605f4e3d2c1'

let env: SimulatedEnv
let dir: string
let s: RunningSigner

const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }
const km = (method: string, body?: unknown, headers: Record<string, string> = auth) => {
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
  // Node's client sends a DELETE body without framing unless content-length is set.
  const length: Record<string, string> = text === undefined ? {} : { 'content-length': String(Buffer.byteLength(text)) }
  return rawRequest(`${s.kmUrl}/eth/v1/keystores`, {
    method,
    headers: { ...headers, ...length },
    ...(text !== undefined ? { body: text } : {}),
  })
}
const storedSecrets = () => s.store.secrets.names('signer/bls/')

function interchange(pubkey: string, blocks: string[], atts: Array<[string, string]>, gvr = MAINNET_GVR): string {
  return JSON.stringify({
    metadata: { interchange_format_version: '5', genesis_validators_root: gvr },
    data: [
      {
        pubkey,
        signed_blocks: blocks.map((slot) => ({ slot })),
        signed_attestations: atts.map(([source_epoch, target_epoch]) => ({ source_epoch, target_epoch })),
      },
    ],
  })
}

function block(slot: number, proposer: number) {
  const h = ssz.phase0.BeaconBlockHeader.defaultValue()
  h.slot = slot
  h.proposerIndex = proposer
  return {
    type: 'BLOCK_V2',
    fork_info: FORK_INFO,
    beacon_block: { version: 'ELECTRA', block_header: ssz.phase0.BeaconBlockHeader.toJson(h) },
  }
}
const sign = (pubkey: string, body: unknown) =>
  rawRequest(`${s.url}/api/v1/eth2/sign/${pubkey}`, {
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', accept: 'application/json' },
  })

beforeAll(async () => {
  env = await simulatedEnv()
  dir = mkdtempSync(join(tmpdir(), 'custos-signer-km-'))
  s = await startSigner(env, dir)
})

afterAll(async () => {
  await s?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('keymanager API', () => {
  it('401 without a token, 403 with a wrong one', async () => {
    const none = await km('GET', undefined, {})
    expect(none.status).toBe(401)
    expect(none.headers['www-authenticate']).toBe('Bearer')
    expect((await km('GET', undefined, { authorization: 'Bearer wrong-token-wrong-token' })).status).toBe(403)
    expect((await km('GET', undefined, { authorization: `Basic ${TOKEN}` })).status).toBe(401)
    expect(await km('GET')).toMatchObject({ status: 200 })
  })

  it('a wrong password, a malformed keystore and a bad request store nothing', async () => {
    const res = await km('POST', {
      keystores: [JSON.stringify(PBKDF2_VECTOR), '{"crypto":', JSON.stringify({ ...PBKDF2_VECTOR, version: 3 })],
      passwords: ['not the password', PASSWORD, PASSWORD],
      slashing_protection: interchange(PK, ['5'], []),
    })
    expect(res.status).toBe(200)
    const data = (res.json() as { data: Array<{ status: string; message?: string }> }).data
    expect(data.map((d) => d.status)).toEqual(['error', 'error', 'error'])
    expect(data[0]?.message).toMatch(/password/)
    expect(res.text).not.toContain('not the password')
    expect(storedSecrets()).toEqual([])
    expect(s.service.publicKeys()).toEqual([])
    expect(s.store.db.prepare('SELECT count(*) AS n FROM slashing_validators').get()).toEqual({ n: 0 })
    // whole-request 400s
    expect((await km('POST', { keystores: ['{}'], passwords: [] })).status).toBe(400)
    expect((await km('POST', '{"keystores":')).status).toBe(400)
    const otherNet = interchange(PK, ['1'], [], `0x${'11'.repeat(32)}`)
    const good = await fastKeystore(OTHER_SECRET)
    expect((await km('POST', { keystores: [good], passwords: ['pw'], slashing_protection: otherNet })).status).toBe(400)
    expect((await km('POST', { keystores: [good], passwords: ['pw'], slashing_protection: '{' })).status).toBe(400)
    expect(storedSecrets()).toEqual([])
  })

  it('imports the EIP-2335 pbkdf2 keystore with its slashing history; a second import is a duplicate', async () => {
    const res = await km('POST', {
      keystores: [JSON.stringify(PBKDF2_VECTOR)],
      passwords: [PASSWORD],
      slashing_protection: interchange(PK, ['1000'], [['10', '20']]),
    })
    expect(res.json()).toEqual({ data: [{ status: 'imported' }] })
    expect(storedSecrets()).toEqual([`signer/bls/${PUBKEY}`])
    expect((await km('GET')).json()).toEqual({
      data: [{ validating_pubkey: PK, derivation_path: 'm/12381/60/0/0', readonly: false }],
    })
    const dup = await km('POST', {
      keystores: [await fastKeystore(OTHER_SECRET), await fastKeystore(OTHER_SECRET)],
      passwords: ['pw', 'pw'],
    })
    expect((dup.json() as { data: Array<{ status: string }> }).data.map((d) => d.status)).toEqual([
      'imported',
      'duplicate',
    ])
    // the imported history is enforced
    expect((await sign(PK, block(1000, 1))).status).toBe(412)
    expect((await sign(PK, block(999, 1))).status).toBe(412) // below the imported low watermark
    expect((await sign(PK, block(1001, 1))).status).toBe(200)
  }, 20_000)

  it('each key has an attestation that verifies and binds its public key', async () => {
    const res = await rawRequest(`${s.url}/api/v1/eth2/attestation/${PK}`, { method: 'GET' })
    expect(res.status).toBe(200)
    const body = res.json() as { pubkey: string; report_data: string; attestation: string; simulated: boolean }
    expect(body.pubkey).toBe(PK)
    expect(body.report_data).toBe(`0x${toHex(blsKeyReportData(Buffer.from(PUBKEY, 'hex')))}`)
    expect(body.simulated).toBe(true)
    const id = await verifyKeyAttestation(body, env.verifier, Math.floor(Date.now() / 1000))
    expect(toHex(id.reportData)).toBe(body.report_data.slice(2))
    const other = s.service.publicKeys().find((k) => k !== PK) as string
    await expect(
      verifyKeyAttestation({ ...body, pubkey: other }, env.verifier, Date.now() / 1000),
    ).rejects.toMatchObject({ code: 'SIGNER_BAD_REQUEST' })
    expect((await rawRequest(`${s.url}/api/v1/eth2/attestation/0x${'cd'.repeat(48)}`, { method: 'GET' })).status).toBe(
      404,
    )
  })

  it('generates a key inside the TEE with an attestation', async () => {
    const res = await rawRequest(`${s.kmUrl}/custos/v1/signer/keys`, { method: 'POST', headers: auth })
    expect(res.status).toBe(201)
    const { data } = res.json() as { data: { validating_pubkey: string; derivation_path: string; attestation: string } }
    expect(data.derivation_path).toBe('m/12381/3600/0/0/0')
    const att = decodeVersionedAttestation(Buffer.from(data.attestation.slice(2), 'hex'))
    expect(toHex(att.reportData)).toBe(toHex(blsKeyReportData(Buffer.from(data.validating_pubkey.slice(2), 'hex'))))
    await verifyKeyAttestation(
      { pubkey: data.validating_pubkey, attestation: data.attestation },
      env.verifier,
      Date.now() / 1000,
    )
    expect(s.service.publicKeys()).toContain(data.validating_pubkey)
  })

  it('a restarted service serves the same keys and attestations', async () => {
    const before = s.service.publicKeys().map((k) => s.service.keyAttestation(k))
    await s.close()
    s = await startSigner(env, dir)
    expect(s.service.publicKeys()).toEqual(before.map((a) => a.pubkey))
    for (const a of before) {
      expect(s.service.keyAttestation(a.pubkey)).toEqual(a)
      await verifyKeyAttestation(a, env.verifier, Date.now() / 1000)
    }
    expect((await sign(PK, block(1001, 2))).status).toBe(412)
  })

  it('delete disables the key and returns its interchange; then not_active / not_found', async () => {
    const res = await km('DELETE', { pubkeys: [PK, `0x${'ab'.repeat(48)}`] })
    expect(res.status).toBe(200)
    const body = res.json() as { data: Array<{ status: string }>; slashing_protection: string }
    expect(body.data.map((d) => d.status)).toEqual(['deleted', 'not_found'])
    const ic = JSON.parse(body.slashing_protection)
    expect(ic.metadata).toEqual({ interchange_format_version: '5', genesis_validators_root: MAINNET_GVR })
    expect(ic.data).toHaveLength(1)
    expect(ic.data[0].pubkey).toBe(PK)
    expect(ic.data[0].signed_blocks.map((b: { slot: string }) => b.slot).sort()).toEqual(['1000', '1001'])
    expect(ic.data[0].signed_attestations).toEqual([{ source_epoch: '10', target_epoch: '20' }])
    expect(storedSecrets()).not.toContain(`signer/bls/${PUBKEY}`)
    expect((await sign(PK, block(2000, 1))).status).toBe(404)
    const again = await km('DELETE', { pubkeys: [PK] })
    expect((again.json() as { data: Array<{ status: string }> }).data).toEqual([{ status: 'not_active' }])
    expect(JSON.parse((again.json() as { slashing_protection: string }).slashing_protection).data).toHaveLength(1)
    expect((await km('DELETE', { pubkeys: ['0x12'] })).status).toBe(400)
    // re-import with the exported history: the old block is still refused
    const re = await km('POST', {
      keystores: [JSON.stringify(PBKDF2_VECTOR)],
      passwords: [PASSWORD],
      slashing_protection: body.slashing_protection,
    })
    expect(re.json()).toEqual({ data: [{ status: 'imported' }] })
    expect((await sign(PK, block(1001, 3))).status).toBe(412)
  }, 20_000)
})
