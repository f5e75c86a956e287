/**
 * Moved: the dstack crypto is a foundation now, `src/crypto/dstack/` (import it from `crypto/index.js`). This file
 * stays only for `bench/kms.ts`, which is being rewritten elsewhere; delete it once that imports from crypto/.
 */
export { deriveAppKeys } from '../../crypto/index.js'
