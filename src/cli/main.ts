import 'reflect-metadata'
import { Command, CommanderError } from 'commander'
import { CustosError } from '../errors.js'
import { registerCommands } from './commands.js'

const program = new Command()
  .name('custos')
  .description(
    'Custos: attested key management for TEEs (SGX, TDX, Nitro). dstack-compatible KMS; simulated TEE for laptops and CI.',
  )
  .version('0.1.0')
  .showHelpAfterError('(run `custos --help` for usage)')
  .exitOverride()
  .enablePositionalOptions()

await registerCommands(program, process.argv.slice(2))

try {
  await program.parseAsync(process.argv)
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode)
  if (e instanceof CustosError) {
    process.stderr.write(`error: ${e.shortMessage}\n`)
    process.exit(1)
  }
  // Unexpected errors: the message, and the stack only when asked for (CUSTOS_DEBUG=1).
  const err = e as Error
  process.stderr.write(`error: ${process.env.CUSTOS_DEBUG ? (err?.stack ?? String(e)) : (err?.message ?? String(e))}\n`)
  process.exit(1)
}
