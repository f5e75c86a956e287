import { defineErrors } from '../errors.js'

/** Errors of the EVM committee source (node/committeeFromChain.ts, node/evmCommitteeSource.ts). */
export const CommitteeSourceError = defineErrors('CommitteeSourceError', {
  /**
   * the CustosCommittee state is not a committee this node can run: a signingPubkey that is not a 32-byte Ed25519
   * node key, an unknown scheme or purpose, a URL that is not https://host:port, a threshold below 2
   */
  COMMITTEE_SOURCE_INVALID: 502,
  /** the account key file is missing, malformed, or readable by group/others */
  COMMITTEE_SOURCE_KEY_FILE: 400,
})
export type CommitteeSourceError = InstanceType<typeof CommitteeSourceError>
