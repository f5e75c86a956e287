import type { BootstrapInfo, KmsMaterial, KmsStorage } from '../kms/index.js'
import type { Store } from '../store/index.js'

const SECRET = { rootCa: 'kms/root-ca-key', rootK256: 'kms/root-k256-key', tmpCa: 'kms/tmp-ca-key' } as const
const RECORD = 'kms/material'

interface MaterialRecord {
  rootCaCertPem: string
  tmpCaCertPem: string
  domain: string
  bootstrapInfo?: BootstrapInfo
}

/** KMS material in the sealed store: three sealed secrets plus one public record, written in one transaction. */
export function kmsStorage(store: Store): KmsStorage {
  return {
    load(): KmsMaterial | undefined {
      const rec = store.records.getJson<MaterialRecord>(RECORD)
      if (!rec) return undefined
      const rootCaKey = store.secrets.get(SECRET.rootCa)
      const rootK256Key = store.secrets.get(SECRET.rootK256)
      const tmpCaKey = store.secrets.get(SECRET.tmpCa)
      if (!rootCaKey || !rootK256Key || !tmpCaKey)
        throw new Error('KMS store is inconsistent: material record without keys')
      return { ...rec, rootCaKey, rootK256Key, tmpCaKey }
    },
    save(m: KmsMaterial): void {
      store.transaction(() => {
        if (store.records.getJson(RECORD)) throw new Error('KMS material already stored')
        store.secrets.putAll({
          [SECRET.rootCa]: m.rootCaKey,
          [SECRET.rootK256]: m.rootK256Key,
          [SECRET.tmpCa]: m.tmpCaKey,
        })
        const rec: MaterialRecord = {
          rootCaCertPem: m.rootCaCertPem,
          tmpCaCertPem: m.tmpCaCertPem,
          domain: m.domain,
          ...(m.bootstrapInfo ? { bootstrapInfo: m.bootstrapInfo } : {}),
        }
        store.records.putJson(RECORD, rec)
      })
    },
  }
}
