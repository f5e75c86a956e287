import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { DEFAULTS_TOML, devConfigToml, emptyPolicyJson } from '../node/index.js'

export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description('write a documented custos.toml (and a deny-all policy.json) into a home directory')
    .requiredOption('--home <dir>', 'node home directory')
    .option('--dev', 'configure the INSECURE simulated TEE (laptops and CI only)')
    .option('--force', 'overwrite an existing custos.toml')
    .action((opts: { home: string; dev?: boolean; force?: boolean }) => {
      const home = resolve(opts.home)
      const file = resolve(home, 'custos.toml')
      if (existsSync(file) && !opts.force) {
        process.stderr.write(`error: ${file} exists; pass --force to overwrite it\n`)
        process.exitCode = 1
        return
      }
      mkdirSync(home, { recursive: true, mode: 0o700 })
      writeFileSync(file, opts.dev ? devConfigToml() : DEFAULTS_TOML, { mode: 0o600 })
      const policy = resolve(home, 'policy.json')
      if (!existsSync(policy)) writeFileSync(policy, emptyPolicyJson(), { mode: 0o600 })
      process.stdout.write(
        `wrote ${file}\n` +
          `wrote ${policy} (denies everything until you allow OS images, KMS measurements and apps)\n` +
          `next: custos start --home ${opts.home}${opts.dev ? ' --dev' : ''}\n`,
      )
    })
}
