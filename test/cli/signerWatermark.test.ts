/** `custos signer watermark-repair` as an operator runs it against a node home (offline, sealed store). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerSignerCommand } from '../../src/cli/signerCommand.js'
import { toHex } from '../../src/crypto/index.js'
import { nullLogger } from '../../src/log.js'
import { devConfigToml, loadConfigFile, type RunningNode, startNode } from '../../src/node/index.js'
import { runCommand } from '../support/cliIo.js'
import { EIP2335_PASSWORD, EIP2335_PBKDF2_KEYSTORE, EIP2335_PUBKEY } from '../support/eip2335.js'
import { rawRequest } from '../support/http.js'

let home: string
const running: RunningNode[] = []

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'custos-signer-watermark-'))
  writeFileSync(
    join(home, 'custos.toml'),
    devConfigToml([
      ['kms', 'enabled', 'false'],
      ['signer', 'enabled', 'true'],
      ['signer', 'listen', '"127.0.0.1:0"'],
      ['signer.keymanager', 'listen', '"127.0.0.1:0"'],
    ]),
  )
})

afterAll(async () => {
  for (const n of running) await n.close()
  if (home) rmSync(home, { recursive: true, force: true })
})

const custos = (...args: string[]) => runCommand(registerSignerCommand, ['signer', 'watermark-repair', ...args], -1)
const repair = (...args: string[]) => custos('--home', home, '--dev', ...args)

async function withNode<T>(body: (node: RunningNode) => Promise<T>): Promise<T> {
  const node = await startNode(loadConfigFile(home), { dev: true, logger: nullLogger })
  running.push(node)
  try {
    return await body(node)
  } finally {
    running.splice(running.indexOf(node), 1)
    await node.close()
  }
}

const getHighWatermark = async (node: RunningNode) => {
  const r = await rawRequest(`${node.signer!.api.url}/api/v1/eth2/highWatermark`, { method: 'GET' })
  expect(r.status).toBe(200)
  return r.json()
}

describe('custos signer watermark-repair: options', () => {
  it.each([
    [['--set-high-watermark', '--remove-high-watermark'], /conflict/],
    [[], /nothing to do: pass --set-high-watermark --epoch N --slot M, or --remove-high-watermark/],
    [['--set-high-watermark', '--epoch', '10'], /--set-high-watermark needs both --epoch N and --slot M/],
    [['--set-high-watermark', '--slot', '10'], /needs both --epoch N and --slot M/],
    [['--remove-high-watermark', '--epoch', '10'], /--epoch and --slot are for --set-high-watermark/],
    [['--set-high-watermark', '--epoch', '-1', '--slot', '10'], /--epoch must be a decimal integer/],
    [['--set-high-watermark', '--epoch', '1', '--slot', '18446744073709551616'], /--slot must be a decimal/],
    [['--set-high-watermark=yes', '--epoch', '1', '--slot', '1'], /--set-high-watermark takes true or false/],
    [['--set-high-watermark=false', '--epoch', '1', '--slot', '1'], /nothing to do/],
  ])('%j is refused with exit 1 and a clear message', async (args, message) => {
    const r = await repair(...args)
    expect(r).toMatchObject({ code: 1, stdout: '' })
    expect(r.stderr).toMatch(/^error: /)
    expect(r.stderr).toMatch(message)
  })

  it('refuses the simulated TEE without --dev, and a home without custos.toml', async () => {
    const noDev = await custos('--home', home, '--remove-high-watermark')
    expect(noDev).toMatchObject({ code: 1, stdout: '' })
    expect(noDev.stderr).toMatch(/simulated TEE .* needs --dev/)
    const empty = mkdtempSync(join(tmpdir(), 'custos-signer-watermark-empty-'))
    try {
      const r = await custos('--home', empty, '--dev', '--remove-high-watermark')
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/no config at .*custos\.toml/)
    } finally {
      rmSync(empty, { recursive: true, force: true })
    }
  })
})

describe('custos signer watermark-repair: the node sees it', () => {
  it('set offline → GET /highWatermark on the started signer shows it; refused while the node runs', async () => {
    const r = await repair('--set-high-watermark', '--epoch', '100', '--slot', '3200')
    expect(r).toMatchObject({ code: 0, stderr: '' })
    expect(r.stdout).toBe('high watermark set: {"epoch":"100","slot":"3200"} (before: {})\n')
    await withNode(async (node) => {
      expect(await getHighWatermark(node)).toEqual({ epoch: '100', slot: '3200' })
      const locked = await repair('--remove-high-watermark')
      expect(locked).toMatchObject({ code: 1, stdout: '' })
      expect(locked.stderr).toMatch(/is in use: .*Stop that node first/)
      expect(await getHighWatermark(node)).toEqual({ epoch: '100', slot: '3200' })
    })
  }, 60_000)

  it('Web3Signer spelling --set-high-watermark=true replaces it; remove → {}', async () => {
    const set = await repair('--set-high-watermark=true', '--epoch', '150', '--slot', '4800')
    expect(set.code).toBe(0)
    expect(set.stdout).toBe(
      'high watermark set: {"epoch":"150","slot":"4800"} (before: {"epoch":"100","slot":"3200"})\n',
    )
    const r = await repair('--remove-high-watermark=true')
    expect(r).toMatchObject({ code: 0, stderr: '' })
    expect(r.stdout).toBe('high watermark removed: {} (before: {"epoch":"150","slot":"4800"})\n')
    const again = await repair('--remove-high-watermark')
    expect(again).toMatchObject({ code: 0, stdout: 'no high watermark was set: {}\n' })
    await withNode(async (node) => expect(await getHighWatermark(node)).toEqual({}))
  }, 60_000)

  it('a value at or below an imported low watermark is refused as the service refuses it', async () => {
    // import a key with history: low watermarks block slot 5000, attestation epoch 201
    await withNode(async (node) => {
      const token = readFileSync(resolve(home, 'keymanager-token'), 'utf8').trim()
      const gvr = `0x${toHex(node.signer!.service.network.genesisValidatorsRoot)}`
      const body = JSON.stringify({
        keystores: [JSON.stringify(EIP2335_PBKDF2_KEYSTORE)],
        passwords: [EIP2335_PASSWORD],
        slashing_protection: JSON.stringify({
          metadata: { interchange_format_version: '5', genesis_validators_root: gvr },
          data: [
            {
              pubkey: `0x${EIP2335_PUBKEY}`,
              signed_blocks: [{ slot: '5000' }],
              signed_attestations: [{ source_epoch: '200', target_epoch: '201' }],
            },
          ],
        }),
      })
      const imp = await rawRequest(`${node.signer!.keymanager!.url}/eth/v1/keystores`, {
        method: 'POST',
        body,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
        },
      })
      expect(imp.status).toBe(200)
      expect((imp.json() as { data: Array<{ status: string }> }).data[0]?.status).toBe('imported')
      // the service refuses the same values
      expect(() => node.signer!.service.setHighWatermark({ epoch: 201n, slot: 9000n })).toThrow(/low watermark epoch/)
    })
    const atEpoch = await repair('--set-high-watermark', '--epoch', '201', '--slot', '9000')
    expect(atEpoch).toMatchObject({ code: 1, stdout: '' })
    expect(atEpoch.stderr).toBe(
      'error: high watermark epoch must be above every imported low watermark epoch (epoch 201, lowWatermarkEpoch 201)\n',
    )
    const belowSlot = await repair('--set-high-watermark', '--epoch', '300', '--slot', '4999')
    expect(belowSlot.code).toBe(1)
    expect(belowSlot.stderr).toMatch(
      /slot must be above every imported low watermark slot \(slot 4999, lowWatermarkSlot 5000\)/,
    )
    expect((await repair('--remove-high-watermark')).stdout).toBe('no high watermark was set: {}\n')
    const ok = await repair('--set-high-watermark', '--epoch', '202', '--slot', '5001')
    expect(ok).toMatchObject({ code: 0, stdout: 'high watermark set: {"epoch":"202","slot":"5001"} (before: {})\n' })
    await withNode(async (node) => expect(await getHighWatermark(node)).toEqual({ epoch: '202', slot: '5001' }))
  }, 120_000)
})
