export { SignerServiceError, type SignerServiceErrorCode } from './errors.js'
export { KeyedMutex } from './keyedMutex.js'
export { type SignerKeyRow, secretName } from './keyRepository.js'
export { pubkeyHex } from './pubkeyHex.js'
export { resolveSignerNetwork, type SignerNetwork, type SignerNetworkInput } from './signerNetwork.js'
export { SignerService } from './signerService.js'
export {
  SIGNER_KEYS_DOMAIN,
  SIGNER_SLASHING_DOMAIN,
  signerKeyMigrations,
  slashingStoreMigrations,
} from './storeMigrations.js'
export type {
  DeleteResult,
  DeleteStatus,
  ImportStatus,
  KeyAttestation,
  KeystoreImport,
  ReloadStatus,
  SignerHealth,
  SignerKeyInfo,
  SignerServiceOptions,
} from './types.js'
export { verifyKeyAttestation } from './verifyKeyAttestation.js'
