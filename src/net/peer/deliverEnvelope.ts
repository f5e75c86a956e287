import { PeerError } from './errors.js'
import { backoffMs, type PeerLink } from './peerLink.js'
import type { PeerLimits } from './types.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)))

/**
 * Deliver one signed envelope over `link` within `timeoutMs`: wait for the link, send, and retry (at most
 * `sendAttempts`, with backoff) on a transport failure or a `backpressure` answer. A `replayed` answer to a retry
 * counts as delivered (an earlier attempt got through and only its ack was lost); any other refusal is final
 * (PEER_REJECTED, meta.reason = the drop reason). Otherwise PEER_UNREACHABLE with the last failure as reason.
 */
export async function deliverEnvelope(
  link: PeerLink,
  bytes: Uint8Array,
  timeoutMs: number,
  limits: Pick<PeerLimits, 'sendAttempts' | 'backoffBaseMs' | 'backoffMaxMs'>,
  isClosed: () => boolean,
): Promise<void> {
  const id = link.entry.member.id
  const end = Date.now() + timeoutMs
  let last = 'unreachable'
  for (let attempt = 1; ; attempt++) {
    if (end - Date.now() <= 0 || isClosed()) break
    try {
      await link.whenReady(end - Date.now())
      const r = await link.post(bytes, Math.max(1, end - Date.now()))
      if (r.accepted || (r.reason === 'replayed' && attempt > 1)) return
      if (r.reason !== 'backpressure') {
        const reason = r.reason ?? 'unknown'
        throw new PeerError('PEER_REJECTED', `member ${id} refused the message (${reason})`, { peer: id, reason })
      }
      last = 'backpressure'
    } catch (e) {
      if (e instanceof PeerError && (e.code === 'PEER_REJECTED' || e.code === 'PEER_CLOSED')) throw e
      last = e instanceof PeerError ? String(e.meta.reason ?? e.code) : ((e as NodeJS.ErrnoException).code ?? 'error')
    }
    if (attempt >= limits.sendAttempts) break
    await sleep(Math.min(backoffMs(attempt, limits.backoffBaseMs, limits.backoffMaxMs), end - Date.now()))
  }
  throw new PeerError('PEER_UNREACHABLE', `member ${id} could not be reached (${last})`, { peer: id, reason: last })
}
