/** `custos signer deposit` as a user runs it (a real child process), checked against an independent SSZ + blst. */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { PublicKey, Signature, verify } from '@chainsafe/blst'
import { ssz } from '@lodestar/types'
import { afterAll, describe, expect, it } from 'vitest'
import { withdrawalCredentialsFromOptions } from '../../src/cli/signerDeposit.js'
import { loadNetworkConfigFile, resolveCliNetwork } from '../../src/cli/signerNetwork.js'
import {
  EIP2335_PBKDF2_KEYSTORE as KEYSTORE,
  EIP2335_PASSWORD as PASSWORD,
  EIP2335_PUBKEY as PUBKEY,
} from '../support/eip2335.js'

const ROOT = resolve(import.meta.dirname, '../..')
const BIN = resolve(ROOT, 'bin/custos.js')

// Until src/cli/main.ts registers the signer command, run it through an equivalent entry point (same error
// handling as main.ts). Once main.ts calls registerSignerCommand(program), the real bin/custos.js is used.
function custos(...args: string[]) {
  const argv = [BIN, ...args]
  const r = spawnSync(process.execPath, argv, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const temps: string[] = []
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'custos-signer-deposit-'))
  temps.push(d)
  return d
}
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true })
})

// EIP-2335 PBKDF2 test vector (ethereum/ERCs ERCS/erc-2335.md; staking-deposit-cli keystore_test_vectors/test0.json).
const ADDRESS = '0x00000000219ab540356cBB839Cbe05303d7705Fa'
const FIELDS = [
  'pubkey',
  'withdrawal_credentials',
  'amount',
  'signature',
  'deposit_message_root',
  'deposit_data_root',
  'fork_version',
  'network_name',
  'deposit_cli_version',
]

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/^0x/, ''), 'hex'))

/** Inputs: a folder with the vector keystore and its password file (with the trailing newline `echo` adds). */
function inputs(password = PASSWORD) {
  const dir = tempDir()
  writeFileSync(join(dir, 'keystore.json'), JSON.stringify(KEYSTORE))
  writeFileSync(join(dir, 'password.txt'), `${password}\n`)
  return { dir, keystore: join(dir, 'keystore.json'), passwordFile: join(dir, 'password.txt'), out: join(dir, 'out') }
}

/** compute_domain(DOMAIN_DEPOSIT, fork_version, ZERO) → signing root, roots and signature, all recomputed here. */
function expectValidDeposit(d: Record<string, unknown>, forkVersion: string) {
  const message = {
    pubkey: bytes(d.pubkey as string),
    withdrawalCredentials: bytes(d.withdrawal_credentials as string),
    amount: d.amount as number,
  }
  const forkDataRoot = ssz.phase0.ForkData.hashTreeRoot({
    currentVersion: bytes(forkVersion),
    genesisValidatorsRoot: new Uint8Array(32),
  })
  const domain = new Uint8Array([3, 0, 0, 0, ...forkDataRoot.subarray(0, 28)])
  const messageRoot = ssz.phase0.DepositMessage.hashTreeRoot(message)
  const signingRoot = ssz.phase0.SigningData.hashTreeRoot({ objectRoot: messageRoot, domain })
  const signature = bytes(d.signature as string)
  expect(d.deposit_message_root).toBe(hex(messageRoot))
  expect(d.deposit_data_root).toBe(hex(ssz.phase0.DepositData.hashTreeRoot({ ...message, signature })))
  expect(verify(signingRoot, PublicKey.fromBytes(message.pubkey, true), Signature.fromBytes(signature, true))).toBe(
    true,
  )
  return { signingRoot, signature, message }
}

function readDepositFile(out: string) {
  const names = readdirSync(out)
  expect(names).toHaveLength(1)
  expect(names[0]).toMatch(/^deposit_data-\d{10}\.json$/)
  const file = join(out, names[0] as string)
  const text = readFileSync(file, 'utf8')
  return { file, text, data: JSON.parse(text) as Record<string, unknown>[] }
}

