import { createHash, timingSafeEqual } from 'node:crypto'
import { KmsError } from './errors.js'

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest()

/**
 * The admin listener's credential check, as dstack's shared HTTP authenticator reads it for the KMS admin API:
 * the token in `X-Admin-Token: <token>` or `Authorization: Bearer <token>`. Missing and wrong tokens are both
 * refused with 401 (dstack does not tell them apart, so neither do we). Tokens are compared as SHA-256 digests in
 * constant time, so neither their length nor a prefix leaks through timing. dstack's htpasswd (Basic) and
 * `insecure_no_auth` are not offered: the admin listener always needs the token.
 * @throws KmsError KMS_ADMIN_UNAUTHORIZED
 */
export function checkAdminToken(token: string): (header: (name: string) => string | undefined) => void {
  if (token.length < 16) throw new RangeError('the admin token must be at least 16 characters')
  const expected = digest(token)
  const matches = (t: string | undefined): boolean => t !== undefined && timingSafeEqual(digest(t.trim()), expected)
  return (header) => {
    const bearer = /^Bearer (.*)$/.exec(header('authorization') ?? '')?.[1]
    if (matches(header('x-admin-token')) || matches(bearer)) return
    throw new KmsError(
      'KMS_ADMIN_UNAUTHORIZED',
      'the admin API needs the admin token: send "Authorization: Bearer <token>" or "X-Admin-Token: <token>"',
    )
  }
}
