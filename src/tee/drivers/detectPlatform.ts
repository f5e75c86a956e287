import { access, stat } from 'node:fs/promises'
import type { Platform } from '../../attestation/index.js'
import { DEFAULT_DSTACK_SOCKET } from './dstackAgentDriver.js'
import { DEFAULT_GRAMINE_DIR } from './gramineDriver.js'
import { DEFAULT_TSM_DIR } from './tdxTsmDriver.js'

export const DEFAULT_NSM_DEVICE = '/dev/nsm'
/** Socket paths the dstack SDK tries (dstack-kms.md §7). */
export const DSTACK_SOCKETS = [
  DEFAULT_DSTACK_SOCKET,
  '/var/run/dstack/dstack.sock',
  '/run/dstack.sock',
  '/run/dstack/dstack.sock',
]

export interface DetectedPlatform {
  /** `[tee] platform` value that drives it */
  driver: 'dstack' | 'tdx-tsm' | 'gramine' | 'nsm'
  platform: Exclude<Platform, 'simulated'>
  /** the interface found */
  path: string
}

export interface DetectPlatformOptions {
  tsmDir?: string
  gramineDir?: string
  dstackSockets?: string[]
  nsmDevice?: string
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  )
const isSocket = (p: string) =>
  stat(p).then(
    (s) => s.isSocket(),
    () => false,
  )

/**
 * The TEE interfaces present on this machine, best first: a dstack guest agent socket (it owns RTMR3 and the KMS
 * keys, so it wins over the raw configfs-tsm inside a dstack CVM), configfs-tsm, Gramine's /dev/attestation,
 * /dev/nsm. Empty = no TEE. Presence only: the driver's first attest() proves the interface works.
 */
export async function detectPlatform(opts: DetectPlatformOptions = {}): Promise<DetectedPlatform[]> {
  const found: DetectedPlatform[] = []
  for (const s of opts.dstackSockets ?? DSTACK_SOCKETS)
    if (await isSocket(s)) {
      found.push({ driver: 'dstack', platform: 'tdx', path: s })
      break
    }
  const tsm = opts.tsmDir ?? DEFAULT_TSM_DIR
  if (await exists(tsm)) found.push({ driver: 'tdx-tsm', platform: 'tdx', path: tsm })
  const gramineQuote = `${opts.gramineDir ?? DEFAULT_GRAMINE_DIR}/quote`
  if (await exists(gramineQuote)) found.push({ driver: 'gramine', platform: 'sgx', path: gramineQuote })
  const nsm = opts.nsmDevice ?? DEFAULT_NSM_DEVICE
  if (await exists(nsm)) found.push({ driver: 'nsm', platform: 'nitro', path: nsm })
  return found
}