describe('custos signer deposit', () => {
  it('mainnet: writes deposit_data-<ts>.json in the official format, independently verifiable', () => {
    const i = inputs()
    const r = custos(
      'signer',
      'deposit',
      '--keystore',
      i.keystore,
      '--password-file',
      i.passwordFile,
      '--network',
      'mainnet',
      '--withdrawal-address',
      ADDRESS,
      '--out',
      i.out,
    )
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const { file, text, data } = readDepositFile(i.out)
    // Python json.dump separators, one-line list, integer amount, hex without 0x
    expect(text.startsWith(`[{"pubkey": "${PUBKEY}", "withdrawal_credentials": "01${'00'.repeat(11)}`)).toBe(true)
    expect(text.endsWith('"network_name": "mainnet", "deposit_cli_version": "2.8.0"}]')).toBe(true)
    expect(data).toHaveLength(1)
    const d = data[0] as Record<string, unknown>
    expect(Object.keys(d)).toEqual(FIELDS)
    expect(d).toMatchObject({
      pubkey: PUBKEY,
      withdrawal_credentials: `01${'00'.repeat(11)}${ADDRESS.slice(2).toLowerCase()}`,
      amount: 32_000_000_000,
      fork_version: '00000000',
      network_name: 'mainnet',
    })
    expectValidDeposit(d, '00000000')
    expect(r.stdout).toContain('network: mainnet (genesis fork version 0x00000000)')
    expect(r.stdout).toContain(`  0x${PUBKEY}\n`)
    expect(r.stdout).toContain(`wrote ${file}\n`)
    expect(r.stdout + r.stderr).not.toContain(PASSWORD)
  })

  it('custom network from a TOML config (ephemery-like): its genesis fork version signs the deposit', () => {
    const i = inputs()
    const config = join(i.dir, 'ephemery.toml')
    writeFileSync(
      config,
      'name = "ephemery"\ngenesis_fork_version = "0x1000101b"\ncapella_fork_version = "0x4000101b"\n' +
        `genesis_validators_root = "0x${'ab'.repeat(32)}"\n`,
    )
    const r = custos(
      'signer',
      'deposit',
      '--keystore',
      i.keystore,
      '--password-file',
      i.passwordFile,
      '--network',
      'custom',
      '--network-config',
      config,
      '--withdrawal-address',
      ADDRESS,
      '--amount-gwei',
      '1000000000',
      '--out',
      i.out,
    )
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const d = readDepositFile(i.out).data[0] as Record<string, unknown>
    expect(d).toMatchObject({ fork_version: '1000101b', network_name: 'ephemery', amount: 1_000_000_000 })
    const { signature, message } = expectValidDeposit(d, '1000101b')
    // the genesis fork version matters: the same signature is not valid under mainnet's deposit domain
    const mainnetDomain = new Uint8Array([
      3,
      0,
      0,
      0,
      ...ssz.phase0.ForkData.hashTreeRoot({
        currentVersion: new Uint8Array(4),
        genesisValidatorsRoot: new Uint8Array(32),
      }).subarray(0, 28),
    ])
    const mainnetRoot = ssz.phase0.SigningData.hashTreeRoot({
      objectRoot: ssz.phase0.DepositMessage.hashTreeRoot(message),
      domain: mainnetDomain,
    })
    expect(verify(mainnetRoot, PublicKey.fromBytes(message.pubkey), Signature.fromBytes(signature))).toBe(false)
  })

  it('wrong password → exit 1, a clear message, no file written', () => {
    const i = inputs('not the password')
    const r = custos(
      'signer',
      'deposit',
      '--keystore',
      i.keystore,
      '--password-file',
      i.passwordFile,
      '--network',
      'hoodi',
      '--withdrawal-address',
      ADDRESS,
      '--out',
      i.out,
    )
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(
      `error: wrong password for keystore ${i.keystore}: check --password-file (one trailing newline is ignored)\n`,
    )
    expect(r.stdout).toBe('')
    expect(() => statSync(i.out)).toThrow()
  })

  it('unknown network → a clear error naming the choices', () => {
    const i = inputs()
    const r = custos(
      'signer',
      'deposit',
      '--keystore',
      i.keystore,
      '--password-file',
      i.passwordFile,
      '--network',
      'goerli',
      '--withdrawal-address',
      ADDRESS,
      '--out',
      i.out,
    )
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^error: unknown network "goerli": use mainnet, hoodi, holesky, sepolia, or custom/)
    expect(() => statSync(i.out)).toThrow()
  })

  it('--count generates keys only with --dev (then writes keystores that decrypt to the deposited keys)', async () => {
    const i = inputs('dev password')
    const base = ['signer', 'deposit', '--password-file', i.passwordFile, '--network', 'sepolia', '--out', i.out]
    const wpk = `0x${PUBKEY}`
    const refused = custos(...base, '--count', '1', '--withdrawal-pubkey', wpk)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/^error: --count needs --dev/)
    const r = custos(...base, '--dev', '--count', '1', '--withdrawal-pubkey', wpk)
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/OUTSIDE a TEE \(INSECURE/)
    const names = readdirSync(i.out).sort()
    expect(names).toHaveLength(2)
    expect(names[1]).toMatch(/^keystore-m_12381_3600_0_0_0-\d{10}\.json$/)
    const d = depositEntryOf(i.out, names[0] as string)
    expect(d).toMatchObject({ fork_version: '90000069', network_name: 'sepolia' })
    // 0x00 credentials: 0x00 ‖ sha256(withdrawal pubkey)[1:]
    const { createHash } = await import('node:crypto')
    expect(d.withdrawal_credentials).toBe(`00${createHash('sha256').update(bytes(PUBKEY)).digest('hex').slice(2)}`)
    expectValidDeposit(d, '90000069')
    const { decryptKeystore } = await import('../../src/signer/index.js')
    const ks = await decryptKeystore(readFileSync(join(i.out, names[1] as string), 'utf8'), 'dev password')
    expect(hex(ks.publicKey)).toBe(d.pubkey)
  })

  it('option checks: withdrawal choice, custom config fields, built-in names', () => {
    expect(() => withdrawalCredentialsFromOptions({})).toThrow(expect.objectContaining({ code: 'CLI_BAD_OPTION' }))
    expect(() => withdrawalCredentialsFromOptions({ withdrawalPubkey: `0x${PUBKEY}`, compounding: true })).toThrow(
      expect.objectContaining({ code: 'CLI_BAD_OPTION' }),
    )
    expect(withdrawalCredentialsFromOptions({ withdrawalAddress: ADDRESS, compounding: true })[0]).toBe(0x02)
    expect(() => resolveCliNetwork('custom', undefined)).toThrow(expect.objectContaining({ code: 'CLI_BAD_OPTION' }))
    expect(() => resolveCliNetwork('mainnet', 'x.toml')).toThrow(expect.objectContaining({ code: 'CLI_BAD_OPTION' }))
    const dir = tempDir()
    const bad = (name: string, body: string) => {
      writeFileSync(join(dir, name), body)
      expect(() => loadNetworkConfigFile(join(dir, name))).toThrow(
        expect.objectContaining({ code: 'CLI_BAD_NETWORK_CONFIG' }),
      )
    }
    bad('a.json', '{"name": "mainnet", "genesis_fork_version": "0x00000000"}') // built-in name
    bad('b.json', '{"name": "dev", "genesis_fork_version": "0x000000"}') // 3 bytes
    bad('c.json', '{"name": "dev", "genesis_fork_version": "0x00000001", "genesis_fork_versoin": "x"}') // typo
    bad('d.toml', 'name = "dev"\ngenesis_fork_version = ') // not TOML
    writeFileSync(join(dir, 'ok.json'), '{"name": "dev", "genesis_fork_version": "10000001"}')
    expect(loadNetworkConfigFile(join(dir, 'ok.json'))).toEqual({
      name: 'dev',
      genesisForkVersion: bytes('10000001'),
    })
  })
})

function depositEntryOf(out: string, name: string): Record<string, unknown> {
  expect(name).toMatch(/^deposit_data-\d{10}\.json$/)
  return (JSON.parse(readFileSync(join(out, name), 'utf8')) as Record<string, unknown>[])[0] as Record<string, unknown>
}
