import { StoreError } from './errors.js'

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._:@+=/-]{0,254}$/

/**
 * Record names are short ASCII paths such as `kms/root-ca-key` or `mpc/keyshare/7/0/2`: letters,
 * digits and `. _ : @ + = / -`, starting with a letter or digit, at most 255 characters.
 */
export function assertRecordName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME_RE.test(name))
    throw new StoreError(
      'STORE_INVALID_NAME',
      `invalid record name ${JSON.stringify(typeof name === 'string' ? name.slice(0, 80) : typeof name)}: ` +
        'use 1-255 characters from A-Z a-z 0-9 . _ : @ + = / - starting with a letter or digit',
    )
}

/** SQL fragment + args selecting names under a prefix ('' = all). */
export function prefixFilter(prefix: string): { where: string; args: unknown[] } {
  if (prefix === '') return { where: '', args: [] }
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9._:@+=/-]{1,255}$/.test(prefix))
    throw new StoreError('STORE_INVALID_NAME', 'invalid name prefix: use the characters allowed in record names')
  return { where: 'WHERE substr(name, 1, ?) = ?', args: [prefix.length, prefix] }
}
