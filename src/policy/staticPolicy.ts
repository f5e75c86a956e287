import { readFileSync } from 'node:fs'
import type { Identity } from '../attestation/index.js'
import type { Logger } from '../log.js'
import { nullLogger } from '../log.js'
import { decidePolicy, deny } from './decidePolicy.js'
import { PolicyError } from './errors.js'
import { evaluateStaticPolicy } from './evaluateStaticPolicy.js'
import {
  type PolicyFileFormat,
  parseStaticPolicy,
  policyFormatOf,
  type StaticPolicyConfig,
} from './staticPolicyConfig.js'
import type { Policy, PolicyDecision, PolicyInfo, PolicyRole } from './types.js'

export interface StaticPolicyOptions {
  /** path of the policy file; `.json` (auth-simple's auth-config.json) or `.toml` (same keys) */
  file: string
  logger?: Logger
  /** re-read the file at most this often (ms, default 250); 0 = on every check */
  reloadIntervalMs?: number
  /** monotonic ms clock (tests) */
  clock?: () => number
}

type State = { valid: true; config: StaticPolicyConfig } | { valid: false; error: string }

const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000'

/**
 * dstack auth-simple as a local policy: a JSON/TOML file, re-read when it changes (checked at most every
 * `reloadIntervalMs`). A missing or invalid file denies everything ("policy file invalid: …") until fixed.
 * Every decision is logged.
 */
export class StaticPolicy implements Policy {
  readonly kind = 'static' as const
  readonly file: string
  readonly format: PolicyFileFormat
  readonly #log: Logger
  readonly #interval: number
  readonly #clock: () => number
  #state: State = { valid: false, error: 'not loaded yet' }
  #lastText: string | undefined
  #lastCheck: number | undefined
  #everValid = false
  #closed = false

  constructor(opts: StaticPolicyOptions) {
    const format = policyFormatOf(opts.file)
    if (!format)
      throw new PolicyError(
        'POLICY_BAD_CONFIG',
        `policy file ${opts.file} must end in .json or .toml (the extension selects the format)`,
        { file: opts.file },
      )
    this.file = opts.file
    this.format = format
    this.#log = opts.logger ?? nullLogger
    this.#interval = Math.max(0, opts.reloadIntervalMs ?? 250)
    this.#clock = opts.clock ?? (() => performance.now())
    this.reload()
  }

  /** Re-read the file now (ignores the interval). */
  reload(): void {
    this.#lastCheck = this.#clock()
    let text: string
    try {
      text = readFileSync(this.file, 'utf8')
    } catch (e) {
      this.#lastText = undefined
      const code = (e as NodeJS.ErrnoException).code
      this.#setInvalid(code === 'ENOENT' ? 'file not found' : `cannot read: ${code ?? (e as Error).message}`)
      return
    }
    if (text === this.#lastText) return
    this.#lastText = text
    try {
      this.#setValid(parseStaticPolicy(text, this.format))
    } catch (e) {
      this.#setInvalid(e instanceof PolicyError ? e.shortMessage : (e as Error).message)
    }
  }

  /** Current state (for status pages): valid, or the error that makes it deny everything. */
  status(): { valid: true } | { valid: false; error: string } {
    return this.#state.valid ? { valid: true } : { valid: false, error: this.#state.error }
  }

  /** The config in force, if the file is valid. */
  config(): StaticPolicyConfig | undefined {
    return this.#state.valid ? this.#state.config : undefined
  }

  async check(role: PolicyRole, identity: Identity): Promise<PolicyDecision> {
    this.#refresh()
    const s = this.#state
    return decidePolicy({ kind: this.kind, closed: this.#closed, logger: this.#log }, role, identity, (r, boot) =>
      s.valid
        ? evaluateStaticPolicy(s.config, r, boot)
        : deny(`policy file invalid: ${this.file}: ${s.error}`, { unavailable: true }),
    )
  }

  async info(): Promise<PolicyInfo> {
    this.#refresh()
    const c = this.config()
    return {
      gatewayAppId: c?.gatewayAppId ?? '',
      kmsContractAddr: c?.kmsContractAddr ?? ZERO_ADDRESS,
      chainId: c?.chainId ?? 0,
      appImplementation: c?.appImplementation ?? ZERO_ADDRESS,
    }
  }

  async close(): Promise<void> {
    this.#closed = true
  }

  #refresh(): void {
    if (this.#closed) return
    const t = this.#clock()
    if (this.#lastCheck !== undefined && t - this.#lastCheck < this.#interval) return
    this.reload()
  }

  #setValid(config: StaticPolicyConfig): void {
    const was = this.#state
    this.#state = { valid: true, config }
    const counts = {
      file: this.file,
      osImages: config.osImages.length,
      kmsMrAggregated: config.kms.mrAggregated.length,
      apps: Object.keys(config.apps).length,
    }
    if (!this.#everValid) this.#log.info(counts, 'policy file loaded')
    else if (!was.valid) this.#log.info(counts, 'policy file valid again')
    else this.#log.info(counts, 'policy file reloaded')
    this.#everValid = true
  }

  #setInvalid(error: string): void {
    const was = this.#state
    this.#state = { valid: false, error }
    if (was.valid || was.error !== error)
      this.#log.error({ file: this.file, error }, 'policy file invalid: denying every request until it is fixed')
  }
}
