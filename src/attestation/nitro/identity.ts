import { sha256 } from '@noble/hashes/sha2.js'
import { equalBytes } from '../../crypto/index.js'
import { findEventPayload, osImageHashFromConfig } from '../dstack/index.js'
import type { Attestation, Identity } from '../types.js'
import { NitroError } from './errors.js'
import type { NitroVerdict } from './verifyNitroDocument.js'

const utf8 = new TextEncoder()
const EMPTY = new Uint8Array(0)

/**
 * Raw device id of a Nitro Enclave: the EC2 instance id at the front of module_id
 * (`i-0827e799ec9232d44-enc019b55a68bd2ed4b` → `i-0827e799ec9232d44`), as dstack's comment and dstack-kms.md §5.2
 * describe it. NOTE: dstack's code (`attestation.rs` GetDeviceId) does `split_once('-')`, which yields just `"i"`
 * for every enclave; we implement the documented intent. A module_id that is not `i-<hex>-enc<hex>` is used whole.
 */
export function nitroRawDeviceId(moduleId: string): Uint8Array {
  const m = /^(i-[0-9a-f]+)-enc[0-9a-f]+$/.exec(moduleId)
  return utf8.encode(m ? (m[1] as string) : moduleId)
}

/**
 * Map a verified Nitro document plus the dstack envelope to the shared Identity (dstack-kms.md §5.4):
 * os_image_hash = mr_system = mr_aggregated = compose_hash = sha256(PCR0‖PCR1‖PCR2); device_id = sha256(instance id);
 * instance_id empty; tcbStatus ''; report_data = user_data, which must equal the envelope's report_data.
 *
 * app_id comes from the `app-id` runtime event the client adds to the envelope. Nitro has no runtime measurement
 * register, so NOTHING binds this event: any holder of a genuine document can claim any app_id. Policy must pin
 * compose_hash (= the enclave image) per app_id; never authorise on app_id alone.
 * @throws NitroError NITRO_REPORT_DATA_MISMATCH | NITRO_OS_IMAGE_MISMATCH
 */
export function nitroIdentity(v: NitroVerdict, att: Attestation): Identity {
  const doc = v.document
  const userData = doc.userData ?? EMPTY
  if (!equalBytes(userData, att.reportData))
    throw new NitroError('NITRO_REPORT_DATA_MISMATCH', "user_data differs from the attestation's report_data", {
      field: 'user_data',
    })
  let configured: Uint8Array
  try {
    configured = osImageHashFromConfig(att.config)
  } catch (e) {
    throw new NitroError(
      'NITRO_MALFORMED',
      'the attestation config is not a dstack vm config JSON',
      { field: 'config' },
      {
        cause: e,
      },
    )
  }
  if (configured.length > 0 && !equalBytes(configured, v.osImageHash))
    throw new NitroError(
      'NITRO_OS_IMAGE_MISMATCH',
      'the os_image_hash in the attestation config differs from sha256(PCR0‖PCR1‖PCR2) of the document',
      { field: 'config' },
    )
  const pcrs: Record<number, Uint8Array> = {}
  for (const [i, value] of doc.pcrs) pcrs[i] = value
  return {
    platform: 'nitro',
    tcbStatus: '',
    advisoryIds: [],
    debug: v.debug,
    mrAggregated: v.osImageHash,
    mrSystem: v.osImageHash,
    osImageHash: v.osImageHash,
    composeHash: v.osImageHash,
    appId: findEventPayload(att.runtimeEvents, 'app-id') ?? EMPTY,
    instanceId: EMPTY,
    deviceId: sha256(nitroRawDeviceId(doc.moduleId)),
    keyProviderInfo: EMPTY,
    reportData: userData,
    measurements: { pcrs, rawDeviceId: nitroRawDeviceId(doc.moduleId) },
  }
}
