import { describe, expect, it } from 'vitest'
import { loadConfig } from '../node/config.js'
import {
  appCaValidity,
  leafValidity,
  SIGN_CERT_BACKDATE_SECONDS,
  SIGN_CERT_DEFAULT_MAX_VALIDITY_DAYS,
} from './signCertValidity.js'

const DAY = 86400
const NOW = 1_750_000_000
const root = { notBefore: NOW - 100 * DAY, notAfter: NOW + 3000 * DAY }
const ca = appCaValidity(root, NOW)

describe('SignCert validity', () => {
  it('the app CA starts at most the backdate allowance before now and ends with the root CA', () => {
    expect(ca).toEqual({ notBefore: NOW - SIGN_CERT_BACKDATE_SECONDS, notAfter: root.notAfter })
    // a root younger than the allowance bounds it instead
    expect(appCaValidity({ notBefore: NOW - 10, notAfter: NOW + DAY }, NOW).notBefore).toBe(NOW - 10)
  })

  it('defaults: from now for the maximum lifetime, cut at the CA end', () => {
    expect(leafValidity({}, ca, NOW, 30)).toEqual({ notBefore: NOW, notAfter: NOW + 30 * DAY })
    expect(leafValidity({}, ca, NOW, SIGN_CERT_DEFAULT_MAX_VALIDITY_DAYS)).toEqual({
      notBefore: NOW,
      notAfter: root.notAfter,
    })
    expect(SIGN_CERT_DEFAULT_MAX_VALIDITY_DAYS).toBe(3650)
    expect(loadConfig('/tmp/custos-home', '').kms.sign_cert_max_validity_days).toBe(3650)
  })

  it('honours a request inside the bounds exactly', () => {
    const req = { notBefore: BigInt(NOW - 600), notAfter: BigInt(NOW + 7 * DAY) }
    expect(leafValidity(req, ca, NOW, 30)).toEqual({ notBefore: NOW - 600, notAfter: NOW + 7 * DAY })
  })

  const refused: Array<[string, { notBefore?: bigint; notAfter?: bigint }, RegExp]> = [
    ['epoch start', { notBefore: 0n }, /not_before 0 \(1970-01-01T00:00:00Z\) is too early/],
    [
      '2^62 end',
      { notAfter: 2n ** 62n },
      /not_after 4611686018427387904 \(out of range\) is later than the issuing CA/,
    ],
    ['u64 max end', { notBefore: BigInt(NOW), notAfter: 2n ** 64n - 1n }, /later than the issuing CA/],
    ['start after the CA', { notBefore: BigInt(root.notAfter) }, /not before the issuing CA expires/],
    ['end before start', { notBefore: BigInt(NOW + 10), notAfter: BigInt(NOW + 5) }, /must be later than not_before/],
    ['equal bounds', { notBefore: BigInt(NOW), notAfter: BigInt(NOW) }, /must be later than not_before/],
    ['longer than the maximum', { notAfter: BigInt(NOW + 31 * DAY) }, /31 days exceeds .* maximum of 30 days/],
    ['a second too long', { notAfter: BigInt(NOW + 30 * DAY + 1) }, /30\.00 days exceeds .* 30 days/],
  ]
  for (const [name, req, message] of refused)
    it(`refuses ${name} with 400 KMS_BAD_VALIDITY`, () => {
      let err: unknown
      try {
        leafValidity(req, ca, NOW, 30)
      } catch (e) {
        err = e
      }
      expect(err).toMatchObject({ code: 'KMS_BAD_VALIDITY', status: 400 })
      expect((err as Error).message).toMatch(message)
    })
})
