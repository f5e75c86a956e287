import { Command } from 'commander'

/** The output hooks a command takes instead of process.stdout/stderr/exitCode (attest, mpc). */
export interface CommandIo {
  out: (text: string) => void
  err: (text: string) => void
  exitCode: (code: number) => void
}

/**
 * Run one command in this process with captured output: `register` adds it to a fresh program with capturing
 * hooks, then `args` are parsed. `code` is `initialCode` unless the command set one.
 */
export async function runCommand(
  register: (program: Command, io: CommandIo) => void,
  args: readonly string[],
  initialCode = 0,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  let code = initialCode
  const program = new Command().exitOverride().enablePositionalOptions()
  register(program, {
    out: (t) => {
      stdout += t
    },
    err: (t) => {
      stderr += t
    },
    exitCode: (c) => {
      code = c
    },
  })
  await program.parseAsync(['node', 'custos', ...args])
  return { code, stdout, stderr }
}
