import { AgentError } from './errors.js'

/**
 * The CLI's gate for the simulator option (`internalApiOnPort`): on a TCP port the internal API hands the app's
 * private keys to any local process (and to web pages that get past the browser guard), which is only acceptable
 * for development. A simulated TEE already needs --dev; on a real TEE --dev must be given for this explicitly.
 */
export function assertSimulatorPortAllowed(o: { dev: boolean; teeSimulated: boolean }): void {
  if (o.dev || o.teeSimulated) return
  throw new AgentError(
    'AGENT_SIMULATOR_PORT_REFUSED',
    '--simulator-port serves the full internal guest API (the app private keys) on a TCP port: development only, pass --dev (for outside callers use --port: dstack external Worker API, no keys)',
  )
}
