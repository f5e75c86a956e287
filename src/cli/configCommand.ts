import type { Command } from 'commander'
import { DEFAULTS_TOML } from '../node/index.js'

export function registerConfigCommand(program: Command): void {
  program
    .command('config')
    .description('show configuration reference')
    .option('--print-defaults', 'print the documented default configuration (TOML)')
    .action((opts: { printDefaults?: boolean }) => {
      if (opts.printDefaults) process.stdout.write(DEFAULTS_TOML)
      else process.stdout.write('usage: custos config --print-defaults\n')
    })
}
