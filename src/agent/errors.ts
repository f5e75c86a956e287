import { defineErrors } from '../errors.js'

/**
 * App-agent errors. Guest API refusals answer HTTP 400 `{"error", "code"}` as dstack's prpc does; KMS
 * failures at start-up surface to the caller (CLI) with the KMS's own code in `meta.kmsCode` when it sent one.
 */
export const AgentError = defineErrors('AgentError', {
  /** request body/query is not what the method takes */
  AGENT_BAD_INPUT: 400,
  /** GetKey/Sign/Verify algorithm other than secp256k1/k256/ed25519(/secp256k1_prehashed) */
  AGENT_UNSUPPORTED_ALGORITHM: 400,
  /** report_data longer than 64 bytes */
  AGENT_REPORT_DATA_TOO_LONG: 400,
  /** unknown guest API method */
  AGENT_UNKNOWN_METHOD: 404,
  /** the KMS could not be reached or its attested TLS check failed */
  AGENT_KMS_UNREACHABLE: 502,
  /** the KMS's RA-TLS certificate or evidence failed verification (meta.reason: the NetError code) */
  AGENT_KMS_UNTRUSTED: 502,
  /** the KMS answered with a refusal (policy, evidence, …) */
  AGENT_KMS_REFUSED: 502,
  /** the KMS answered something that is not a valid reply */
  AGENT_KMS_BAD_REPLY: 502,
  /** the agent's own TEE could not produce or verify its evidence */
  AGENT_TEE_FAILED: 500,
  /** the agent is not started (no app keys yet) or already stopped */
  AGENT_NOT_READY: 503,
  /** a listener could not be opened */
  AGENT_LISTEN_FAILED: 500,
  /** the simulator option (the full internal API, private keys included, on the TCP port) without --dev */
  AGENT_SIMULATOR_PORT_REFUSED: 400,
  /** no KMS trust is configured: the agent never trusts a KMS on first use */
  AGENT_KMS_TRUST_UNSET: 400,
  /** a configured KMS key is not valid */
  AGENT_KMS_TRUST_INVALID: 400,
})
export type AgentError = InstanceType<typeof AgentError>
export type AgentErrorCode = AgentError['code']
