import { createHash } from 'node:crypto'
import { encode } from '@msgpack/msgpack'
import { AttestationError } from '../errors.js'
import type { Identity, RuntimeEvent } from '../types.js'
import { arrayOf, bytesOf, decodeMsgpack, fieldOf, type MsgpackMap, mapOf } from './msgpack.js'
import { findEventPayloads } from './runtimeEvents.js'

/**
 * dstack `AppInfo` (dstack-attest/src/attestation.rs), the content of the RA-TLS extension 1.3.6.1.4.1.62397.1.9
 * that `CaCert::sign_csr` adds when a CSR asks `ext_app_info`. dstack writes it with `rmp_serde::to_vec`, which
 * serialises a struct as a msgpack ARRAY of its fields in declaration order (not a map: that is `to_vec_named`),
 * and every byte field is `serde_human_bytes`, i.e. msgpack bin for a binary format. So the bytes are
 * `[app_id, compose_hash, instance_id, device_id, mr_system, mr_aggregated, os_image_hash, key_provider_info,
 *   init_script_hashes]` with the last one nil (None) or an array of bin.
 */
export interface DstackAppInfo {
  appId: Uint8Array
  composeHash: Uint8Array
  instanceId: Uint8Array
  deviceId: Uint8Array
  /** 32 bytes */
  mrSystem: Uint8Array
  /** 32 bytes */
  mrAggregated: Uint8Array
  osImageHash: Uint8Array
  keyProviderInfo: Uint8Array
  /** SHA-256 pins of the init scripts in execution order; undefined = the evidence does not bind them (None) */
  initScriptHashes?: Uint8Array[]
}

/** The field order of dstack's struct, which is the array order on the wire. */
const FIELDS = [
  'app_id',
  'compose_hash',
  'instance_id',
  'device_id',
  'mr_system',
  'mr_aggregated',
  'os_image_hash',
  'key_provider_info',
  'init_script_hashes',
] as const
/** `dstack_types::MAX_INIT_SCRIPTS`: dstack's decoder refuses more */
export const MAX_INIT_SCRIPTS = 5

const sha256 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest())

/** The msgpack bytes dstack puts in the AppInfo extension, byte for byte. */
export function encodeAppInfo(info: DstackAppInfo): Uint8Array {
  for (const [name, v] of [
    ['mr_system', info.mrSystem],
    ['mr_aggregated', info.mrAggregated],
  ] as const)
    if (v.length !== 32)
      throw new AttestationError('ATTESTATION_MALFORMED', `AppInfo ${name} must be 32 bytes, got ${v.length}`, {
        field: name,
      })
  // Uint8Array → bin8/16/32 and null → nil, the smallest forms, exactly as rmp writes them
  return encode([
    info.appId,
    info.composeHash,
    info.instanceId,
    info.deviceId,
    info.mrSystem,
    info.mrAggregated,
    info.osImageHash,
    info.keyProviderInfo,
    info.initScriptHashes ?? null,
  ])
}

/**
 * Read an AppInfo extension. Accepts what `rmp_serde` (and so dstack) accepts for this struct: the array form
 * dstack writes, 8 long from dstack releases before `init_script_hashes` (serde then defaults it to None), and
 * the map form (unknown keys ignored, as serde does without `deny_unknown_fields`).
 */
export function decodeAppInfo(bytes: Uint8Array): DstackAppInfo {
  const v = decodeMsgpack(bytes, 'AppInfo')
  let get: (i: number) => unknown
  if (Array.isArray(v)) {
    if (v.length !== FIELDS.length && v.length !== FIELDS.length - 1)
      throw new AttestationError('ATTESTATION_MALFORMED', `AppInfo: expected 8 or 9 fields, got ${v.length}`)
    get = (i) => (i < v.length ? v[i] : null)
  } else {
    const m: MsgpackMap = mapOf(v, 'AppInfo')
    get = (i) => {
      const name = FIELDS[i] as string
      if (name === 'init_script_hashes') return Object.hasOwn(m, name) ? m[name] : null
      return fieldOf(m, name, 'AppInfo')
    }
  }
  const b = (i: number) => bytesOf(get(i), `AppInfo.${FIELDS[i]}`)
  const info: DstackAppInfo = {
    appId: b(0),
    composeHash: b(1),
    instanceId: b(2),
    deviceId: b(3),
    mrSystem: b(4),
    mrAggregated: b(5),
    osImageHash: b(6),
    keyProviderInfo: b(7),
  }
  for (const [name, x] of [
    ['mr_system', info.mrSystem],
    ['mr_aggregated', info.mrAggregated],
  ] as const)
    if (x.length !== 32)
      throw new AttestationError('ATTESTATION_MALFORMED', `AppInfo.${name}: expected 32 bytes, got ${x.length}`, {
        field: name,
      })
  const scripts = get(8)
  if (scripts !== null) {
    const list = arrayOf(scripts, 'AppInfo.init_script_hashes').map((h) => bytesOf(h, 'AppInfo.init_script_hashes[]'))
    if (list.length > MAX_INIT_SCRIPTS)
      throw new AttestationError(
        'ATTESTATION_MALFORMED',
        `AppInfo.init_script_hashes: at most ${MAX_INIT_SCRIPTS} hashes, got ${list.length}`,
      )
    if (list.some((h) => h.length !== 32))
      throw new AttestationError('ATTESTATION_MALFORMED', 'AppInfo.init_script_hashes: each hash must be 32 bytes')
    info.initScriptHashes = list
  }
  return info
}

/**
 * dstack's `decode_app_info(false)` for evidence already verified into `identity` with the RUNTIME MR (all events,
 * key-provider included: `bootTimeMr` off), as `sign_csr` embeds it. Two fields differ from Identity on purpose,
 * because dstack fills them so: device_id is sha256 of nothing (dstack does not put the PPID hash in AppInfo), and
 * init_script_hashes is always present (Some) for TDX and Nitro evidence, the `init-script-hash` payloads
 * before `system-ready`.
 */
export function appInfoFromIdentity(identity: Identity, runtimeEvents: readonly RuntimeEvent[]): DstackAppInfo {
  return {
    appId: identity.appId,
    composeHash: identity.composeHash,
    instanceId: identity.instanceId,
    deviceId: sha256(new Uint8Array(0)),
    mrSystem: identity.mrSystem,
    mrAggregated: identity.mrAggregated,
    osImageHash: identity.osImageHash,
    keyProviderInfo: identity.keyProviderInfo,
    initScriptHashes: findEventPayloads(runtimeEvents, 'init-script-hash'),
  }
}
