export { concatBytes, equalBytes, isZero, padRight, utf8ToBytes } from './bytes.js'
export type { Tlv as DerTlv } from './der.js'
export * as der from './der.js'
export { DerError } from './der.js'
export { fromHex, isHex, toHex } from './hex.js'
export { ScaleError, ScaleReader, ScaleWriter } from './scale.js'
export { SecretBytes } from './secretBytes.js'
export type {
  CertExtensionInput,
  CertIssuer,
  CertificateOptions,
  CertTime,
  DistinguishedName,
  KeyUsageName,
  X509Cert,
} from './x509Certs.js'
export {
  createSelfSignedCa,
  createSelfSignedCertificate,
  issueCertificate,
  TEN_YEARS_SECONDS,
} from './x509Certs.js'
export type { P256KeyPair, WebCryptoKey } from './x509Keys.js'
export {
  derToPem,
  encodeP256Pkcs8,
  exportP256Scalar,
  exportPkcs8Der,
  exportPkcs8Pem,
  exportSpkiDer,
  generateP256KeyPair,
  importPkcs8Der,
  importPkcs8Pem,
  importSpkiDer,
  p256KeyPairFromScalar,
  pemBlocksToDer,
  pemToDer,
} from './x509Keys.js'
export type { CertExtension, ParsedCertificate } from './x509Parse.js'
export { getCertExtension, isSignedBy, parseCertificate } from './x509Parse.js'
