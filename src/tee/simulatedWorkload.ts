import { randomBytes } from 'node:crypto'
import { sha256 } from '@noble/hashes/sha2.js'
import { composeHashOf, defaultAppIdOf, type RuntimeEvent } from '../attestation/index.js'
import { concatBytes, fromHex, utf8ToBytes } from '../crypto/index.js'

/** Identity of a workload running on the simulated TEE (what a dstack host would measure into RTMR3). */
export interface SimulatedWorkloadOptions {
  /** 20 bytes; default = sha256(appCompose)[0..20] */
  appId?: Uint8Array
  /** app-compose.json text; compose_hash = sha256 of its UTF-8 bytes */
  appCompose?: string
  /** 32 bytes; overrides the hash of appCompose */
  composeHash?: Uint8Array
  /** 20 bytes; default = sha256(random seed ‖ app_id)[0..20] as dstack does */
  instanceId?: Uint8Array
  /** measure an empty instance id (dstack `no_instance_id`) */
  noInstanceId?: boolean
  /** 32 bytes or 64 hex chars */
  osImageHash: Uint8Array | string
  /** payload of the `key-provider` event (e.g. `{"name":"kms","id":"<hex>"}`); omitted when absent */
  keyProviderInfo?: Uint8Array | string
  /** set the TD DEBUG attribute */
  debug?: boolean
  /**
   * boot as a dstack guest that takes its keys from a KMS: the measurement stops before `key-provider` and
   * `system-ready` until `recordKeyProvider` names the KMS (dstack-kms.md §5.1 steps 8–12)
   */
  awaitKeyProvider?: boolean
}

export interface ResolvedWorkload {
  appId: Uint8Array
  composeHash: Uint8Array
  instanceId: Uint8Array
  osImageHash: Uint8Array
  keyProviderInfo: Uint8Array
  debug: boolean
  awaitKeyProvider: boolean
}

const DEFAULT_COMPOSE = '{"manifest_version":2,"name":"custos-simulated-app","runner":"docker-compose"}'

export function resolveWorkload(o: SimulatedWorkloadOptions): ResolvedWorkload {
  const compose = utf8ToBytes(o.appCompose ?? DEFAULT_COMPOSE)
  const appId = o.appId ?? defaultAppIdOf(compose)
  const composeHash = o.composeHash ?? composeHashOf(compose)
  const osImageHash = typeof o.osImageHash === 'string' ? fromHex(o.osImageHash) : o.osImageHash
  if (appId.length !== 20) throw new RangeError(`appId must be 20 bytes, got ${appId.length}`)
  if (composeHash.length !== 32) throw new RangeError(`composeHash must be 32 bytes, got ${composeHash.length}`)
  if (osImageHash.length !== 32) throw new RangeError(`osImageHash must be 32 bytes, got ${osImageHash.length}`)
  const instanceId = o.noInstanceId
    ? new Uint8Array(0)
    : (o.instanceId ?? sha256(concatBytes(new Uint8Array(randomBytes(20)), appId)).slice(0, 20))
  if (instanceId.length !== 0 && instanceId.length !== 20)
    throw new RangeError(`instanceId must be 20 bytes, got ${instanceId.length}`)
  const kp = o.keyProviderInfo
  return {
    appId,
    composeHash,
    instanceId,
    osImageHash,
    keyProviderInfo: typeof kp === 'string' ? utf8ToBytes(kp) : (kp ?? new Uint8Array(0)),
    debug: o.debug ?? false,
    awaitKeyProvider: o.awaitKeyProvider ?? false,
  }
}

/**
 * The dstack boot event sequence (dstack-kms.md §5.1): system-preparing, app-id, compose-hash, instance-id,
 * boot-mr-done, os-image-hash, key-provider (if any), system-ready. App events follow later. A workload that
 * awaits its key provider stops after os-image-hash (see `SimulatedTee.recordKeyProvider`).
 */
export function simulatedBootEvents(w: ResolvedWorkload): RuntimeEvent[] {
  const ev = (event: string, payload: Uint8Array = new Uint8Array(0)): RuntimeEvent => ({ event, payload })
  const events = [
    ev('system-preparing'),
    ev('app-id', w.appId),
    ev('compose-hash', w.composeHash),
    ev('instance-id', w.instanceId),
    ev('boot-mr-done'),
    ev('os-image-hash', w.osImageHash),
  ]
  if (w.awaitKeyProvider) return events
  if (w.keyProviderInfo.length > 0) events.push(ev('key-provider', w.keyProviderInfo))
  events.push(ev('system-ready'))
  return events
}
