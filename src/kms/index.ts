export { bootstrapKeys, randomScalar } from './bootstrap.js'
export { createAttestedCert, createRootCaCert, createTmpCaCert } from './certs.js'
// Pure dstack crypto reused by the app agent (guest getKey, SignCert CSRs).
export {
  type CertConfigV2,
  CSR_CONFIRM,
  encodeCsrV2,
  getGuestKey,
  k256PublicKey,
  normalizeGuestKeyAlgorithm,
  PREFIX_KMS_ISSUED,
  recoverMessageSigner,
} from './crypto/index.js'
export { KmsError } from './errors.js'
export { onboardFrom } from './onboard.js'
export type { RpcCall, RpcMethod, RpcPeer } from './rpcMethod.js'
export { KmsService } from './service.js'
export type { BootstrapInfo, KmsDeps, KmsMaterial, KmsOptions, KmsStorage } from './types.js'
export { verifyKmsMaterial } from './verifyMaterial.js'
