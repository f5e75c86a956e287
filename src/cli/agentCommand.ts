import { resolve } from 'node:path'
import type { Command } from 'commander'
import { createRootLogger, loadConfigFile, startAgentFor } from '../node/index.js'

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
    .option('--port <port>', 'also serve on this loopback TCP port (guest API and Tappd API)')
    .option('--dev', 'allow the INSECURE simulated TEE')
    .action(
      async (opts: {
        home: string
        kms: string
        socket: string
        tappdSocket?: string | false
        port?: string
        dev?: boolean
      }) => {
        const cfg = loadConfigFile(opts.home)
        if ((cfg.tee.platform === 'simulated' || cfg.attestation.trust_simulated) && !opts.dev)
          throw new Error('this app is configured for the simulated TEE: pass --dev (development only)')
        const port = opts.port === undefined ? undefined : Number(opts.port)
        if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535))
          throw new Error('--port is not a port')
        const logger = createRootLogger({ level: cfg.node.log_level, name: 'agent' })
        const agent = await startAgentFor(cfg, {
          kmsUrl: opts.kms,
          socketPath: resolve(opts.socket),
          ...(opts.tappdSocket !== undefined
            ? { tappdSocketPath: opts.tappdSocket === false ? false : resolve(opts.tappdSocket) }
            : {}),
          ...(port !== undefined ? { port } : {}),
          logger,
        })
        const ep = agent.endpoints
        process.stdout.write(
          `guest agent ready${ep.socketPath ? `: unix socket ${ep.socketPath}` : ''}${ep.tappdSocketPath ? `, Tappd ${ep.tappdSocketPath}` : ''}${ep.httpUrl ? `, ${ep.httpUrl}` : ''}\n`,
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
