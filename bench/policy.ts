/**
 * Policy decision latency (issue: evm backend): the evm policy with its per-block cache warm, cold (a new
 * boot info every call: one eth_call to the local EVM over loopback HTTP), with maxStalenessMs = 0 (one
 * eth_blockNumber per request), and the static policy for reference. One line per figure.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Hex, pad, parseEventLogs, toHex as viemHex } from 'viem'
import type { Identity } from '../src/attestation/index.js'
import { confirmTx, custosKmsAbi } from '../src/chain/index.js'
import { fromHex, toHex } from '../src/crypto/index.js'
import { serveLocalEvmHttp, startLocalCustos } from '../src/devchain/index.js'
import { EvmPolicy, StaticPolicy } from '../src/policy/index.js'
import { machine, print, summarise, timeLoop } from './util.js'

const MS = Number(process.env.BENCH_POLICY_MS ?? 1500)
const h32 = (n: number): Hex => pad(viemHex(n), { size: 32 })

export async function benchPolicy(): Promise<void> {
  console.log(`# policy decisions (${machine()})`)
  const lc = await startLocalCustos()
  const rpc = await serveLocalEvmHttp(lc.evm)
  const dir = mkdtempSync(join(tmpdir(), 'custos-bench-policy-'))
  const policies: Array<{ close(): Promise<void> }> = []
  try {
    const [OS, MR, DEV, COMPOSE] = [h32(5), h32(0xa1), h32(0xd1), h32(0xc0)]
    const send = (p: Promise<Hex>) => confirmTx(lc.evm.publicClient, p)
    await send(lc.kms.write.addOsImageHash([OS]))
    await send(lc.kms.write.addKmsAggregatedMr([MR]))
    await send(lc.kms.write.addKmsDevice([DEV]))
    const r = await send(lc.kms.write.deployAndRegisterApp([lc.evm.accounts[0]!.address, false, true, h32(0), COMPOSE]))
    const app = parseEventLogs({ abi: custosKmsAbi, logs: r.logs, eventName: 'AppRegistered' })[0]!.args.appId
    const b = (h: Hex) => fromHex(h.slice(2))
    let n = 0
    const identity = (fresh = false): Identity =>
      ({
        platform: 'tdx',
        tcbStatus: 'UpToDate',
        advisoryIds: [],
        debug: false,
        mrAggregated: b(MR),
        mrSystem: new Uint8Array(32),
        osImageHash: b(OS),
        composeHash: b(COMPOSE),
        appId: b(app),
        // instance ids are not checked on chain but are part of the cache key: a new one is a cache miss
        instanceId: fresh ? b(pad(viemHex(++n), { size: 20 })) : new Uint8Array(20),
        deviceId: b(DEV),
        keyProviderInfo: new Uint8Array(0),
        reportData: new Uint8Array(64),
        measurements: {},
      }) as Identity

    const evm = (maxStalenessMs: number) => {
      const p = new EvmPolicy({ rpcUrl: rpc.url, chainId: 31337, kmsContract: lc.addresses.kms, maxStalenessMs })
      policies.push(p)
      return p
    }
    const run = async (name: string, fn: () => Promise<{ allowed: boolean }>) => {
      if (!(await fn()).allowed) throw new Error(`${name}: expected an allow`)
      const { lat, seconds } = await timeLoop(fn, MS, 200)
      print(summarise(name, lat, seconds))
    }

    const warm = evm(60_000)
    await run('evm policy, per-block cache warm (no RPC)', () => warm.check('app', identity()))
    const cold = evm(60_000)
    await run('evm policy, cold (new boot info: 1 eth_call over loopback HTTP)', () =>
      cold.check('app', identity(true)),
    )
    const fresh = evm(0)
    await run('evm policy, maxStalenessMs 0, same boot info (1 eth_blockNumber per call)', () =>
      fresh.check('app', identity()),
    )

    const file = join(dir, 'policy.json')
    const id = identity()
    writeFileSync(
      file,
      JSON.stringify({
        gatewayAppId: 'gw',
        osImages: [toHex(id.osImageHash)],
        kms: { mrAggregated: [toHex(id.mrAggregated)], devices: [], allowAnyDevice: true },
        apps: { [toHex(id.appId)]: { composeHashes: [toHex(id.composeHash)], devices: [], allowAnyDevice: true } },
      }),
    )
    const st = new StaticPolicy({ file })
    policies.push(st)
    await run('static policy (reference)', () => st.check('app', id))
  } finally {
    for (const p of policies) await p.close()
    await rpc.close()
    await lc.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
