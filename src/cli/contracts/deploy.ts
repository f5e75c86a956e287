import { existsSync } from 'node:fs'
import type { Address, Hex } from 'viem'
import type { DeployedContracts } from '../../devchain/index.js'
import {
  type DeploymentFile,
  type ParticipantInput,
  parseAddress,
  parseHash32,
  parseUint,
  readParticipantsFile,
  writeNewJson,
} from './args.js'
import { type ChainCliOptions, openWriter } from './context.js'
import { ContractsCliError } from './errors.js'
import { out, printJson, warn } from './run.js'
import { explainRevert, sendWithRetry } from './tx.js'

export interface DeployOptions extends ChainCliOptions {
  owner?: string
  committeeMembers?: string
  threshold?: string
  codeHash?: string[]
  multisigOwners?: string
  multisigThreshold?: string
  out?: string
  force?: boolean
}

/** `custos contracts deploy`: every input checked offline, then one contract after the other (retried sends). */
export async function deploy(o: DeployOptions): Promise<void> {
  // everything offline first
  const owner = o.owner ? parseAddress(o.owner, '--owner') : undefined
  let committee: { participants: ParticipantInput[]; threshold: number; codeHashes: Hex[] } | undefined
  if (o.committeeMembers) {
    const f = readParticipantsFile(o.committeeMembers)
    const t = o.threshold !== undefined ? parseUint(o.threshold, '--threshold', 1, 65535) : f.threshold
    if (t === undefined) throw new ContractsCliError('CONTRACTS_BAD_ARG', '--committee-members needs --threshold N')
    committee = {
      participants: f.participants,
      threshold: t,
      codeHashes: (o.codeHash ?? []).map((h) => parseHash32(h, '--code-hash')),
    }
  } else if (o.threshold !== undefined || o.codeHash) {
    throw new ContractsCliError('CONTRACTS_BAD_ARG', '--threshold / --code-hash need --committee-members FILE')
  }
  let multisig: { owners: Address[]; threshold: number } | undefined
  if (o.multisigOwners) {
    const owners = o.multisigOwners.split(',').map((a, i) => parseAddress(a.trim(), `--multisig-owners entry ${i}`))
    multisig = { owners, threshold: parseUint(o.multisigThreshold ?? '', '--multisig-threshold', 1, owners.length) }
  }
  if (o.out && !o.force && existsSync(o.out)) {
    throw new ContractsCliError('CONTRACTS_REFUSED', `${o.out} already exists; pass --force to overwrite it`)
  }
  const ctx = await openWriter(o)
  const { compileContracts, deployContract } = await import('../../devchain/index.js')
  const { artifacts } = await compileContracts()
  const fromBlock = Number(await ctx.publicClient.getBlockNumber())
  const step = (what: string, run: () => Promise<Address>) => {
    if (!ctx.json) out(`deploying ${what} …`)
    return sendWithRetry(run, `the ${what} deployment`, { retries: ctx.retries, warn })
  }
  const addrs: Partial<DeployedContracts> = {}
  try {
    if (multisig) {
      addrs.multisig = await step('CustosMultisig', () =>
        deployContract(ctx.wallet, artifacts.CustosMultisig, [multisig.owners, BigInt(multisig.threshold)]),
      )
    }
    const kmsOwner = owner ?? addrs.multisig ?? ctx.account.address
    addrs.kms = await step('CustosKms', () => deployContract(ctx.wallet, artifacts.CustosKms, [kmsOwner]))
    if (committee) {
      const c = committee
      addrs.committee = await step('CustosCommittee', () =>
        deployContract(ctx.wallet, artifacts.CustosCommittee, [c.participants, c.threshold, c.codeHashes]),
      )
    }
  } catch (e) {
    throw explainRevert(e, ctx.account.address)
  }
  const file: DeploymentFile & { kmsOwner: Address } = {
    chainId: ctx.chainId,
    rpcUrl: ctx.rpcUrl,
    kms: addrs.kms,
    ...(addrs.committee ? { committee: addrs.committee } : {}),
    ...(addrs.multisig ? { multisig: addrs.multisig } : {}),
    deployer: ctx.account.address,
    kmsOwner: owner ?? addrs.multisig ?? ctx.account.address,
    fromBlock,
  }
  if (o.out) writeNewJson(o.out, file, o.force === true)
  if (ctx.json) printJson(file)
  else {
    out(`CustosKms        ${file.kms} (owner ${file.kmsOwner})`)
    if (file.committee) out(`CustosCommittee  ${file.committee}`)
    if (file.multisig) out(`CustosMultisig   ${file.multisig}`)
    out(`chain ${file.chainId} at ${file.rpcUrl}; deployer ${file.deployer}`)
    if (o.out) out(`deployment written to ${o.out} (pass --deployment ${o.out} to the other commands)`)
    out('node config: [policy] backend = "evm", evm_rpc_url, evm_chain_id and evm_kms_contract as above')
  }
}
