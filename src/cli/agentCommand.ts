import { resolve } from 'node:path'
import type { Command } from 'commander'
import { assertSimulatorPortAllowed } from '../agent/index.js'
import { createRootLogger, loadConfigFile, startAgentFor } from '../node/index.js'

function parsePort(value: string, flag: string): number {
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${flag} is not a port`)
  return port
}

export function registerAgentCommand(program: Command): void {
  program
    .command('agent')
    .description(
      'run the dstack-compatible guest agent for the app in --home: fetch its keys from a KMS, serve /GetKey, /GetQuote, /Info, …',
    )
    .requiredOption('--home <dir>', "the app's home directory (its custos.toml describes its TEE and compose file)")
    .requiredOption('--kms <url>', 'KMS base URL, e.g. https://kms.example:8000')
    .option('--socket <path>', 'unix socket to serve on', '/var/run/dstack.sock')
    .option(
      '--tappd-socket <path>',
      "unix socket for the legacy Tappd API (the SDK's TappdClient) (default: tappd.sock beside --socket)",
    )
    .option('--no-tappd-socket', 'do not serve the legacy Tappd API on a socket')
    .option(
      '--port <port>',
      "also serve dstack's external Worker API on this loopback TCP port: /prpc/Worker.Info, .Version, .GetAttestationForAppKey (no keys)",
    )
    .option(
      '--simulator-port <port>',
      'SIMULATOR ONLY, needs --dev: serve the FULL internal API (the app PRIVATE KEYS) on this loopback TCP port instead, for DSTACK_SIMULATOR_ENDPOINT=http://127.0.0.1:<port>',
    )
    .option('--dev', 'allow the INSECURE simulated TEE (and --simulator-port)')
    .action(
      async (opts: {
        home: string
        kms: string
        socket: string
        tappdSocket?: string | false
        port?: string
        simulatorPort?: string
        dev?: boolean
      }) => {
        const cfg = loadConfigFile(opts.home)
        const teeSimulated = cfg.tee.platform === 'simulated'
        if ((teeSimulated || cfg.attestation.trust_simulated) && !opts.dev)
          throw new Error('this app is configured for the simulated TEE: pass --dev (development only)')
        if (opts.port !== undefined && opts.simulatorPort !== undefined)
          throw new Error('give --port (external Worker API) or --simulator-port (full internal API), not both')
        if (opts.simulatorPort !== undefined) assertSimulatorPortAllowed({ dev: opts.dev === true, teeSimulated })
        const rawPort = opts.simulatorPort ?? opts.port
        const port =
          rawPort === undefined
            ? undefined
            : parsePort(rawPort, opts.simulatorPort !== undefined ? '--simulator-port' : '--port')
        const logger = createRootLogger({ level: cfg.node.log_level, name: 'agent' })
        const agent = await startAgentFor(cfg, {
          kmsUrl: opts.kms,
          socketPath: resolve(opts.socket),
          ...(opts.tappdSocket !== undefined
            ? { tappdSocketPath: opts.tappdSocket === false ? false : resolve(opts.tappdSocket) }
            : {}),
          ...(port !== undefined ? { port } : {}),
          ...(opts.simulatorPort !== undefined ? { internalApiOnPort: true } : {}),
          logger,
        })
        const ep = agent.endpoints
        const http = ep.httpUrl
          ? opts.simulatorPort !== undefined
            ? `, SIMULATOR full internal API (private keys) on ${ep.httpUrl}`
            : `, external Worker API ${ep.httpUrl}/prpc/Worker.<Method>`
          : ''
        process.stdout.write(
          `guest agent ready${ep.socketPath ? `: unix socket ${ep.socketPath}` : ''}${ep.tappdSocketPath ? `, Tappd ${ep.tappdSocketPath}` : ''}${http}\n`,
        )
        const stop = async () => {
          await agent.stop()
          process.exit(0)
        }
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      },
    )
}
