import { describe, expect, it } from 'vitest'
import * as store from './index.js'

describe('store public surface', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(store).sort()).toEqual(
      [
        'CommitteeStoreError',
        'EpochStateStore',
        'NONCE_DOMAIN',
        'NonceStore',
        'ShareStore',
        'openCommitteeStore',
        'MAX_RECORD_CHARS',
        'MAX_SECRET_BYTES',
        'RecordStore',
        'SEAL_VERSION',
        'STORE_DOMAIN',
        'STORE_FILE',
        'SecretStore',
        'StoreError',
        'deriveStoreKey',
        'migrate',
        'openDatabase',
        'openStore',
        'seal',
        'secretAad',
        'unseal',
      ].sort(),
    )
  })
})
