/**
 * The key-release chain, as dstack's `ensure_*` steps: each step either returns or throws a KmsError
 * that says what was refused. No key is derived before every step has passed.
 */
import type { Identity } from '../attestation/index.js'
import { explain } from '../errors.js'
import type { PolicyDecision, PolicyRole } from '../policy/index.js'
import { KmsError } from './errors.js'
import type { RpcCall, RpcPeer } from './rpcMethod.js'
import type { KmsDeps } from './types.js'

/** This node's own identity, from its own evidence, verified like anyone else's (cached per process). */
export class SelfIdentity {
  #identity: Promise<Identity> | undefined
  constructor(private readonly deps: Pick<KmsDeps, 'tee' | 'verifier' | 'now'>) {}

  get(): Promise<Identity> {
    this.#identity ??= (async () => {
      const att = await this.deps.tee.attest(new Uint8Array(64))
      return this.deps.verifier.verify(att, { now: this.deps.now(), expectedReportData: new Uint8Array(64) })
    })()
    this.#identity.catch(() => {
      this.#identity = undefined
    })
    return this.#identity
  }
}

/** The verified peer of this call; refuses calls without RA-TLS evidence. */
export async function requirePeer(call: RpcCall): Promise<RpcPeer> {
  let peer: RpcPeer | undefined
  try {
    peer = await call.peer()
  } catch (e) {
    throw new KmsError(
      'KMS_INVALID_QUOTE',
      `invalid quote: ${explain(e, 'the client certificate evidence did not verify')}`,
      {},
      { cause: e },
    )
  }
  if (!peer)
    throw new KmsError(
      'KMS_NO_ATTESTATION',
      'No attestation provided: connect with an RA-TLS client certificate whose evidence is bound to its key',
    )
  return peer
}

/** What of the KMS deps `ensureSelfAllowed` reads (handlers that call it list these in their context). */
export type SelfCheck = 'options' | 'policy' | 'logger'
type PolicyDeps = Pick<KmsDeps, 'policy' | 'logger'>

/** What callers learn when the policy cannot be evaluated: nothing about files, URLs or parser errors. */
const policyUnavailable = () =>
  new KmsError(
    'KMS_POLICY_UNAVAILABLE',
    'policy unavailable: this KMS cannot evaluate its authorization policy right now; try again later ' +
      '(the operator finds the cause in the KMS log)',
  )

/**
 * The policy's decision. Fails closed: a backend that throws or cannot decide releases nothing; its details
 * are logged for the operator and the caller gets KMS_POLICY_UNAVAILABLE (503), which names no path or error.
 */
async function decide(deps: PolicyDeps, role: PolicyRole, identity: Identity): Promise<PolicyDecision> {
  let d: PolicyDecision
  try {
    d = await deps.policy.check(role, identity)
  } catch (e) {
    deps.logger.error({ role, err: (e as Error).message }, 'policy backend failed: refusing the request')
    throw policyUnavailable()
  }
  if (d.unavailable) {
    deps.logger.error({ role, reason: d.reason }, 'policy unavailable: refusing the request')
    throw policyUnavailable()
  }
  return d
}

export async function ensureSelfAllowed(deps: Pick<KmsDeps, SelfCheck>, self: SelfIdentity): Promise<void> {
  if (!deps.options.enforceSelfAuthorization) return
  let identity: Identity
  try {
    identity = await self.get()
  } catch (e) {
    throw new KmsError(
      'KMS_SELF_NOT_ALLOWED',
      'KMS self check failed: this node cannot verify its own evidence',
      {},
      { cause: e },
    )
  }
  const d = await decide(deps, 'kms', identity)
  if (!d.allowed) throw new KmsError('KMS_SELF_NOT_ALLOWED', `KMS is not allowed by its own policy: ${d.reason}`)
}

export async function ensureAppAllowed(deps: PolicyDeps, identity: Identity): Promise<PolicyDecision> {
  if (identity.appId.length !== 20)
    throw new KmsError('KMS_BAD_APP_ID', `app id must be 20 bytes, the evidence carries ${identity.appId.length}`)
  const d = await decide(deps, 'app', identity)
  if (!d.allowed) throw new KmsError('KMS_APP_NOT_ALLOWED', `App not allowed: ${d.reason}`)
  return d
}

export async function ensureKmsAllowed(deps: PolicyDeps, identity: Identity): Promise<PolicyDecision> {
  const d = await decide(deps, 'kms', identity)
  if (!d.allowed) throw new KmsError('KMS_KMS_NOT_ALLOWED', `KMS not allowed: ${d.reason}`)
  return d
}
