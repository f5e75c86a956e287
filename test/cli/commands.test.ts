import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { COMMANDS, registerCommands } from '../../src/cli/commands.js'

describe('lazily loaded top-level commands', () => {
  it.each(COMMANDS.map((c) => [c.name, c] as const))('%s: the listing matches the command it loads', async (_n, c) => {
    const program = new Command()
    ;(await c.load())(program)
    expect(program.commands.map((x) => x.name())).toEqual([c.name])
    expect(program.commands[0]?.description()).toBe(c.description)
  })

  it('registers the named command in full and the others as listing stubs', async () => {
    const program = new Command()
    await registerCommands(program, ['signer', 'deposit', '--help'])
    expect(program.commands.map((x) => x.name())).toEqual(COMMANDS.map((c) => c.name))
    const signer = program.commands.find((x) => x.name() === 'signer')
    expect(signer?.commands.map((x) => x.name())).toContain('deposit')
    expect(program.commands.find((x) => x.name() === 'start')?.options).toEqual([])
  })

  it('`help <command>` loads that command', async () => {
    const program = new Command()
    await registerCommands(program, ['help', 'start'])
    expect(program.commands.find((x) => x.name() === 'start')?.options.map((o) => o.long)).toContain('--home')
  })
})
