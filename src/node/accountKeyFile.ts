import { readFileSync, statSync } from 'node:fs'
import type { Hex } from 'viem'
import { CommitteeSourceError } from './committeeSourceErrors.js'

const fail = (message: string, file: string) =>
  new CommitteeSourceError('COMMITTEE_SOURCE_KEY_FILE', `[mpc] evm_account_key_file: ${message}`, { file })

/**
 * The node's chain account key (`[mpc] evm_account_key_file`: 0x + 64 hex, one line). It signs the node's votes
 * and pays their gas, and the host operator must be able to fund and rotate it, so it is a host file rather than
 * a sealed secret; it must at least be private to its owner: a file group or others can read or write is refused
 * (as the keymanager token file is). Messages name the file, never its content.
 */
export function readAccountKeyFile(file: string): Hex {
  let mode: number
  let text: string
  try {
    const st = statSync(file)
    if (!st.isFile()) throw fail(`${file} is not a regular file`, file)
    mode = st.mode & 0o777
    text = readFileSync(file, 'utf8').trim()
  } catch (e) {
    if (e instanceof CommitteeSourceError) throw e
    throw fail(
      `cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'}); write the account key there ` +
        `(0x + 64 hex) and run \`chmod 600 ${file}\``,
      file,
    )
  }
  // POSIX permissions only: on Windows the mode bits do not describe who can read the file
  if (process.platform !== 'win32' && (mode & 0o077) !== 0)
    throw fail(
      `${file} is accessible to group or others (mode ${mode.toString(8).padStart(4, '0')}); it holds the key of ` +
        `the node's committee account: run \`chmod 600 ${file}\` and start again`,
      file,
    )
  const h = text.replace(/^0x/i, '')
  if (!/^[0-9a-fA-F]{64}$/.test(h))
    throw fail(`${file} must hold one secp256k1 private key: 64 hex digits, optionally 0x-prefixed`, file)
  return `0x${h.toLowerCase()}`
}
