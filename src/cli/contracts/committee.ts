import type { Command } from 'commander'
import { committeeContract, custosCommitteeAbi, readChain } from '../../chain/index.js'
import { parseHash32, parseUint, readParticipantsFile } from './args.js'
import { type ChainCliOptions, committeeAddressOf, withChainOptions, withSignerOptions } from './context.js'
import { ContractsCliError } from './errors.js'
import { runWrite } from './run.js'

interface ParamsOptions extends ChainCliOptions {
  participants: string
  threshold?: string
  epoch?: string
  proposal?: string
}

interface AttestationOptions extends ChainCliOptions {
  digest: string
  measurement: string
  osImageHash?: string
  composeHash?: string
  deviceId?: string
  tcbStatus?: string
}

const ZERO = `0x${'00'.repeat(32)}` as const
const stateName = (s: number) => ['Running', 'Resharing', 'Initializing'][s] ?? `state ${s}`
const SCHEMES = ['ed25519', 'secp256k1', 'bip340'] as const

/** `--domain ed25519:sign` → { scheme: 0, purpose: 'sign' } */
function parseDomainSpec(text: string): { scheme: number; purpose: string } {
  const [name, purpose] = text.split(':', 2)
  const scheme = SCHEMES.indexOf((name ?? '').toLowerCase() as (typeof SCHEMES)[number])
  if (scheme < 0 || !purpose)
    throw new ContractsCliError(
      'CONTRACTS_BAD_ARG',
      `--domain must be <scheme>:<purpose> with scheme one of ${SCHEMES.join(', ')}; got "${text}"`,
    )
  return { scheme, purpose }
}

/** propose / vote: both are `voteNewParameters` (NEAR vote_new_parameters); the first vote is the proposal. */
function voteParameters(o: ParamsOptions, checkProposal: boolean): Promise<void> {
  const f = readParticipantsFile(o.participants)
  const threshold = o.threshold !== undefined ? parseUint(o.threshold, '--threshold', 1, 65535) : f.threshold
  if (threshold === undefined)
    throw new ContractsCliError('CONTRACTS_BAD_ARG', 'pass --threshold N (or put threshold in the file)')
  const epoch = o.epoch !== undefined ? parseUint(o.epoch, '--epoch', 1) : undefined
  const expected = checkProposal && o.proposal ? parseHash32(o.proposal, '--proposal') : undefined
  const address = committeeAddressOf(o)
  return runWrite(
    o,
    async (ctx) => {
      const c = committeeContract(ctx.publicClient, address)
      const [next, hash] = await readChain(
        Promise.all([c.read.nextEpochId(), c.read.proposalHash([f.participants, threshold])]),
        'reading the committee',
      )
      if (expected && hash !== expected) {
        throw new ContractsCliError(
          'CONTRACTS_REFUSED',
          `these participants and threshold hash to ${hash}, not the proposal ${expected}: check the file and --threshold`,
        )
      }
      return {
        abi: custosCommitteeAbi,
        address,
        contract: 'CustosCommittee',
        functionName: 'voteNewParameters',
        args: [epoch !== undefined ? BigInt(epoch) : next, f.participants, threshold],
        what: `voteNewParameters(epoch ${epoch ?? next}, ${f.participants.length} participants, threshold ${threshold})`,
      }
    },
    async (ctx) => {
      const c = committeeContract(ctx.publicClient, address)
      const state = await c.read.state()
      return {
        proposalHash: await c.read.proposalHash([f.participants, threshold]),
        state: stateName(state),
        ...(state === 1
          ? { next: 'every prospective participant now runs `custos contracts committee reshared`' }
          : {}),
      }
    },
  )
}

