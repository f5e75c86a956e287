import { appInfoFromIdentity, decodeVersionedAttestation, encodeAppInfo } from '../attestation/index.js'
import {
  decodeCsr,
  deriveP256Key,
  issueCertificate,
  LABEL_APP_CA_KEY,
  p256KeyPairFromScalar,
  parseCertificate,
  pemToDer,
  SecretBytes,
  toHex,
  utf8ToBytes,
  verifySignCertCsr,
} from '../crypto/index.js'
import { CustosError, explain } from '../errors.js'
import { encodeRaTlsExtensionValue, RATLS_OID, raTlsExtensions, raTlsReportData } from '../net/index.js'
import type { KmsContextOf } from './context.js'
import { KmsError } from './errors.js'
import { ensureAppAllowed, ensureSelfAllowed, type SelfCheck } from './guards.js'
import { rpcMethod } from './rpcMethod.js'
import {
  appCaValidity,
  leafValidity,
  SIGN_CERT_DEFAULT_MAX_VALIDITY_DAYS,
  type ValidityWindow,
} from './signCertValidity.js'
import type { KmsMaterial } from './types.js'
import { SignCertInput, type SignCertResponse } from './wire.js'

/** The per-app CA (dstack: derive_p256_key_pair(root_ca, [app_id, "app-ca"]), signed by the root CA). */
async function appCa(m: KmsMaterial, appId: Uint8Array, validity: ValidityWindow) {
  const scalar = new SecretBytes(deriveP256Key(m.rootCaKey.expose(), [appId, utf8ToBytes(LABEL_APP_CA_KEY)]))
  const keys = await p256KeyPairFromScalar(scalar)
  const rootKeys = await p256KeyPairFromScalar(m.rootCaKey)
  const cert = await issueCertificate({
    subject: { organizationName: 'Dstack', commonName: 'Dstack App CA' },
    ca: { pathLen: 0 },
    publicKey: keys.publicKey,
    issuer: { cert: pemToDer(m.rootCaCertPem, 'CERTIFICATE'), privateKey: rootKeys.privateKey },
    extensions: raTlsExtensions({ appId, usage: 'app:ca' }),
    notBefore: validity.notBefore,
    notAfter: validity.notAfter,
  })
  return { cert, privateKey: keys.privateKey }
}

/**
 * `KMS.SignCert`: the attestation is taken from inside the CSR (not the TLS client cert), verified
 * against the CSR's key, then policy (role app) decides; the leaf is signed by the app's CA.
 */
export const signCert = (kms: KmsContextOf<'material' | 'self', SelfCheck | 'now' | 'verifier'>) =>
  rpcMethod({
    name: 'SignCert',
    input: SignCertInput,
    async run(input): Promise<SignCertResponse> {
      const m = kms.material()
      let csr: ReturnType<typeof decodeCsr>
      try {
        csr = decodeCsr(input.api_version, input.csr)
      } catch (e) {
        throw new KmsError(
          'KMS_BAD_CSR',
          `malformed CSR: ${e instanceof CustosError ? e.shortMessage : 'cannot decode'}`,
        )
      }
      try {
        verifySignCertCsr(csr, input.signature)
      } catch (e) {
        throw new KmsError('KMS_BAD_CSR', e instanceof CustosError ? e.shortMessage : 'CSR signature does not verify')
      }
      // bounded validity (dstack takes any): inside the app CA, which lives inside the root CA, at most max days
      const now = kms.deps.now()
      const caValidity = appCaValidity(parseCertificate(pemToDer(m.rootCaCertPem, 'CERTIFICATE')), now)
      const validity = leafValidity(
        { notBefore: csr.config.notBefore, notAfter: csr.config.notAfter },
        caValidity,
        now,
        kms.deps.options.signCertMaxValidityDays ?? SIGN_CERT_DEFAULT_MAX_VALIDITY_DAYS,
      )
      let identity: Awaited<ReturnType<typeof kms.deps.verifier.verify>>
      let att: ReturnType<typeof decodeVersionedAttestation>
      try {
        att = decodeVersionedAttestation(csr.attestation)
        // dstack authorises SignCert with the boot-time MR (events up to boot-mr-done), so app events emitted
        // after boot do not change which certificate an app may get.
        identity = await kms.deps.verifier.verify(att, {
          now: kms.deps.now(),
          expectedReportData: raTlsReportData(csr.pubkey),
          bootTimeMr: true,
        })
      } catch (e) {
        throw new KmsError('KMS_INVALID_QUOTE', `invalid quote in CSR: ${explain(e, 'cannot verify')}`)
      }
      await ensureSelfAllowed(kms.deps, kms.self)
      await ensureAppAllowed(kms.deps, identity)
      const cfg = csr.config
      let appInfoExt: ReturnType<typeof raTlsExtensions> = []
      if (cfg.extAppInfo) {
        // dstack's sign_csr embeds `decode_app_info(false)`: the RUNTIME MR and key-provider info, not the
        // boot-time identity authorised above. Each verifier owns its MR rules, so ask it again rather than
        // recompute registers here; only requests with ext_app_info pay for the second verification.
        let runtime: typeof identity
        try {
          runtime = await kms.deps.verifier.verify(att, {
            now: kms.deps.now(),
            expectedReportData: raTlsReportData(csr.pubkey),
          })
        } catch (e) {
          throw new KmsError('KMS_INVALID_QUOTE', `invalid quote in CSR: ${explain(e, 'cannot verify')}`)
        }
        const content = encodeAppInfo(appInfoFromIdentity(runtime, att.runtimeEvents))
        appInfoExt = [{ oid: RATLS_OID.appInfo, critical: false, value: encodeRaTlsExtensionValue(content) }]
      }
      const ca = await appCa(m, identity.appId, caValidity)
      const leaf = await issueCertificate({
        subject: { commonName: cfg.subject, ...(cfg.orgName ? { organizationName: cfg.orgName } : {}) },
        altNames: cfg.subjectAltNames,
        serverAuth: cfg.usageServerAuth,
        clientAuth: cfg.usageClientAuth,
        publicKey: csr.pubkey,
        issuer: { cert: ca.cert, privateKey: ca.privateKey },
        // dstack's order (CertRequest::into_cert_params): app id, app info, usage, attestation
        extensions: [
          ...raTlsExtensions({ appId: identity.appId }),
          ...appInfoExt,
          ...raTlsExtensions({
            usage: 'app:custom',
            ...(cfg.extQuote ? { attestation: csr.attestation } : {}),
          }),
        ],
        notBefore: validity.notBefore,
        notAfter: validity.notAfter,
      })
      kms.deps.logger.info({ appId: toHex(identity.appId), subject: cfg.subject }, 'app certificate signed')
      return { certificate_chain: [leaf.pem, ca.cert.pem, m.rootCaCertPem] }
    },
  })
