import { readFileSync } from 'node:fs'
import { CustosError } from '../errors.js'
import { type DecryptedKeystore, decryptKeystore } from '../signer/index.js'
import { SignerCliError } from './signerErrors.js'

/**
 * A password file's content: everything but one trailing newline (what `echo pw > file` adds). EIP-2335
 * normalisation drops control characters anyway; spaces are kept.
 */
export function readPasswordFile(file: string): string {
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '')
  } catch {
    throw new SignerCliError('CLI_BAD_KEYSTORE', `cannot read password file ${file}`)
  }
}

/** Decrypt an EIP-2335 keystore file; errors name the file and never the password. */
export async function loadKeystoreFile(file: string, password: string): Promise<DecryptedKeystore> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    throw new SignerCliError('CLI_BAD_KEYSTORE', `cannot read keystore ${file}`)
  }
  try {
    return await decryptKeystore(text, password)
  } catch (e) {
    if (e instanceof CustosError && e.code === 'SIGNER_BAD_KEYSTORE_PASSWORD') {
      throw new SignerCliError(
        'CLI_BAD_KEYSTORE',
        `wrong password for keystore ${file}: check --password-file (one trailing newline is ignored)`,
        {},
        { cause: e },
      )
    }
    if (e instanceof CustosError) {
      throw new SignerCliError('CLI_BAD_KEYSTORE', `keystore ${file}: ${e.shortMessage}`, {}, { cause: e })
    }
    throw e
  }
}
