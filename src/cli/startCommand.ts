import type { Command } from 'commander'
import { loadConfigFile, startNode } from '../node/index.js'

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('run a Custos node from its home directory')
    .requiredOption('--home <dir>', 'node home directory (holds custos.toml)')
    .option('--config <file>', 'config file (default <home>/custos.toml)')
    .option('--dev', 'allow the INSECURE simulated TEE and dev policy')
    .action(async (opts: { home: string; config?: string; dev?: boolean }) => {
      const cfg = loadConfigFile(opts.home, opts.config)
      const node = await startNode(cfg, { dev: Boolean(opts.dev) })
      const stop = async () => {
        await node.close()
        process.exit(0)
      }
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
    })
}
