import { loadConfigFile, repairSignerHighWatermark } from '../node/index.js'
import type { HighWatermark } from '../signer/index.js'
import { SignerCliError } from './signerErrors.js'
import { parseUint64Option } from './signerExit.js'

export interface WatermarkRepairOptions {
  home: string
  dev?: boolean
  setHighWatermark?: boolean | string
  removeHighWatermark?: boolean | string
  epoch?: string
  slot?: string
}

export type WatermarkRepairAction = { kind: 'set'; hw: HighWatermark } | { kind: 'remove' }

export interface WatermarkRepairResult {
  action: 'set' | 'remove'
  /** The high watermark before the change, or null when none was set. */
  before: HighWatermark | null
  /** The high watermark after the change, or null when none is set. */
  after: HighWatermark | null
}

/** `--flag`, `--flag=true` or `--flag=false` (Web3Signer spells them `--set-high-watermark=true`). */
function flag(value: boolean | string | undefined, option: string): boolean {
  if (value === undefined || value === false || value === 'false') return false
  if (value === true || value === 'true') return true
  throw new SignerCliError('CLI_BAD_OPTION', `${option} takes true or false, not "${value}"`)
}

/** What the options ask for: exactly one of set (with --epoch and --slot) or remove (with neither). */
export function watermarkRepairAction(opts: WatermarkRepairOptions): WatermarkRepairAction {
  const set = flag(opts.setHighWatermark, '--set-high-watermark')
  const remove = flag(opts.removeHighWatermark, '--remove-high-watermark')
  if (set && remove) {
    throw new SignerCliError('CLI_BAD_OPTION', '--set-high-watermark and --remove-high-watermark conflict: pass one')
  }
  if (!set && !remove) {
    throw new SignerCliError(
      'CLI_BAD_OPTION',
      'nothing to do: pass --set-high-watermark --epoch N --slot M, or --remove-high-watermark',
    )
  }
  if (remove) {
    if (opts.epoch !== undefined || opts.slot !== undefined) {
      throw new SignerCliError('CLI_BAD_OPTION', '--epoch and --slot are for --set-high-watermark, not for removal')
    }
    return { kind: 'remove' }
  }
  if (opts.epoch === undefined || opts.slot === undefined) {
    throw new SignerCliError('CLI_BAD_OPTION', '--set-high-watermark needs both --epoch N and --slot M')
  }
  return {
    kind: 'set',
    hw: { epoch: parseUint64Option(opts.epoch, '--epoch'), slot: parseUint64Option(opts.slot, '--slot') },
  }
}

/** Set or remove the signer's high watermark offline (node/signerWatermarkRepair.ts says how). */
export async function watermarkRepair(opts: WatermarkRepairOptions): Promise<WatermarkRepairResult> {
  const action = watermarkRepairAction(opts)
  const cfg = loadConfigFile(opts.home)
  if (cfg.tee.platform === 'simulated' && !opts.dev) {
    throw new SignerCliError('CLI_BAD_OPTION', 'the simulated TEE ([tee] platform = "simulated") needs --dev')
  }
  const { before, after } = await repairSignerHighWatermark(cfg, action)
  return { action: action.kind, before, after }
}

/** The result as `GET /api/v1/eth2/highWatermark` shows it: {epoch, slot} as decimal strings, or {}. */
export const highWatermarkJson = (hw: HighWatermark | null): { epoch?: string; slot?: string } =>
  hw ? { epoch: hw.epoch.toString(), slot: hw.slot.toString() } : {}
