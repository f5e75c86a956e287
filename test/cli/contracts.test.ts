/** `custos contracts …` as a user runs it (child processes) against a real local EVM served on loopback HTTP. */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Command } from 'commander'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { registerContractsCommand } from '../../src/cli/contracts/command.js'
import {
  DEV_PRIVATE_KEYS,
  type LocalEvm,
  type LocalEvmHttp,
  serveLocalEvmHttp,
  startLocalEvm,
} from '../../src/devchain/index.js'
import { CustosError } from '../../src/errors.js'

const ROOT = resolve(import.meta.dirname, '../..')
const BIN = resolve(ROOT, 'bin/custos.js')
interface Run {
  code: number | null
  stdout: string
  stderr: string
}
function custos(...args: string[]): Promise<Run> {
  const argv = [BIN, ...args]
  return new Promise((res) => {
    execFile(process.execPath, argv, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
  })
}
/**
 * The same command in this process (a fresh commander program, stdout/stderr captured, errors printed the way
 * main.ts prints them): most steps use it, since each child process pays ~2 s of TypeScript + viem start-up.
 */
async function inProcess(...args: string[]): Promise<Run> {
  const program = new Command().name('custos').exitOverride().enablePositionalOptions()
  registerContractsCommand(program)
  let stdout = ''
  let stderr = ''
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
    stdout += String(c)
    return true
  })
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
    stderr += String(c)
    return true
  })
  try {
    await program.parseAsync(args, { from: 'user' })
    return { code: 0, stdout, stderr }
  } catch (err) {
    stderr += `error: ${err instanceof CustosError ? err.shortMessage : (err as Error).message}\n`
    return { code: 1, stdout, stderr }
  } finally {
    o.mockRestore()
    e.mockRestore()
  }
}
const json = (r: Run) => {
  expect(r.stderr, r.stderr).toBe('')
  expect(r.code).toBe(0)
  return JSON.parse(r.stdout) as Record<string, unknown>
}

const H = (b: string) => `0x${b.repeat(32)}`
const IMAGE = H('c1')
const COMPOSE = H('c2')
const COMPOSE2 = H('c3')

