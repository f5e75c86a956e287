// Only for agent/kmsTrust.ts until its owner imports these from crypto/index.js (issue 20, item 9).
export { k256PublicKey, PREFIX_KMS_ISSUED, recoverMessageSigner } from '../crypto/index.js'
export { checkAdminToken } from './adminAuth.js'
export { bootstrapKeys, randomScalar } from './bootstrap.js'
export { createRootCaCert, createTmpCaCert } from './certs.js'
export type { KmsContext, KmsContextOf } from './context.js'
export { KmsError } from './errors.js'
export { onboardFrom } from './onboard.js'
export type { RpcCall, RpcMethod, RpcPeer } from './rpcMethod.js'
export { KmsService } from './service.js'
export type { BootstrapInfo, KmsDeps, KmsMaterial, KmsOptions, KmsStorage } from './types.js'
export { verifyKmsMaterial } from './verifyMaterial.js'
export type {
  AppIdRequest,
  AttestationInfoResponse,
  BootstrapRequest,
  BootstrapResponse,
  ClearImageCacheRequest,
  GetAppEnvEncryptPubKeyResponse,
  GetAppKeyRequest,
  GetAppKeyResponse,
  GetKmsKeyRequest,
  GetKmsKeyResponse,
  GetMetaResponse,
  GetTempCaCertResponse,
  OnboardRequest,
  OnboardResponse,
  SignCertRequest,
  SignCertResponse,
} from './wire.js'
