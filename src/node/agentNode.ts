import { readFileSync } from 'node:fs'
import { type AppAgent, startAppAgent } from '../agent/index.js'
import type { Logger } from '../log.js'
import { type Config, homePath } from './config.js'
import { createPlatform, verifierFor } from './platform.js'

/** Start the dstack-compatible guest agent for the workload described by `config` (its TEE, its compose file). */
export async function startAgentFor(
  config: Config,
  opts: { kmsUrl: string; socketPath?: string; port?: number; logger?: Logger },
): Promise<AppAgent> {
  const tee = await createPlatform(config, opts.logger)
  const compose = config.tee.simulated.app_compose
  const appCompose = compose !== '' ? readFileSync(homePath(config, compose), 'utf8') : ''
  return startAppAgent({
    tee,
    kmsUrl: opts.kmsUrl,
    verifier: await verifierFor(config),
    appCompose,
    ...(opts.socketPath ? { socketPath: opts.socketPath } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
  })
}
