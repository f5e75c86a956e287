/** `custos mpc derive`: offline chain-signature derivation (near-mpc.md §3.4 vector A, testnet roots). */
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { registerMpcCommand } from '../../src/cli/mpcCommand.js'
import { runCommand } from '../support/cliIo.js'

const SECP_ROOT = 'secp256k1:4NfTiv3UsGahebgTaHyD9vF8KYKMBnfd6kh94mK6xv8fGBiJB8TBtFMP5WWXz6B89Ac1fbpzPwAvoyQebemHFwx3'
const ED_ROOT = 'ed25519:6vSEtQxrQj6txUMh33WC4ERyCWmNMRTdufDWAaDY3Un2'
const A = ['--predecessor', 'alice.testnet', '--path', 'ethereum-1']

const custos = (...args: string[]) => runCommand(registerMpcCommand, args, -1)

describe('custos mpc derive', () => {
  it('secp256k1 root → uncompressed/compressed key, NEAR key, EVM and P2WPKH addresses (--json)', async () => {
    const r = await custos('mpc', 'derive', '--root', SECP_ROOT, ...A, '--json')
    expect(r).toMatchObject({ code: 0, stderr: '' })
    expect(JSON.parse(r.stdout)).toEqual({
      scheme: 'Secp256k1Frost',
      root: SECP_ROOT,
      predecessor: 'alice.testnet',
      path: 'ethereum-1',
      tweak: '482da62ee42db2d6083294265c1f027684ce13938c2ed712f78d2e4640008fe3',
      public_key_uncompressed:
        '0486aeb50e6a31de18d2dcd8e3c6c4d8402e4fcba75003be32f1279665d3263ca432cb8c70b224bd80057855de16b01ec0ea24652f9b960ae9ff436c05c060a2af',
      public_key_compressed: '0386aeb50e6a31de18d2dcd8e3c6c4d8402e4fcba75003be32f1279665d3263ca4',
      near_public_key: expect.stringMatching(/^secp256k1:/),
      evm_address: '0xfe306917CD4Ee89a2AE69514f167222aCe0eAa7D',
      bitcoin_p2wpkh: {
        mainnet: 'bc1qkvssj4hmaqrhcraa358qdxqmmrvgnmycacwrwz',
        testnet: 'tb1qkvssj4hmaqrhcraa358qdxqmmrvgnmych74s43',
      },
    })
  })

  it('ed25519 root → key, NEAR key and Solana address (text)', async () => {
    const r = await custos('mpc', 'derive', '--root', ED_ROOT, ...A)
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^scheme: +Ed25519$/m)
    expect(r.stdout).toMatch(/^public key: +2a8b69a99b4178955b8a04571755673f1ca946b22c3026c281f52a3422e03c5d$/m)
    expect(r.stdout).toMatch(/^NEAR public key: +ed25519:3s5RQ3duVbgRdq5SDttkLswEWycoevE8Lfb3T8yuaDoS$/m)
    expect(r.stdout).toMatch(/^Solana address: +3s5RQ3duVbgRdq5SDttkLswEWycoevE8Lfb3T8yuaDoS$/m)
  })

  it('hex roots, an empty path, and --scheme Bip340 (x-only key, P2TR)', async () => {
    const sec = JSON.parse((await custos('mpc', 'derive', '--root', SECP_ROOT, ...A, '--json')).stdout)
    const byHex = JSON.parse(
      (
        await custos(
          'mpc',
          'derive',
          '--root',
          `0x${sec.public_key_compressed}`,
          '--predecessor',
          'x.near',
          '--path',
          '',
          '--json',
        )
      ).stdout,
    )
    expect(byHex).toMatchObject({ scheme: 'Secp256k1Frost', path: '' })
    const bip = await custos('mpc', 'derive', '--root', SECP_ROOT, ...A, '--scheme', 'bip340', '--json')
    expect(bip.code).toBe(0)
    expect(JSON.parse(bip.stdout)).toMatchObject({
      scheme: 'Bip340',
      public_key_x_only: expect.stringMatching(/^[0-9a-f]{64}$/),
      bitcoin_p2tr: { mainnet: expect.stringMatching(/^bc1p/), testnet: expect.stringMatching(/^tb1p/) },
    })
  })

  it('refuses a bad root, a scheme that does not fit the key, and an unknown scheme (exit 1, no stack)', async () => {
    for (const args of [
      ['--root', 'secp256k1:abc'],
      ['--root', 'not-a-key'],
      ['--root', ED_ROOT, '--scheme', 'Secp256k1Frost'],
      ['--root', ED_ROOT, '--scheme', 'rsa'],
    ]) {
      const r = await custos('mpc', 'derive', ...args, ...A)
      expect(r.code, args.join(' ')).toBe(1)
      expect(r.stdout).toBe('')
      expect(r.stderr).toMatch(/^error: [^\n]+\n$/)
    }
  })

  it('runs as `custos mpc derive` from the real binary', () => {
    const bin = resolve(import.meta.dirname, '../../bin/custos.js')
    const r = spawnSync(process.execPath, [bin, 'mpc', 'derive', '--root', ED_ROOT, ...A, '--json'], {
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(r.status).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({
      near_public_key: 'ed25519:3s5RQ3duVbgRdq5SDttkLswEWycoevE8Lfb3T8yuaDoS',
    })
  })
})
