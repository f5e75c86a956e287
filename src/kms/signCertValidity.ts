/**
 * Validity of what SignCert issues. dstack passes the CSR's not_before/not_after to rcgen unchecked (default:
 * now → now + 10 years), so `notBefore = 0, notAfter = 2^62` gave a leaf from 1970 to a wrapped 1899. Here
 * the app CA lives inside the root CA's validity, starting at most SIGN_CERT_BACKDATE_SECONDS before now,
 * and a leaf must fit inside the app CA and last at most `maxDays` (default dstack's 10 years).
 */
import { KmsError } from './errors.js'

/** dstack's default leaf lifetime (rcgen: now + 10 × 365 days), the default of `[kms] sign_cert_max_validity_days`. */
export const SIGN_CERT_DEFAULT_MAX_VALIDITY_DAYS = 3650
/** How far before now a certificate may start (clients backdate a little for clock skew). */
export const SIGN_CERT_BACKDATE_SECONDS = 3600

/** Unix seconds. */
export interface ValidityWindow {
  notBefore: number
  notAfter: number
}

const LAST_X509_SECOND = 253402300799n // 9999-12-31T23:59:59Z

const iso = (s: bigint): string =>
  s >= 0n && s <= LAST_X509_SECOND ? new Date(Number(s) * 1000).toISOString().replace('.000Z', 'Z') : 'out of range'
const show = (s: bigint): string => `${s} (${iso(s)})`

const bad = (message: string) => new KmsError('KMS_BAD_VALIDITY', message)

/** The app CA's validity for a SignCert at `now`: inside the root CA's, starting at most the backdate allowance before now. */
export function appCaValidity(root: ValidityWindow, now: number): ValidityWindow {
  return { notBefore: Math.max(root.notBefore, now - SIGN_CERT_BACKDATE_SECONDS), notAfter: root.notAfter }
}

/**
 * The leaf's validity from the CSR's optional bounds: absent not_before = now, absent not_after = not_before +
 * maxDays (or the CA's end, if sooner). Anything outside the CA's window or longer than maxDays is a 400
 * KMS_BAD_VALIDITY saying which bound and what is allowed (nothing is silently clamped).
 */
export function leafValidity(
  requested: { notBefore?: bigint; notAfter?: bigint },
  ca: ValidityWindow,
  now: number,
  maxDays: number,
): ValidityWindow {
  const caFrom = BigInt(ca.notBefore)
  const caTo = BigInt(ca.notAfter)
  const maxSeconds = BigInt(maxDays) * 86400n
  const nb = requested.notBefore ?? BigInt(Math.max(now, ca.notBefore))
  if (nb < caFrom)
    throw bad(
      `not_before ${show(nb)} is too early: certificates start at ${show(caFrom)} at the earliest ` +
        `(at most ${SIGN_CERT_BACKDATE_SECONDS} s before now, and not before the KMS CA)`,
    )
  if (nb >= caTo) throw bad(`not_before ${show(nb)} is not before the issuing CA expires (${show(caTo)})`)
  const na = requested.notAfter ?? (nb + maxSeconds < caTo ? nb + maxSeconds : caTo)
  if (na <= nb) throw bad(`not_after ${show(na)} must be later than not_before ${show(nb)}`)
  if (na > caTo) throw bad(`not_after ${show(na)} is later than the issuing CA's notAfter ${show(caTo)}`)
  if (na - nb > maxSeconds) {
    const days = Number(na - nb) / 86400
    throw bad(
      `the requested validity of ${Number.isInteger(days) ? days : days.toFixed(2)} days exceeds this KMS's ` +
        `maximum of ${maxDays} days ([kms] sign_cert_max_validity_days)`,
    )
  }
  return { notBefore: Number(nb), notAfter: Number(na) }
}
