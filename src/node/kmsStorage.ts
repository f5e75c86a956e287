import { z } from 'zod'
import { concatBytes, SecretBytes, utf8ToBytes } from '../crypto/index.js'
import type { KmsMaterial, KmsStorage } from '../kms/index.js'
import type { Logger } from '../log.js'
import type { Store } from '../store/index.js'
import { NodeError } from './errors.js'

/**
 * One sealed blob holds everything: root CA key ‖ root k256 key ‖ temp CA key (32 bytes each) ‖ UTF-8 JSON of
 * the public part (certificates, domain, bootstrap info). Sealed means AES-256-GCM under the TEE sealing key with
 * the record name as AAD, so the host can neither read nor change nor swap any of it, and keys and
 * certificates can only be replaced together.
 */
const MATERIAL = 'kms/material-v2'
/**
 * The layout of older Custos versions: three sealed keys under these names plus a PLAIN record. Loaded once,
 * checked against the keys by the KMS, then rewritten as MATERIAL and deleted. The host cannot bring it back
 * later: it cannot seal new blobs under these names (only restore a whole old database, which is rollback).
 */
const LEGACY_KEYS = { rootCa: 'kms/root-ca-key', rootK256: 'kms/root-k256-key', tmpCa: 'kms/tmp-ca-key' } as const
const LEGACY_RECORD = 'kms/material'
const KEY_BYTES = 32

const PublicPartSchema = z
  .object({
    rootCaCertPem: z.string().min(1),
    tmpCaCertPem: z.string().min(1),
    domain: z.string().min(1),
    bootstrapInfo: z.object({ ca_pubkey: z.string(), k256_pubkey: z.string(), attestation: z.string() }).optional(),
  })
  .strict()
type PublicPart = z.infer<typeof PublicPartSchema>

const inconsistent = (what: string) =>
  new NodeError(
    'NODE_STORE_INCONSISTENT',
    `the KMS material in the store ${what}; restore custos.db from a backup of this node or re-onboard it`,
  )

function parsePublic(json: unknown): PublicPart {
  const r = PublicPartSchema.safeParse(json)
  if (!r.success) throw inconsistent('is malformed')
  return r.data
}

function sealMaterial(m: KmsMaterial): SecretBytes {
  const pub: PublicPart = {
    rootCaCertPem: m.rootCaCertPem,
    tmpCaCertPem: m.tmpCaCertPem,
    domain: m.domain,
    ...(m.bootstrapInfo ? { bootstrapInfo: m.bootstrapInfo } : {}),
  }
  return new SecretBytes(
    concatBytes(m.rootCaKey.expose(), m.rootK256Key.expose(), m.tmpCaKey.expose(), utf8ToBytes(JSON.stringify(pub))),
  )
}

function putMaterial(store: Store, m: KmsMaterial): void {
  const blob = sealMaterial(m)
  try {
    store.secrets.put(MATERIAL, blob)
  } finally {
    blob.wipe()
  }
}

function unsealMaterial(blob: SecretBytes): KmsMaterial {
  const b = blob.expose()
  try {
    if (b.length <= 3 * KEY_BYTES) throw inconsistent('is truncated')
    const key = (i: number) => new SecretBytes(b.slice(i * KEY_BYTES, (i + 1) * KEY_BYTES))
    let json: unknown
    try {
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(3 * KEY_BYTES)))
    } catch {
      throw inconsistent('is malformed')
    }
    return { ...parsePublic(json), rootCaKey: key(0), rootK256Key: key(1), tmpCaKey: key(2) }
  } finally {
    blob.wipe()
  }
}

/**
 * KMS material in the sealed store, written in one transaction. Whether the certificates and bootstrap info
 * match the keys is checked by the KMS on every load (`verifyKmsMaterial`).
 */
export function kmsStorage(store: Store, logger?: Logger): KmsStorage {
  return {
    load(): KmsMaterial | undefined {
      const blob = store.secrets.get(MATERIAL)
      if (blob) return unsealMaterial(blob)
      const rootCaKey = store.secrets.get(LEGACY_KEYS.rootCa)
      const rootK256Key = store.secrets.get(LEGACY_KEYS.rootK256)
      const tmpCaKey = store.secrets.get(LEGACY_KEYS.tmpCa)
      const legacy = store.records.getJson<unknown>(LEGACY_RECORD)
      if (!rootCaKey && !rootK256Key && !tmpCaKey && legacy === undefined) return undefined
      if (!rootCaKey || !rootK256Key || !tmpCaKey || legacy === undefined)
        throw inconsistent('is incomplete (keys without their record, or a record without its keys)')
      return { ...parsePublic(legacy), rootCaKey, rootK256Key, tmpCaKey }
    },
    save(m: KmsMaterial): void {
      store.transaction(() => {
        if (store.secrets.has(MATERIAL) || store.secrets.has(LEGACY_KEYS.rootCa))
          throw inconsistent('already exists (a KMS is bootstrapped once)')
        putMaterial(store, m)
      })
    },
    migrate(m: KmsMaterial): boolean {
      if (store.secrets.has(MATERIAL)) return false
      store.transaction(() => {
        putMaterial(store, m)
        for (const name of Object.values(LEGACY_KEYS)) store.secrets.delete(name)
        store.records.delete(LEGACY_RECORD)
      })
      logger?.info({}, 'KMS material sealed into one record (it was partly unsealed, written by an older Custos)')
      return true
    },
  }
}
