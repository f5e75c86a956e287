/** `custos policy serve` as a user runs it: a real child process serving the node's policy as a dstack auth API. */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../..')
const BIN = resolve(ROOT, 'bin/custos.js')
// Until `registerPolicyCommand` is wired into src/cli/main.ts, run the command through a minimal program.
const argvFor = (args: string[]) => [BIN, ...args]

const hex = (n: number, b: number) => Buffer.from(new Uint8Array(n).fill(b)).toString('hex')
const boot = (over: Record<string, unknown> = {}) => ({
  teeVariant: 'dstack-tdx',
  mrAggregated: hex(32, 2),
  osImageHash: hex(32, 1),
  mrSystem: hex(32, 7),
  appId: hex(20, 4),
  composeHash: hex(32, 5),
  instanceId: '',
  deviceId: hex(32, 3),
  keyProviderInfo: '',
  tcbStatus: 'UpToDate',
  advisoryIds: [],
  ...over,
})

const homes: string[] = []
const children: ChildProcess[] = []
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM')
  for (const h of homes) rmSync(h, { recursive: true, force: true })
})

function tempHome(policy: object, backend = 'static'): string {
  const home = mkdtempSync(join(tmpdir(), 'custos-policy-cli-'))
  homes.push(home)
  writeFileSync(
    join(home, 'custos.toml'),
    `[node]\nlog_level = "warn"\n\n[policy]\nbackend = "${backend}"\nfile = "policy.json"\n`,
  )
  writeFileSync(join(home, 'policy.json'), JSON.stringify(policy))
  return home
}

/** Start `custos policy serve`, resolve with its URL once it prints the listening line. */
function serve(home: string, ...extra: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    argvFor(['policy', 'serve', '--home', home, '--listen', '127.0.0.1:0', ...extra]),
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  children.push(child)
  return new Promise((res, rej) => {
    let out = ''
    let err = ''
    child.stdout?.on('data', (d) => {
      out += d
      const m = /listening on (http:\/\/\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        res({ url: m[1]!, child })
      }
    })
    child.stderr?.on('data', (d) => {
      err += d
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      rej(new Error(`custos policy serve exited ${code}: ${err}`))
    })
    const timer = setTimeout(() => rej(new Error(`custos policy serve did not start: ${out} ${err}`)), 40_000)
  })
}

const post = async (url: string, path: string, body: unknown) => {
  const r = await fetch(new URL(path, url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: r.status, json: (await r.json()) as Record<string, unknown> }
}

describe('custos policy serve', () => {
  let url = ''
  let child: ChildProcess
  beforeAll(async () => {
    const home = tempHome({
      gatewayAppId: 'gw-cli',
      chainId: 31337,
      osImages: [hex(32, 1)],
      kms: { mrAggregated: [hex(32, 2)], devices: [hex(32, 3)] },
      apps: { [hex(20, 4)]: { composeHashes: [hex(32, 5)], devices: [] } },
    })
    ;({ url, child } = await serve(home))
  }, 60_000)

  it('allows and denies like the static policy, for apps and KMS peers', async () => {
    expect(await post(url, 'bootAuth/app', boot())).toEqual({
      status: 200,
      json: { isAllowed: true, reason: '', gatewayAppId: 'gw-cli' },
    })
    expect((await post(url, 'bootAuth/app', boot({ composeHash: `0x${hex(32, 9)}` }))).json).toEqual({
      isAllowed: false,
      reason: 'compose hash not allowed',
      gatewayAppId: 'gw-cli',
    })
    expect((await post(url, 'bootAuth/kms', boot())).json.isAllowed).toBe(true)
    expect((await post(url, 'bootAuth/kms', boot({ deviceId: hex(32, 8) }))).json).toMatchObject({
      isAllowed: false,
      reason: 'KMS is not allowed to boot on this device',
    })
    expect((await post(url, 'bootAuth/kms', boot({ tcbStatus: 'OutOfDate' }))).json.reason).toBe(
      'TCB status is not allowed',
    )
  })

  it('rejects an invalid request with 400 (auth-eth shape)', async () => {
    const { deviceId: _, ...noDevice } = boot()
    expect(await post(url, 'bootAuth/app', noDevice)).toEqual({
      status: 400,
      json: { isAllowed: false, reason: 'invalid authorization request', gatewayAppId: '' },
    })
  })

  it('GET / returns the dstack info', async () => {
    const r = await fetch(url)
    expect(r.status).toBe(200)
    expect(await r.json()).toEqual({
      status: 'ok',
      kmsContractAddr: '0x0000000000000000000000000000000000000000',
      gatewayAppId: 'gw-cli',
      chainId: 31337,
      appAuthImplementation: '0x0000000000000000000000000000000000000000',
      appImplementation: '0x0000000000000000000000000000000000000000',
    })
  })

  it('stops on SIGTERM', async () => {
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })

  it('refuses to serve the dev policy without --dev', async () => {
    const home = tempHome({}, 'dev')
    await expect(serve(home)).rejects.toThrow(/--dev/)
  })
})