/** `custos contracts committee …`: the committee's own governance (participants vote; no owner). */
export function registerCommitteeCommands(contracts: Command): void {
  const committee = contracts
    .command('committee')
    .description('committee governance: propose/vote parameters, confirm resharing, vote code hashes, attestations')

  const paramsCmd = (name: string, desc: string) =>
    withSignerOptions(
      withChainOptions(
        committee
          .command(name)
          .description(desc)
          .requiredOption(
            '--participants <file>',
            'JSON: [{"account":"0x…","signingPubkey":"0x…","url":"https://…"}, …]',
          )
          .option('--threshold <n>', 'new threshold (more than half the participants)')
          .option('--epoch <n>', 'prospective epoch id (default: the contract’s nextEpochId)'),
      ),
    )
  paramsCmd('propose', 'propose new participants + threshold (counts as your vote)').action((o: ParamsOptions) =>
    voteParameters(o, false),
  )
  paramsCmd('vote', 'vote for a proposal (same participants file and threshold as the proposer)')
    .option('--proposal <hash>', 'refuse unless the file and threshold hash to this proposal hash')
    .action((o: ParamsOptions) => voteParameters(o, true))

  withSignerOptions(
    withChainOptions(
      committee
        .command('add-domains')
        .description(
          'vote to add key domains (every participant must vote the same list; the committee then runs a DKG per domain)',
        )
        .requiredOption('--domain <scheme:purpose...>', 'e.g. --domain ed25519:sign --domain secp256k1:sign'),
    ),
  ).action((o: ChainCliOptions & { domain: string[] }) => {
    const specs = o.domain.map(parseDomainSpec)
    const address = committeeAddressOf(o)
    return runWrite(
      o,
      async () => ({
        abi: custosCommitteeAbi,
        address,
        contract: 'CustosCommittee',
        functionName: 'voteAddDomains',
        args: [specs],
        what: `voteAddDomains(${o.domain.join(', ')})`,
      }),
      async (ctx) => {
        const c = committeeContract(ctx.publicClient, address)
        const [state, hash, count] = await Promise.all([
          c.read.state(),
          c.read.domainsProposalHash([specs]),
          c.read.participantCount(),
        ])
        return {
          state: stateName(state),
          proposalHash: hash,
          votes: `${await c.read.domainsVotes([hash])}/${count}`,
        }
      },
    )
  })

  withSignerOptions(
    withChainOptions(
      committee
        .command('reshared')
        .description('as a prospective participant: confirm you hold your new share (the last one starts the epoch)'),
    ),
  ).action((o: ChainCliOptions) => {
    const address = committeeAddressOf(o)
    return runWrite(
      o,
      async (ctx) => {
        const e = await readChain(
          committeeContract(ctx.publicClient, address).read.prospectiveEpochId(),
          'reading the committee',
        )
        return {
          abi: custosCommitteeAbi,
          address,
          contract: 'CustosCommittee',
          functionName: 'voteReshared',
          args: [e],
          what: `voteReshared(epoch ${e})`,
        }
      },
      async (ctx) => {
        const c = committeeContract(ctx.publicClient, address)
        return {
          epochId: Number(await c.read.epochId()),
          state: stateName(await c.read.state()),
        }
      },
    )
  })

  withSignerOptions(
    withChainOptions(committee.command('cancel-resharing').description('vote to cancel the running resharing')),
  ).action((o: ChainCliOptions) => {
    const address = committeeAddressOf(o)
    return runWrite(o, () => ({
      abi: custosCommitteeAbi,
      address,
      contract: 'CustosCommittee',
      functionName: 'voteCancelResharing',
      args: [],
      what: 'voteCancelResharing()',
    }))
  })

  for (const [name, fn, desc] of [
    ['vote-code-hash', 'voteCodeHash', 'vote to allow a code measurement (passes at threshold votes)'],
    ['vote-remove-code-hash', 'voteRemoveCodeHash', 'vote to stop allowing a code measurement'],
  ] as const) {
    withSignerOptions(withChainOptions(committee.command(`${name} <hash>`).description(desc))).action(
      (value: string, o: ChainCliOptions) => {
        const h = parseHash32(value, 'code hash')
        const address = committeeAddressOf(o)
        return runWrite(
          o,
          () => ({
            abi: custosCommitteeAbi,
            address,
            contract: 'CustosCommittee',
            functionName: fn,
            args: [h],
            what: `${fn}(${h})`,
          }),
          async (ctx) => ({
            allowed: await committeeContract(ctx.publicClient, address).read.allowedCodeHashes([h]),
          }),
        )
      },
    )
  }

  withSignerOptions(
    withChainOptions(
      committee
        .command('submit-attestation')
        .description('record your evidence digest and identity fields (verified off chain by the other members)')
        .requiredOption('--digest <hash>', 'sha256 of your evidence (e.g. the quote)')
        .requiredOption('--measurement <hash>', 'your code measurement (must be an allowed code hash)')
        .option('--os-image-hash <hash>', 'OS image hash')
        .option('--compose-hash <hash>', 'compose hash')
        .option('--device-id <hash>', 'device id')
        .option('--tcb-status <status>', 'TCB status', 'UpToDate'),
    ),
  ).action((o: AttestationOptions) => {
    const h = (v: string | undefined, what: string) => (v ? parseHash32(v, what) : ZERO)
    const args = [
      parseHash32(o.digest, '--digest'),
      parseHash32(o.measurement, '--measurement'),
      h(o.osImageHash, '--os-image-hash'),
      h(o.composeHash, '--compose-hash'),
      h(o.deviceId, '--device-id'),
      o.tcbStatus ?? 'UpToDate',
    ] as const
    const address = committeeAddressOf(o)
    return runWrite(o, () => ({
      abi: custosCommitteeAbi,
      address,
      contract: 'CustosCommittee',
      functionName: 'submitAttestation',
      args,
      what: 'submitAttestation',
    }))
  })

  withSignerOptions(
    withChainOptions(committee.command('set-url <url>').description('update your participant URL')),
  ).action((url: string, o: ChainCliOptions) => {
    if (!/^https?:\/\/\S+$/.test(url)) throw new ContractsCliError('CONTRACTS_BAD_ARG', `${url} is not an http(s) URL`)
    const address = committeeAddressOf(o)
    return runWrite(o, () => ({
      abi: custosCommitteeAbi,
      address,
      contract: 'CustosCommittee',
      functionName: 'updateParticipantUrl',
      args: [url],
      what: 'updateParticipantUrl',
    }))
  })
}
