/**
 * dstack's *external* guest-agent service (`service Worker` in agent_rpc.proto, `ExternalRpcHandler` in
 * rpc_service.rs), what a dstack guest serves on its public port 8090 at `/prpc/Worker.<Method>`: app info,
 * the agent version, and a quote binding the app's signing public key. Nothing here returns key material: the
 * internal API (GetKey, GetTlsKey, Sign, the Tappd key derivations, …) stays on the unix sockets.
 */
import type { Hono } from 'hono'
import { utf8ToBytes } from '../crypto/index.js'
import { AgentError } from './errors.js'
import { appGuestKey } from './getKey.js'
import { createMethodApp, GUEST_API_REV, GUEST_API_VERSION, type GuestHandler, trimMethodPrefix } from './guestApi.js'
import type { GuestContext } from './guestContext.js'
import { GetAttestationForAppKeyArgs, parseArgs } from './guestInput.js'
import { handleInfo, type InfoReply } from './info.js'
import { type GetQuoteReply, pad64, quoteResponse } from './quote.js'

/**
 * app-compose `public_tcbinfo` (dstack-types: `#[serde(default = "default_true")]`): false hides `tcb_info`
 * and `vm_config` from the external Info. A compose that is absent or not JSON keeps dstack's default.
 */
export function publicTcbInfo(appCompose: string): boolean {
  try {
    const v = (JSON.parse(appCompose) as { public_tcbinfo?: unknown }).public_tcbinfo
    return v !== false
  } catch {
    return true
  }
}

/** `Worker.Info` (dstack `get_info(state, external = true)`): Info, minus tcb_info/vm_config unless public. */
export async function handleWorkerInfo(ctx: GuestContext): Promise<InfoReply> {
  const info = await handleInfo(ctx)
  return publicTcbInfo(ctx.appCompose) ? info : { ...info, tcb_info: '', vm_config: '' }
}

/** The report_data label per algorithm: `dip1::<label>:<base64url(pubkey)>`, zero-padded to 64 bytes. */
const APP_KEY_LABELS = { ed25519: 'ed25519-pk', secp256k1: 'secp256k1c-pk' } as const

/**
 * `Worker.GetAttestationForAppKey {algorithm}` → GetQuoteResponse over report_data
 * `dip1::ed25519-pk:<b64url>` or `dip1::secp256k1c-pk:<b64url of the compressed key>`: the public key of the
 * app's `/Sign` key (GetKey path "vms", purpose "signing"), so an outside verifier can trust `/Sign`
 * signatures. dstack accepts ed25519, secp256k1 and k256 here: `""` passes its get_key but not the second
 * match, and `secp256k1_prehashed` fails get_key; both are refused the same way.
 */
export async function handleGetAttestationForAppKey(ctx: GuestContext, input: unknown): Promise<GetQuoteReply> {
  const { algorithm } = parseArgs(GetAttestationForAppKeyArgs, input)
  const alg = algorithm === 'k256' ? 'secp256k1' : algorithm
  if (alg !== 'ed25519' && alg !== 'secp256k1')
    throw new AgentError('AGENT_UNSUPPORTED_ALGORITHM', 'Unsupported algorithm (use ed25519, secp256k1 or k256)')
  const { publicKey } = appGuestKey(ctx, 'vms', 'signing', alg)
  const text = `dip1::${APP_KEY_LABELS[alg]}:${Buffer.from(publicKey).toString('base64url')}`
  return quoteResponse(ctx, pad64(utf8ToBytes(text)))
}

/** The external `Worker` service's methods (dstack ≥ 0.5.8; 0.5.3–0.5.7 had Info and Version only). */
export const WORKER_METHODS: Record<string, GuestHandler> = {
  Info: (ctx) => handleWorkerInfo(ctx),
  Version: () => ({ version: GUEST_API_VERSION, rev: GUEST_API_REV }),
  GetAttestationForAppKey: handleGetAttestationForAppKey,
}

/** `/prpc/Worker.Info` and `/prpc/Info` are one method (dstack: `prpc_routes!(…, trim: "Worker.")`). */
export function workerMethodName(name: string): string {
  return trimMethodPrefix(name, 'Worker.')
}

/**
 * What dstack's external port answers: `/prpc/[Worker.]<Method>` for the Worker methods, 404 for everything
 * else (the internal methods included), with dstack's `X-App-Version` header. dstack also serves an HTML
 * dashboard at `/` (and `/logs`, `/metrics` when the compose makes them public); Custos does not.
 */
export function createWorkerApi(ctx: GuestContext): Hono {
  return createMethodApp(
    ctx,
    [{ path: '/prpc/:method', service: 'Worker', methods: WORKER_METHODS, methodName: workerMethodName }],
    { 'x-app-version': `v${GUEST_API_VERSION} (${GUEST_API_REV})` },
  )
}
