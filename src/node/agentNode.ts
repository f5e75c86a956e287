import { createPublicKey } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { type AppAgent, type KmsTrust, parseTrustKeys, startAppAgent } from '../agent/index.js'
import type { Logger } from '../log.js'
import { createPolicy } from '../policy/index.js'
import { type Config, homePath } from './config.js'
import { NodeError } from './errors.js'
import { createPlatform, verifierFor } from './platform.js'
import { policyConfigFromNode } from './policyConfig.js'

const isSpki = (b: Uint8Array) => {
  try {
    createPublicKey({ key: Buffer.from(b), format: 'der', type: 'spki' })
    return true
  } catch {
    return false
  }
}
const isK256 = (b: Uint8Array) => {
  try {
    secp256k1.Point.fromBytes(b)
    return b.length === 33
  } catch {
    return false
  }
}

/** The app compose text of this config ('' when none is configured). */
export function appComposeOf(config: Config): string {
  const compose = config.tee.simulated.app_compose
  return compose !== '' ? readFileSync(homePath(config, compose), 'utf8') : ''
}

/** dstack's app-compose `key_provider_id` (hex SPKI of the KMS root CA key), '' when absent. */
function keyProviderIdOf(appCompose: string): string {
  if (appCompose === '') return ''
  try {
    const id = (JSON.parse(appCompose) as { key_provider_id?: unknown }).key_provider_id
    return typeof id === 'string' ? id : ''
  } catch {
    return ''
  }
}

/**
 * The app's KMS trust from its config: `[agent]` pins, the compose's `key_provider_id`, and `[policy]` in role
 * `kms` when `kms_policy = true` (the returned policy is owned by whoever uses the trust: the agent closes it).
 */
export function kmsTrustFor(config: Config, logger?: Logger): KmsTrust {
  const a = config.agent
  const fromCompose = keyProviderIdOf(appComposeOf(config))
  const sources: string[] = []
  if (a.kms_root_ca_pubkeys.length > 0) sources.push('[agent] kms_root_ca_pubkeys')
  if (fromCompose !== '') sources.push('the app compose key_provider_id')
  if (a.kms_k256_pubkeys.length > 0) sources.push('[agent] kms_k256_pubkeys')
  const rootCaPublicKeys = [
    ...parseTrustKeys(a.kms_root_ca_pubkeys, '[agent] kms_root_ca_pubkeys', isSpki),
    ...(fromCompose !== '' ? parseTrustKeys([fromCompose], 'app compose key_provider_id', isSpki) : []),
  ]
  const k256PublicKeys = parseTrustKeys(a.kms_k256_pubkeys, '[agent] kms_k256_pubkeys', isK256)
  let policy: KmsTrust['policy']
  if (a.kms_policy) {
    if (config.policy.backend === 'dev')
      throw new NodeError(
        'NODE_CONFIG_INVALID',
        '[agent] kms_policy = true with [policy] backend = "dev" would allow any KMS: use a static, webhook or evm policy',
      )
    policy = createPolicy(policyConfigFromNode(config), logger?.child({ module: 'kms-trust' }))
  }
  return { rootCaPublicKeys, k256PublicKeys, ...(policy ? { policy } : {}), source: sources.join(' / ') || 'none' }
}

/** Start the dstack-compatible guest agent for the workload described by `config` (its TEE, its compose file). */
export async function startAgentFor(
  config: Config,
  opts: {
    kmsUrl: string
    socketPath?: string
    tappdSocketPath?: string | false
    /** dstack's external Worker API on this loopback port (or, with `internalApiOnPort`, the full API) */
    port?: number
    /** SIMULATOR USE ONLY: the full internal API (app private keys) on `port` (see AppAgentOptions) */
    internalApiOnPort?: boolean
    logger?: Logger
  },
): Promise<AppAgent> {
  const tee = await createPlatform(config, opts.logger)
  const kmsTrust = kmsTrustFor(config, opts.logger)
  return startAppAgent({
    tee,
    kmsUrl: opts.kmsUrl,
    kmsTrust,
    verifier: await verifierFor(config),
    appCompose: appComposeOf(config),
    ...(opts.socketPath ? { socketPath: opts.socketPath } : {}),
    ...(opts.tappdSocketPath !== undefined ? { tappdSocketPath: opts.tappdSocketPath } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.internalApiOnPort !== undefined ? { internalApiOnPort: opts.internalApiOnPort } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
  })
}