describe('custos contracts', () => {
  let evm: LocalEvm
  let http: LocalEvmHttp
  let dir: string
  let dep: string
  const acct = (i: number) => evm.accounts[i]!.address
  const D = () => ['--deployment', dep]

  beforeAll(async () => {
    evm = await startLocalEvm()
    http = await serveLocalEvmHttp(evm)
    dir = mkdtempSync(join(tmpdir(), 'custos-contracts-'))
    dep = join(dir, 'deployment.json')
    writeFileSync(
      join(dir, 'members.json'),
      JSON.stringify(
        [0, 1, 2].map((i) => ({ account: acct(i), signingPubkey: `0x02${'0'.repeat(62)}${i}0`, url: `https://n${i}` })),
      ),
    )
    writeFileSync(join(dir, 'owner.key'), `${DEV_PRIVATE_KEYS[0]}\n`)
  })
  afterAll(async () => {
    await http?.close()
    await evm?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('deploy → create-app → add-image / compose hashes → show --json reflects it', async () => {
    const d = json(
      await inProcess(
        'contracts',
        'deploy',
        '--rpc',
        http.url,
        '--private-key-file',
        join(dir, 'owner.key'),
        '--committee-members',
        join(dir, 'members.json'),
        '--threshold',
        '2',
        '--out',
        dep,
        '--json',
      ),
    )
    expect(d).toMatchObject({ chainId: 31337, rpcUrl: http.url, deployer: acct(0), kmsOwner: acct(0) })
    expect(JSON.parse(readFileSync(dep, 'utf8')).kms).toBe(d.kms)
    expect(await evm.publicClient.getCode({ address: d.kms as `0x${string}` })).toMatch(/^0x[0-9a-f]{100,}/)

    const app = json(
      await inProcess(
        'contracts',
        'create-app',
        ...D(),
        '--dev-account',
        '0',
        '--compose-hash',
        COMPOSE,
        '--allow-any-device',
        '--json',
      ),
    )
    expect(app.appId).toMatch(/^0x[0-9a-fA-F]{40}$/)
    expect(app.txHash).toMatch(/^0x[0-9a-f]{64}$/)
    expect(app.blockNumber).toBeGreaterThan(0)
    const appId = app.appId as string

    // human output: tx hash + block
    const img = await custos('contracts', 'add-image', ...D(), '--dev-account', '0', IMAGE.slice(2))
    expect(img.code, img.stderr).toBe(0)
    expect(img.stdout).toMatch(/addOsImageHash\(0xc1c1.*\): tx 0x[0-9a-f]{64} in block \d+/)
    const c2 = await inProcess('contracts', 'add-compose-hash', ...D(), '--dev-account', '0', '--app', appId, COMPOSE2)
    const mr = await inProcess('contracts', 'add-kms-mr', ...D(), '--dev-account', '0', H('d1'), '--json')
    expect(JSON.parse(mr.stdout)).toMatchObject({ from: acct(0), txHash: expect.stringMatching(/^0x[0-9a-f]{64}$/) })
    expect(c2.code, c2.stderr).toBe(0)
    expect(mr.code, mr.stderr).toBe(0)

    let s = json(await inProcess('contracts', 'show', ...D(), '--json')) as { kms: Record<string, unknown> }
    expect(s.kms.osImages).toEqual([IMAGE])
    expect(s.kms.kmsAggregatedMrs).toEqual([H('d1')])
    expect(s.kms.apps).toEqual([
      {
        appId,
        owner: acct(0),
        allowAnyDevice: true,
        requireTcbUpToDate: false,
        composeHashes: [COMPOSE, COMPOSE2],
        devices: [],
      },
    ])

    const rm = await inProcess(
      'contracts',
      'remove-compose-hash',
      ...D(),
      '--dev-account',
      '0',
      '--app',
      appId,
      COMPOSE,
    )
    expect(rm.code, rm.stderr).toBe(0)
    s = json(await inProcess('contracts', 'show', ...D(), '--json')) as { kms: Record<string, unknown> }
    expect((s.kms.apps as Array<{ composeHashes: string[] }>)[0]!.composeHashes).toEqual([COMPOSE2])

    const text = await inProcess('contracts', 'show', ...D())
    expect(text.code).toBe(0)
    expect(text.stdout).toContain(`CustosKms ${d.kms}`)
    expect(text.stdout).toContain(`app ${appId}`)
  })

  it('refuses before sending: wrong --chain-id, bad hex, bad address, no signer; a non-owner write → decoded revert', async () => {
    const before = await evm.publicClient.getBlockNumber()
    const kms = JSON.parse(readFileSync(dep, 'utf8')).kms as string
    const [wrongChain, badHex, nonOwner] = await Promise.all([
      custos('contracts', 'add-image', '--rpc', http.url, '--kms', kms, '--chain-id', '5', '--dev-account', '0', IMAGE),
      custos('contracts', 'add-image', ...D(), '--dev-account', '0', '0x1234'),
      custos('contracts', 'add-image', ...D(), '--dev-account', '3', H('ee')),
    ])
    expect(wrongChain.code).toBe(1)
    expect(wrongChain.stderr).toMatch(/is chain 31337, the configuration expects chain 5/)
    expect(badHex.code).toBe(1)
    expect(badHex.stderr).toMatch(/not a 32-byte hash/)
    expect(nonOwner.code).toBe(1)
    expect(nonOwner.stderr).toContain(`reverted: NotOwner(${acct(3)})`)
    expect(nonOwner.stderr).toContain('only the contract owner')

    const badAddr = await inProcess(
      'contracts',
      'add-compose-hash',
      ...D(),
      '--dev-account',
      '0',
      '--app',
      '0xnotanaddress',
      COMPOSE,
    )
    expect(badAddr.code).toBe(1)
    expect(badAddr.stderr).toMatch(/--app "0xnotanaddress" is not an address/)
    const noSigner = await inProcess('contracts', 'add-image', ...D(), IMAGE)
    expect(noSigner.code).toBe(1)
    expect(noSigner.stderr).toMatch(/--private-key-file/)
    expect(await evm.publicClient.getBlockNumber()).toBe(before)
  })

  it('refuses the public dev keys on a chain other than 31337 unless --yes-i-know', async () => {
    const other = await startLocalEvm({ chainId: 7777 })
    const otherHttp = await serveLocalEvmHttp(other)
    try {
      const base = ['--rpc', otherHttp.url, '--chain-id', '7777', '--json']
      const d = await inProcess('contracts', 'deploy', ...base, '--dev-account', '0')
      expect(d.code).toBe(1)
      expect(d.stderr).toMatch(/refusing to sign with a public dev key on chain 7777/)
      const f = await inProcess('contracts', 'deploy', ...base, '--private-key-file', join(dir, 'owner.key'))
      expect(f.stderr).toMatch(/refusing to sign with a public dev key/)
      expect(await other.publicClient.getBlockNumber()).toBe(0n)
      const ok = json(await inProcess('contracts', 'deploy', ...base, '--dev-account', '0', '--yes-i-know'))
      expect(ok.chainId).toBe(7777)
    } finally {
      await otherHttp.close()
      await other.close()
    }
  })

  it('committee: propose + votes reach the threshold, all reshare → the epoch advances in show', async () => {
    const members = join(dir, 'members.json')
    const p = json(
      await inProcess(
        'contracts',
        'committee',
        'propose',
        ...D(),
        '--dev-account',
        '0',
        '--participants',
        members,
        '--threshold',
        '2',
        '--json',
      ),
    )
    expect(p.state).toBe('Running')
    let s = json(await inProcess('contracts', 'show', ...D(), '--json')) as { committee: Record<string, unknown> }
    expect(s.committee.pendingProposals).toEqual([{ prospectiveEpochId: 1, proposalHash: p.proposalHash, votes: 1 }])

    const wrong = await inProcess(
      'contracts',
      'committee',
      'vote',
      ...D(),
      '--dev-account',
      '1',
      '--participants',
      members,
      '--threshold',
      '3',
      '--proposal',
      p.proposalHash as string,
    )
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toMatch(/not the proposal/)
    const v = json(
      await inProcess(
        'contracts',
        'committee',
        'vote',
        ...D(),
        '--dev-account',
        '1',
        '--participants',
        members,
        '--threshold',
        '2',
        '--proposal',
        p.proposalHash as string,
        '--json',
      ),
    )
    expect(v.state).toBe('Resharing')
    for (const i of [0, 1, 2]) {
      const r = await inProcess('contracts', 'committee', 'reshared', ...D(), '--dev-account', String(i), '--json')
      expect(r.code, r.stderr).toBe(0)
    }
    s = json(await inProcess('contracts', 'show', ...D(), '--json')) as { committee: Record<string, unknown> }
    expect(s.committee).toMatchObject({
      state: 'Running',
      epochId: 1,
      nextEpochId: 2,
      threshold: 2,
      pendingProposals: [],
    })
    expect((s.committee.participants as Array<{ account: string }>).map((x) => x.account)).toEqual([
      acct(0),
      acct(1),
      acct(2),
    ])
  })

  it('committee add-domains: a bad spec is refused; every participant votes; show lists the domains awaiting keys', async () => {
    const bad = await inProcess(
      'contracts',
      'committee',
      'add-domains',
      ...D(),
      '--dev-account',
      '0',
      '--domain',
      'rsa:x',
    )
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/--domain must be <scheme>:<purpose>/)
    const spec = ['--domain', 'ed25519:sign', '--domain', 'bip340:btc']
    const first = json(
      await inProcess('contracts', 'committee', 'add-domains', ...D(), '--dev-account', '0', ...spec, '--json'),
    )
    expect(first).toMatchObject({ state: 'Running', votes: '1/3' })
    for (const i of [1, 2]) {
      const r = await inProcess('contracts', 'committee', 'add-domains', ...D(), '--dev-account', String(i), ...spec)
      expect(r.code, r.stderr).toBe(0)
    }
    const s = json(await inProcess('contracts', 'show', ...D(), '--json')) as { committee: Record<string, unknown> }
    expect(s.committee.state).toBe('Initializing')
    expect(s.committee.domains).toEqual([
      { id: 0, scheme: 0, purpose: 'sign', publicKey: '0x' },
      { id: 1, scheme: 2, purpose: 'btc', publicKey: '0x' },
    ])
    const text = await inProcess('contracts', 'show', ...D())
    expect(text.stdout).toMatch(/#1 Bip340 \(btc\): key not generated yet/)
  })
})
