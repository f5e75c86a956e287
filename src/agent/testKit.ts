/**
 * Test helpers for the agent layer (used by *.test.ts only, not exported from index.ts): a simulated machine
 * running one app with app keys from a fixed KMS root, a `GuestContext` over it, and a JSON POST to a guest API.
 */
import { createVerifier, type EvidenceVerifier } from '../attestation/index.js'
import { deriveAppK256Key, fromHex, SecretBytes } from '../crypto/index.js'
import { type Logger, memoryLogger } from '../log.js'
import { createSimulatedVendorInMemory, provisionSimulatedMachineInMemory, SimulatedTee } from '../tee/index.js'
import type { AgentAppKeys } from './appKeys.js'
import type { GuestContext } from './guestContext.js'

/** the os image hash of the simulated workload (hex) */
const OS_IMAGE_HASH = 'ab'.repeat(32)
/** the KMS root k256 key the test app keys are derived from */
export const ROOT_K256 = new Uint8Array(32).fill(7)
/** the vm_config of the test context (dstack's, with the os image hash) */
export const VM_CONFIG = JSON.stringify({ os_image_hash: OS_IMAGE_HASH })
/** an (empty) PEM certificate block: the KMS CA of the test app keys */
export const EMPTY_CA_PEM = '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n'
/** The fields of dstack's AppInfo (Info, Worker.Info), sorted. */
export const APP_INFO_KEYS = [
  'app_cert',
  'app_id',
  'app_name',
  'cloud_product',
  'cloud_vendor',
  'compose_hash',
  'device_id',
  'instance_id',
  'key_provider_info',
  'mr_aggregated',
  'os_image_hash',
  'tcb_info',
  'vm_config',
]

export const now = () => Math.floor(Date.now() / 1000)

export interface SimulatedGuest {
  machine: ConstructorParameters<typeof SimulatedTee>[0]['machine']
  tee: SimulatedTee
  /** trusts the machine's (in-memory) vendor */
  verifier: EvidenceVerifier
  /** app keys of the workload derived from ROOT_K256 */
  keys: AgentAppKeys
}

/** A fresh in-memory simulated vendor and machine running `appCompose`, its verifier and its app keys. */
export async function simulatedGuest(appCompose: string, caCertPem = EMPTY_CA_PEM): Promise<SimulatedGuest> {
  const vendor = await createSimulatedVendorInMemory()
  const machine = await provisionSimulatedMachineInMemory({ vendor })
  const tee = new SimulatedTee({ machine, workload: { appCompose, osImageHash: OS_IMAGE_HASH } })
  const verifier = createVerifier({ trustSimulated: true, simulatedRoots: [vendor] })
  const app = deriveAppK256Key(ROOT_K256, tee.workload.appId)
  const keys: AgentAppKeys = {
    diskCryptKey: new SecretBytes(new Uint8Array(32).fill(1)),
    envCryptKey: new SecretBytes(new Uint8Array(32).fill(2)),
    k256Key: new SecretBytes(app.key),
    k256Signature: app.signature,
    caCertPem,
    gatewayAppId: 'any',
    osImageHash: fromHex(OS_IMAGE_HASH),
  }
  return { machine, tee, verifier, keys }
}

export type SignedCsr = { csr: Uint8Array; sig: Uint8Array }

/** A KMS SignCert stand-in that records each request in `signed` and answers a fixed three-PEM chain. */
export const recordingSignCert =
  (signed: SignedCsr[]): GuestContext['signCert'] =>
  async (csr, sig) => {
    signed.push({ csr, sig })
    return ['leaf-pem', 'app-ca-pem', 'root-pem']
  }

/** The guest context of `guest` (its keys read when asked) for `appCompose`, with `over` applied. */
export function guestContext(
  guest: Pick<SimulatedGuest, 'tee' | 'verifier' | 'keys'>,
  base: { appCompose: string; signCert: GuestContext['signCert']; logger: Logger },
  over: Partial<GuestContext> = {},
): GuestContext {
  return {
    tee: guest.tee,
    verifier: guest.verifier,
    now,
    keys: () => guest.keys,
    vmConfig: VM_CONFIG,
    appCompose: base.appCompose,
    appCert: () => 'demo-chain',
    signCert: base.signCert,
    logger: base.logger,
    ...over,
  }
}

/**
 * Guest contexts for `appCompose` over the guest `guest()` gives when asked (set in a `beforeAll`), all logging to
 * one memory `log` and recording every SignCert request in `signed`.
 */
export function recordingContexts(guest: () => Pick<SimulatedGuest, 'tee' | 'verifier' | 'keys'>, appCompose: string) {
  const log = memoryLogger()
  const signed: SignedCsr[] = []
  const context = (over: Partial<GuestContext> = {}): GuestContext =>
    guestContext(guest(), { appCompose, signCert: recordingSignCert(signed), logger: log }, over)
  return { log, signed, context }
}

/** POST `body` (a string as is, anything else as JSON; none: empty) to `path` of a guest API app; the JSON reply. */
export async function postJson(
  app: { request: (path: string, init: RequestInit) => Response | Promise<Response> },
  path: string,
  body?: unknown,
) {
  const r = await app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await r.text()
  return { status: r.status, text, json: JSON.parse(text) as Record<string, unknown>, headers: r.headers }
}
