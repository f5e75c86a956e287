import { type Address, encodeFunctionData } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { events, expectRevert, h32 } from '../../test/support/chain.js'
import { DEV_PRIVATE_KEYS, deployContract, type LocalCustos, startLocalCustos } from '../devchain/index.js'
import { custosKmsAbi, custosMultisigAbi } from './abis.js'
import { confirmTx } from './chainErrors.js'
import { multisigContract } from './contracts.js'

describe('CustosMultisig as the KMS owner (2-of-3)', () => {
  let lc: LocalCustos
  let ms: Address
  const as = (i: number) => multisigContract({ public: lc.evm.publicClient, wallet: lc.evm.wallets[i]! }, ms)
  const addr = (i: number) => privateKeyToAccount(DEV_PRIVATE_KEYS[i]!).address
  const addOs = (n: number) => encodeFunctionData({ abi: custosKmsAbi, functionName: 'addOsImageHash', args: [h32(n)] })

  beforeAll(async () => {
    lc = await startLocalCustos({ deploy: { multisig: { owners: [addr(1), addr(2), addr(3)], threshold: 2 } } })
    ms = lc.addresses.multisig!
  })
  afterAll(() => lc.close())

  it('owns the KMS: the deployer and each single signer are refused', async () => {
    expect(await lc.kms.read.owner()).toBe(ms)
    await expectRevert(lc.evm, lc.kms.write.addOsImageHash([h32(1)]), 'NotOwner')
    expect(await as(0).read.owners()).toEqual([addr(1), addr(2), addr(3)])
    expect(await as(0).read.threshold()).toBe(2n)
  })

  it('a call runs at exactly k confirmations; duplicates and non-owners are refused', async () => {
    await expectRevert(lc.evm, as(0).write.submit([lc.addresses.kms, 0n, addOs(1)]), 'NotAnOwner')
    const evs = await events(lc.evm, custosMultisigAbi, as(1).write.submit([lc.addresses.kms, 0n, addOs(1)]))
    expect(evs.map((e) => e.eventName)).toEqual(['Submitted', 'Confirmed'])
    expect(evs[1]!.args).toEqual({ id: 0n, owner: addr(1), confirmations: 1n })
    expect(await lc.kms.read.allowedOsImages([h32(1)])).toBe(false)
    await expectRevert(lc.evm, as(1).write.confirm([0n]), 'AlreadyConfirmed')
    await expectRevert(lc.evm, as(4).write.confirm([0n]), 'NotAnOwner')
    await expectRevert(lc.evm, as(2).write.confirm([9n]), 'UnknownTransaction')
    const receipt = await confirmTx(lc.evm.publicClient, as(2).write.confirm([0n]))
    expect(receipt.logs.some((l) => l.address.toLowerCase() === lc.addresses.kms.toLowerCase())).toBe(true)
    expect(await lc.kms.read.allowedOsImages([h32(1)])).toBe(true)
    expect((await as(0).read.getTransaction([0n])).executed).toBe(true)
    await expectRevert(lc.evm, as(3).write.confirm([0n]), 'AlreadyExecuted')
  })

  it('revoke takes a confirmation back', async () => {
    await events(lc.evm, custosMultisigAbi, as(1).write.submit([lc.addresses.kms, 0n, addOs(2)]))
    await expectRevert(lc.evm, as(2).write.revoke([1n]), 'NotConfirmed')
    expect(await events(lc.evm, custosMultisigAbi, as(1).write.revoke([1n]))).toEqual([
      { eventName: 'Revoked', args: { id: 1n, owner: addr(1), confirmations: 0n } },
    ])
    await events(lc.evm, custosMultisigAbi, as(2).write.confirm([1n]))
    expect(await lc.kms.read.allowedOsImages([h32(2)])).toBe(false)
    await events(lc.evm, custosMultisigAbi, as(3).write.confirm([1n]))
    expect(await lc.kms.read.allowedOsImages([h32(2)])).toBe(true)
  })

  it('a failing call reverts the confirmation (CallFailed) and can be retried', async () => {
    const bad = encodeFunctionData({ abi: custosKmsAbi, functionName: 'deregisterApp', args: [addr(9)] })
    await events(lc.evm, custosMultisigAbi, as(1).write.submit([lc.addresses.kms, 0n, bad]))
    await expectRevert(lc.evm, as(2).write.confirm([2n]), 'CallFailed')
    expect((await as(0).read.getTransaction([2n])).confirmations).toBe(1n)
  })

  it('owners change only through the multisig itself, and pending transactions go stale', async () => {
    await expectRevert(lc.evm, as(1).write.setOwners([[addr(1)], 1n]), 'OnlySelf')
    await events(lc.evm, custosMultisigAbi, as(1).write.submit([lc.addresses.kms, 0n, addOs(3)])) // id 3, pending
    const change = encodeFunctionData({
      abi: custosMultisigAbi,
      functionName: 'setOwners',
      args: [[addr(1), addr(4)], 2n],
    })
    await events(lc.evm, custosMultisigAbi, as(2).write.submit([ms, 0n, change]))
    const evs = await events(lc.evm, custosMultisigAbi, as(3).write.confirm([4n]))
    expect(evs.find((e) => e.eventName === 'OwnersChanged')?.args).toEqual({
      owners: [addr(1), addr(4)],
      threshold: 2n,
      ownersVersion: 2n,
    })
    expect(await as(0).read.isOwner([addr(2)])).toBe(false)
    await expectRevert(lc.evm, as(2).write.submit([lc.addresses.kms, 0n, addOs(4)]), 'NotAnOwner')
    await expectRevert(lc.evm, as(4).write.confirm([3n]), 'StaleTransaction')
  })

  it('refuses bad owner sets at deployment', async () => {
    for (const [owners, k] of [
      [[], 1n],
      [[addr(1)], 0n],
      [[addr(1)], 2n],
      [[addr(1), addr(1)], 1n],
    ] as const) {
      const err = await deployContract(lc.evm.wallets[0]!, lc.artifacts.CustosMultisig, [owners, k]).catch((e) => e)
      expect(err.meta.errorName).toBe('InvalidOwners')
    }
  })
})
