import type { Command } from 'commander'
import { createRootLogger, listen, loadConfigFile, policyConfigFromNode } from '../node/index.js'
import { createAuthApp, createPolicy } from '../policy/index.js'

/**
 * The node's `[policy]` section as a `createPolicy` config: `file` resolved against the home directory,
 * `webhook_url` / `webhook_timeout_ms` for `backend = "webhook"` (read loosely so this works before and
 * after the node's config schema knows those keys).
 */
/** "127.0.0.1:8090" / "[::1]:8090" → host and port (0 = any free port). */
export function parseListen(addr: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(addr)
  const port = Number(m?.[2])
  if (!m || port > 65535) throw new Error(`--listen ${JSON.stringify(addr)} is not host:port, e.g. 127.0.0.1:8070`)
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port }
}

export function registerPolicyCommand(program: Command): void {
  const policy = program
    .command('policy')
    .description('policy tools (the rules deciding which apps and KMS peers get keys)')
  policy
    .command('serve')
    .description(
      "serve this node's policy as a dstack auth API (POST /bootAuth/app, /bootAuth/kms, GET /) for dstack KMSes or other Custos nodes",
    )
    .requiredOption('--home <dir>', 'node home directory (its custos.toml [policy] section is served)')
    .option(
      '--listen <host:port>',
      'address to listen on (plain HTTP; keep it on loopback or a private network); not 8090, the agent port',
      '127.0.0.1:8070',
    )
    .option('--dev', 'allow serving the INSECURE dev policy (allows everything)')
    .action(async (opts: { home: string; listen: string; dev?: boolean }) => {
      const { host, port } = parseListen(opts.listen)
      const cfg = loadConfigFile(opts.home)
      const pc = policyConfigFromNode(cfg)
      if (pc.backend === 'dev' && !opts.dev)
        throw new Error('the configured policy is "dev" (allows everything): pass --dev to serve it (development only)')
      const logger = createRootLogger({ level: cfg.node.log_level, name: 'policy-serve' })
      const pol = createPolicy(pc, logger.child({ module: 'policy' }))
      const l = await listen(
        createAuthApp(pol, { logger: logger.child({ module: 'auth-api' }) }),
        `${host.includes(':') ? `[${host}]` : host}:${port}`,
      )
      process.stdout.write(`policy auth API (backend ${pol.kind}) listening on ${l.url}/\n`)
      const stop = () => {
        void l
          .close()
          .then(() => pol.close())
          .finally(() => process.exit(0))
      }
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
}
