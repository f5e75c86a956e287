import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { codeOfAsync } from '../../test/support/errors.js'
import {
  assertDeployed,
  type ChainError,
  checkChainId,
  confirmTx,
  connectChain,
  custosKmsAbi,
  kmsRegistry,
} from '../chain/index.js'
import { compileContracts } from './compileContracts.js'
import { deployContracts } from './deployContracts.js'
import { DEV_PRIVATE_KEYS } from './devAccounts.js'
import { serveLocalEvmHttp } from './serveLocalEvmHttp.js'
import { type LocalEvm, startLocalEvm } from './startLocalEvm.js'

describe('startLocalEvm', () => {
  let evm: LocalEvm
  beforeAll(async () => {
    evm = await startLocalEvm()
  })
  afterAll(() => evm.close())

  it('runs chain 31337 with the funded Hardhat dev accounts', async () => {
    expect(await evm.publicClient.getChainId()).toBe(31337)
    expect(evm.accounts[0]!.address).toBe('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266')
    expect(evm.accounts).toHaveLength(DEV_PRIVATE_KEYS.length)
    expect(await evm.publicClient.getBalance({ address: evm.accounts[9]!.address })).toBe(10_000n * 10n ** 18n)
  })

  it('maps EDR reverts to {code: 3, data} so viem decodes custom errors', async () => {
    const { artifacts } = await compileContracts()
    const { kms } = await deployContracts(evm.wallets[0]!, artifacts)
    const stranger = kmsRegistry({ public: evm.publicClient, wallet: evm.wallets[1]! }, kms)
    const err = (await confirmTx(evm.publicClient, stranger.write.addOsImageHash([`0x${'11'.repeat(32)}`])).catch(
      (e) => e,
    )) as ChainError
    expect(err.code).toBe('CHAIN_REVERTED')
    expect(err.meta.errorName).toBe('NotOwner')
    expect(err.meta.args).toContain(evm.accounts[1]!.address)
    // raw request: the error object carries code 3 and the revert data
    const raw = await evm
      .request({
        method: 'eth_call',
        params: [
          { from: evm.accounts[1]!.address, to: kms, data: '0x0d8c8ef6' }, // unknown selector → empty revert
          'latest',
        ],
      })
      .catch((e) => e)
    expect(raw).toMatchObject({ code: 3, data: '0x' })
  })

  it('refuses a default gas limit above the Osaka per-transaction cap', async () => {
    expect(await codeOfAsync(startLocalEvm({ gasLimit: 16_777_217n }))).toBe('CHAIN_BAD_INPUT')
  })

  it('a second EVM in the same process is independent and can use another chain id', async () => {
    const other = await startLocalEvm({ chainId: 1337, accounts: [DEV_PRIVATE_KEYS[5]!] })
    expect(await other.publicClient.getChainId()).toBe(1337)
    expect(await other.publicClient.getBlockNumber()).toBe(0n)
    await other.close()
    expect(await codeOfAsync(other.request({ method: 'eth_chainId' }))).toBe('CHAIN_RPC_UNREACHABLE')
  })
})

describe('serveLocalEvmHttp + connectChain', () => {
  let evm: LocalEvm
  let http: Awaited<ReturnType<typeof serveLocalEvmHttp>>
  let kmsAddress: `0x${string}`
  beforeAll(async () => {
    evm = await startLocalEvm()
    http = await serveLocalEvmHttp(evm)
    const { artifacts } = await compileContracts()
    kmsAddress = (await deployContracts(evm.wallets[0]!, artifacts)).kms
  })
  afterAll(async () => {
    await http.close()
    await evm.close()
  })

  it('serves JSON-RPC on loopback, including batches', async () => {
    expect(http.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const res = await fetch(http.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { jsonrpc: '2.0', id: 7, method: 'eth_chainId', params: [] },
        { jsonrpc: '2.0', id: 'x', method: 'eth_getCode', params: [kmsAddress, 'latest'] },
      ]),
    })
    const body = (await res.json()) as Array<{ id: unknown; result: string }>
    expect(body[0]).toEqual({ jsonrpc: '2.0', id: 7, result: '0x7a69' })
    expect(body[1]!.id).toBe('x')
    expect(body[1]!.result.length).toBeGreaterThan(100)
  })

  it('connectChain reads contracts over HTTP and decodes reverts', async () => {
    const client = await connectChain({ rpcUrl: http.url, chainId: 31337 })
    const kms = kmsRegistry(client, kmsAddress)
    expect(await kms.read.owner()).toBe(evm.accounts[0]!.address)
    await assertDeployed(client, kmsAddress, 'CustosKms')
    const err = await client
      .simulateContract({
        address: kmsAddress,
        abi: custosKmsAbi,
        functionName: 'deregisterApp',
        args: [evm.accounts[3]!.address],
        account: evm.accounts[0]!.address,
      })
      .catch((e) => e)
    expect(err.cause?.data?.errorName).toBe('AppNotRegistered')
  })

  it('CHAIN_WRONG_CHAIN_ID when the endpoint is another chain', async () => {
    expect(await codeOfAsync(connectChain({ rpcUrl: http.url, chainId: 1 }))).toBe('CHAIN_WRONG_CHAIN_ID')
    const err = (await connectChain({ rpcUrl: http.url, chainId: 5 }).catch((e) => e)) as ChainError
    expect(err.meta).toMatchObject({ expected: 5, actual: 31337 })
  })

  it('CHAIN_RPC_UNREACHABLE when nothing listens', async () => {
    expect(await codeOfAsync(connectChain({ rpcUrl: 'http://127.0.0.1:9', chainId: 31337, timeoutMs: 2000 }))).toBe(
      'CHAIN_RPC_UNREACHABLE',
    )
  })

  it('CHAIN_NOT_DEPLOYED for an address without code; CHAIN_BAD_INPUT for a malformed one', async () => {
    expect(await codeOfAsync(assertDeployed(evm.publicClient, evm.accounts[4]!.address))).toBe('CHAIN_NOT_DEPLOYED')
    expect(await codeOfAsync(assertDeployed(evm.publicClient, '0x1234'))).toBe('CHAIN_BAD_INPUT')
    await expect(checkChainId(evm.publicClient, 31337)).resolves.toBeUndefined()
  })
})
