/** The KMS's pure dstack crypto the agent reuses (guest getKey derivation, SignCert CSR encoding). */
export {
  type CertConfigV2,
  CSR_CONFIRM,
  encodeCsrV2,
  getGuestKey,
  normalizeGuestKeyAlgorithm,
} from '../kms/index.js'
