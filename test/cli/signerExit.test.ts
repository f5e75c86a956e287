/** `custos signer exit` as a user runs it (a real child process), checked against an independent SSZ + blst. */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { PublicKey, Signature, verify } from '@chainsafe/blst'
import { genesisData, mainnetChainConfig } from '@lodestar/config/networks'
import { ssz } from '@lodestar/types'
import { afterAll, describe, expect, it } from 'vitest'
import { exitDomain, parseUint64Option } from '../../src/cli/signerExit.js'
import { KNOWN_NETWORKS } from '../../src/signer/index.js'
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
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true })
})

// EIP-2335 PBKDF2 test vector (ethereum/ERCs ERCS/erc-2335.md; staking-deposit-cli keystore_test_vectors/test0.json).

const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/^0x/, ''), 'hex'))

function inputs() {
  const dir = mkdtempSync(join(tmpdir(), 'custos-signer-exit-'))
  temps.push(dir)
  writeFileSync(join(dir, 'keystore.json'), JSON.stringify(KEYSTORE))
  writeFileSync(join(dir, 'password.txt'), `${PASSWORD}\n`)
  return { dir, keystore: join(dir, 'keystore.json'), passwordFile: join(dir, 'password.txt') }
}

/** compute_signing_root(VoluntaryExit, compute_domain(DOMAIN_VOLUNTARY_EXIT, forkVersion, gvr)), from Lodestar types. */
function exitSigningRoot(epoch: number, validatorIndex: number, forkVersion: Uint8Array, gvr: Uint8Array) {
  const fdr = ssz.phase0.ForkData.hashTreeRoot({ currentVersion: forkVersion, genesisValidatorsRoot: gvr })
  const domain = new Uint8Array([4, 0, 0, 0, ...fdr.subarray(0, 28)])
  const objectRoot = ssz.phase0.VoluntaryExit.hashTreeRoot({ epoch, validatorIndex })
  return ssz.phase0.SigningData.hashTreeRoot({ objectRoot, domain })
}
const verifies = (root: Uint8Array, sig: string) =>
  verify(root, PublicKey.fromBytes(bytes(PUBKEY), true), Signature.fromBytes(bytes(sig), true))

describe('custos signer exit', () => {
  it('mainnet: SignedVoluntaryExit JSON on stdout, signed under the Capella domain (EIP-7044)', () => {
    const i = inputs()
    const r = custos(
      'signer',
      'exit',
      '--keystore',
      i.keystore,
      '--password-file',
      i.passwordFile,
      '--validator-index',
      '123456',
      '--epoch',
      '300000',
      '--network',
      'mainnet',
    )
    expect(r.code).toBe(0)
    const signed = JSON.parse(r.stdout)
    expect(Object.keys(signed)).toEqual(['message', 'signature'])
    expect(signed.message).toEqual({ epoch: '300000', validator_index: '123456' })
    expect(signed.signature).toMatch(/^0x[0-9a-f]{192}$/)
    const gvr = bytes(genesisData.mainnet.genesisValidatorsRoot)
    const capella = mainnetChainConfig.CAPELLA_FORK_VERSION
    expect(verifies(exitSigningRoot(300000, 123456, capella, gvr), signed.signature)).toBe(true)
    // not under the current (Deneb+) fork version, nor another epoch/index
    expect(
      verifies(exitSigningRoot(300000, 123456, mainnetChainConfig.DENEB_FORK_VERSION, gvr), signed.signature),
    ).toBe(false)
    expect(verifies(exitSigningRoot(300001, 123456, capella, gvr), signed.signature)).toBe(false)
    expect(r.stderr).toContain('anyone holding it can exit the validator')
    expect(r.stdout + r.stderr).not.toContain(PASSWORD)
  })

  it('holesky with --out: writes the file, refuses to overwrite it', () => {
    const i = inputs()
    const out = join(i.dir, 'exit.json')
    const args = ['signer', 'exit', '--keystore', i.keystore, '--password-file', i.passwordFile]
    const r = custos(...args, '--validator-index', '7', '--epoch', '0', '--network', 'holesky', '--out', out)
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`wrote ${out}\n`)
    expect(statSync(out).mode & 0o077).toBe(0)
    const signed = JSON.parse(readFileSync(out, 'utf8'))
    expect(signed.message).toEqual({ epoch: '0', validator_index: '7' })
    // Holesky: Capella 0x04017000, genesis_validators_root from the chain (ethstaker-deposit-cli settings.py)
    const gvr = bytes('9143aa7c615a7f7115e2b6aac319c03529df8242ae705fba9df39b79c59fa8b1')
    expect(verifies(exitSigningRoot(0, 7, bytes('04017000'), gvr), signed.signature)).toBe(true)
    const again = custos(...args, '--validator-index', '7', '--epoch', '0', '--network', 'holesky', '--out', out)
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/already exists/)
  })

  it('custom networks need a Capella version and a genesis validators root; known roots must match', () => {
    const custom = { name: 'dev', genesisForkVersion: bytes('10000001') }
    expect(() => exitDomain(custom, `0x${'11'.repeat(32)}`)).toThrow(
      expect.objectContaining({ code: 'CLI_BAD_NETWORK_CONFIG' }),
    )
    const withCapella = { ...custom, capellaForkVersion: bytes('40000001') }
    expect(() => exitDomain(withCapella)).toThrow(expect.objectContaining({ code: 'CLI_BAD_OPTION' }))
    const gvr = bytes('11'.repeat(32))
    const fdr = ssz.phase0.ForkData.hashTreeRoot({ currentVersion: bytes('40000001'), genesisValidatorsRoot: gvr })
    expect(exitDomain(withCapella, `0x${'11'.repeat(32)}`)).toEqual(
      new Uint8Array([4, 0, 0, 0, ...fdr.subarray(0, 28)]),
    )
    expect(() => exitDomain(KNOWN_NETWORKS.mainnet, `0x${'11'.repeat(32)}`)).toThrow(
      expect.objectContaining({ code: 'CLI_BAD_OPTION' }),
    )
    expect(parseUint64Option('18446744073709551615', '--epoch')).toBe(2n ** 64n - 1n)
    for (const bad of ['18446744073709551616', '-1', '1e3', '', '0x10']) {
      expect(() => parseUint64Option(bad, '--epoch')).toThrow(expect.objectContaining({ code: 'CLI_BAD_OPTION' }))
    }
  })
})
