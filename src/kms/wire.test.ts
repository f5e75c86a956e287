import { describe, expect, expectTypeOf, it } from 'vitest'
import { codeOf } from '../../test/support/errors.js'
import type { bootstrap } from './bootstrap.js'
import type { finish } from './finish.js'
import type { getAppEnvEncryptPubKey } from './getAppEnvEncryptPubKey.js'
import type { getAppKey } from './getAppKey.js'
import type { getAttestationInfo } from './getAttestationInfo.js'
import type { getKmsKey } from './getKmsKey.js'
import type { getMeta } from './getMeta.js'
import type { getTempCaCert } from './getTempCaCert.js'
import type { onboard } from './onboard.js'
import type { signCert } from './signCert.js'
import {
  type AttestationInfoResponse,
  assertDomain,
  type BootstrapResponse,
  type GetAppEnvEncryptPubKeyResponse,
  type GetAppKeyResponse,
  GetKmsKeyReply,
  type GetKmsKeyResponse,
  GetMetaReply,
  type GetMetaResponse,
  GetTempCaCertReply,
  type GetTempCaCertResponse,
  type OnboardResponse,
  type SignCertResponse,
} from './wire.js'

/** What a handler's `run` resolves to. */
type Reply<H extends (...a: never[]) => { run: (...a: never[]) => Promise<unknown> }> = Awaited<
  ReturnType<ReturnType<H>['run']>
>

describe('KMS wire types', () => {
  it('every handler answers with its wire type (rpcMethod keeps it)', () => {
    expectTypeOf<Reply<typeof getAppKey>>().toEqualTypeOf<GetAppKeyResponse>()
    expectTypeOf<Reply<typeof getMeta>>().toEqualTypeOf<GetMetaResponse>()
    expectTypeOf<Reply<typeof getKmsKey>>().toEqualTypeOf<GetKmsKeyResponse>()
    expectTypeOf<Reply<typeof getTempCaCert>>().toEqualTypeOf<GetTempCaCertResponse>()
    expectTypeOf<Reply<typeof getAppEnvEncryptPubKey>>().toEqualTypeOf<GetAppEnvEncryptPubKeyResponse>()
    expectTypeOf<Reply<typeof signCert>>().toEqualTypeOf<SignCertResponse>()
    expectTypeOf<Reply<typeof getAttestationInfo>>().toEqualTypeOf<AttestationInfoResponse>()
    expectTypeOf<Reply<typeof bootstrap>>().toEqualTypeOf<BootstrapResponse>()
    expectTypeOf<Reply<typeof onboard>>().toEqualTypeOf<OnboardResponse>()
    expectTypeOf<Reply<typeof finish>>().toEqualTypeOf<null>()
  })

  it('the onboarding side checks the replies it reads', () => {
    const key = '11'.repeat(32)
    expect(GetKmsKeyReply.safeParse({ temp_ca_key: 'pem', keys: [{ ca_key: 'pem', k256_key: key }] }).success).toBe(
      true,
    )
    expect(GetKmsKeyReply.safeParse({ temp_ca_key: 'pem', keys: [{ ca_key: 'pem', k256_key: 'zz' }] }).success).toBe(
      false,
    )
    expect(GetMetaReply.safeParse({ k256_pubkey: `02${key}` }).success).toBe(true)
    expect(GetMetaReply.safeParse({ k256_pubkey: key }).success).toBe(false)
    expect(GetTempCaCertReply.safeParse({ temp_ca_cert: 'a', temp_ca_key: '', ca_cert: '' }).success).toBe(false)
  })

  it('assertDomain: dstack domain rule, KMS_BAD_DOMAIN otherwise', () => {
    expect(codeOf(() => assertDomain('kms.example'))).toBeUndefined()
    for (const d of ['', '-a.example', 'a..b', 'ü.example', `${'a'.repeat(64)}.example`])
      expect(
        codeOf(() => assertDomain(d)),
        d,
      ).toBe('KMS_BAD_DOMAIN')
  })
})
