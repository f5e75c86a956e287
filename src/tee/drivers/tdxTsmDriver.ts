import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import {
  type Attestation,
  type Platform,
  parseQuote,
  type RuntimeEvent,
  runtimeEventDigest,
  runtimeEventToTdxEvent,
  TEE_TYPE_TDX,
} from '../../attestation/index.js'
import { equalBytes, type SecretBytes } from '../../crypto/index.js'
import { type Logger, nullLogger } from '../../log.js'
import { TeeError } from '../errors.js'
import type { TeePlatform } from '../types.js'
import { type DriverIo, errnoOf, nodeDriverIo } from './driverIo.js'
import { TeeDriverError } from './errors.js'

export const DEFAULT_TSM_DIR = '/sys/kernel/config/tsm/report'
/** Linux ≥ 6.16 (CONFIG_TSM_MEASUREMENTS): writing a 48-byte digest extends RTMR3. */
export const DEFAULT_RTMR3_PATH = '/sys/devices/virtual/misc/tdx_guest/measurements/rtmr3:sha384'

export interface TdxTsmDriverOptions {
  /** configfs-tsm report directory (`[tee] tsm_dir`) */
  tsmDir?: string
  /** RTMR3 extend file (`[tee] rtmr3_path`); '' = runtime events cannot be emitted */
  rtmr3Path?: string
  /** configfs-tsm `provider` the outblob must come from; default "tdx_guest" */
  provider?: string
  /** runtime events already extended into RTMR3 before this process started (e.g. by the boot stack) */
  initialEvents?: RuntimeEvent[]
  /** dstack vm_config JSON carried in the attestation (`os_image_hash`); default '' */
  config?: string
  /** TDX has no local sealing key: supply one derived from the KMS (dstack's model), else sealingKey() throws */
  sealingKey?: () => Promise<SecretBytes>
  io?: DriverIo
  logger?: Logger
}

const MAX_RACE_RETRIES = 2

/**
 * Intel TDX through the Linux configfs-tsm report ABI (Documentation/ABI/testing/configfs-tsm-report, v6.7+):
 * per request, `mkdir <tsmDir>/<unique>`, check `provider`, read `generation`, write the 64-byte `inblob`, read
 * `outblob` (the quote), re-read `generation` (must have grown by exactly our one write, else another writer
 * raced us), `rmdir`. A private report directory per request is the ABI's recommended way to avoid conflicts.
 *
 * Runtime events: configfs-tsm has no RTMR attribute. `emitEvent` extends RTMR3 through the TDX guest sysfs
 * measurement file (`rtmr3:sha384`, Linux ≥ 6.16) with the dstack event digest and records the event in an
 * in-process list that `attest()` ships for replay. Events extended before this process started must be passed
 * as `initialEvents`, otherwise the verifier's RTMR3 replay fails (by design: unknown extensions are refused).
 */
export class TdxTsmDriver implements TeePlatform {
  readonly driver = 'tdx-tsm'
  readonly platform: Platform = 'tdx'
  readonly simulated = false
  readonly #tsmDir: string
  readonly #rtmr3Path: string
  readonly #provider: string
  readonly #io: DriverIo
  readonly #log: Logger
  readonly #opts: TdxTsmDriverOptions
  readonly #events: RuntimeEvent[]
  #extending: Promise<void> = Promise.resolve()
  #counter = 0

  constructor(opts: TdxTsmDriverOptions = {}) {
    this.#opts = opts
    this.#tsmDir = opts.tsmDir ?? DEFAULT_TSM_DIR
    this.#rtmr3Path = opts.rtmr3Path ?? DEFAULT_RTMR3_PATH
    this.#provider = opts.provider ?? 'tdx_guest'
    this.#io = opts.io ?? nodeDriverIo
    this.#log = opts.logger ?? nullLogger
    this.#events = (opts.initialEvents ?? []).map((e) => ({ event: e.event, payload: e.payload.slice() }))
  }

  /** Runtime events measured so far (copy). */
  get runtimeEvents(): RuntimeEvent[] {
    return this.#events.map((e) => ({ event: e.event, payload: e.payload.slice() }))
  }

  /** Extend RTMR3 with a dstack runtime event and record it (serialised, so list order = extension order). */
  emitEvent(event: string, payload: Uint8Array): Promise<void> {
    const ev = { event, payload: payload.slice() }
    const run = this.#extending.then(async () => {
      if (this.#rtmr3Path === '')
        throw new TeeDriverError('TEE_RTMR_UNAVAILABLE', 'no RTMR3 extend file is configured ([tee] rtmr3_path)')
      try {
        await this.#io.writeFile(this.#rtmr3Path, runtimeEventDigest(ev, 'sha384'))
      } catch (e) {
        throw new TeeDriverError(
          'TEE_RTMR_UNAVAILABLE',
          `cannot extend RTMR3 through ${this.#rtmr3Path} (${errnoOf(e) || 'error'}); it needs a TDX guest on Linux ≥ 6.16 with CONFIG_TSM_MEASUREMENTS`,
          { path: this.#rtmr3Path },
          { cause: e },
        )
      }
      this.#events.push(ev)
    })
    this.#extending = run.catch(() => undefined)
    return run
  }

  async attest(reportData: Uint8Array): Promise<Attestation> {
    if (reportData.length !== 64)
      throw new TeeError('TEE_BAD_REPORT_DATA', `report_data must be exactly 64 bytes, got ${reportData.length}`)
    await this.#extending
    let quote: Uint8Array | undefined
    for (let attempt = 0; quote === undefined; attempt++) {
      try {
        quote = await this.#report(reportData)
      } catch (e) {
        if (!(e instanceof TeeDriverError && e.code === 'TEE_REPORT_RACE') || attempt >= MAX_RACE_RETRIES) throw e
        this.#log.warn({ attempt }, 'configfs-tsm report raced with another writer; retrying')
      }
    }
    const runtimeEvents = this.runtimeEvents
    return {
      quote: { type: 'tdx', quote, eventLog: runtimeEvents.map(runtimeEventToTdxEvent) },
      runtimeEvents,
      reportData: reportData.slice(),
      config: this.#opts.config ?? '',
    }
  }

  async sealingKey(): Promise<SecretBytes> {
    if (this.#opts.sealingKey) return this.#opts.sealingKey()
    throw new TeeDriverError(
      'TEE_NO_SEALING_KEY',
      'TDX has no local sealing key: use the KMS-derived disk key (configure a KMS key provider for the tdx-tsm driver)',
    )
  }

  async #report(reportData: Uint8Array): Promise<Uint8Array> {
    const io = this.#io
    const dir = join(this.#tsmDir, `custos-${process.pid}-${this.#counter++}-${randomBytes(4).toString('hex')}`)
    try {
      await io.mkdir(dir)
    } catch (e) {
      const code = errnoOf(e)
      throw new TeeDriverError(
        'TEE_DEVICE_UNAVAILABLE',
        code === 'ENOENT'
          ? `configfs-tsm is not available at ${this.#tsmDir}: this needs a TDX guest on Linux ≥ 6.7 with CONFIG_TSM_REPORTS and configfs mounted`
          : `cannot create a configfs-tsm report under ${this.#tsmDir} (${code || 'error'}); is a TSM provider loaded and is the node allowed to write there?`,
        { path: this.#tsmDir },
        { cause: e },
      )
    }
    try {
      const provider = await this.#text(join(dir, 'provider'))
      if (provider !== this.#provider)
        throw new TeeDriverError(
          'TEE_BAD_EVIDENCE',
          `configfs-tsm provider is "${provider}", expected "${this.#provider}" (is this a TDX guest?)`,
          { provider },
        )
      const before = await this.#generation(dir)
      await this.#io.writeFile(join(dir, 'inblob'), reportData)
      const quote = await this.#io.readFile(join(dir, 'outblob'))
      const after = await this.#generation(dir)
      if (after !== before + 1)
        throw new TeeDriverError(
          'TEE_REPORT_RACE',
          `configfs-tsm report generation went ${before} → ${after} around our single write; another writer raced us`,
          { before, after },
        )
      checkTdxQuote(quote, reportData)
      return quote
    } catch (e) {
      if (e instanceof TeeDriverError) throw e
      throw new TeeDriverError(
        'TEE_DEVICE_IO',
        `configfs-tsm report I/O failed in ${dir} (${errnoOf(e) || 'error'})`,
        { path: dir },
        { cause: e },
      )
    } finally {
      await io
        .rmdir(dir)
        .catch((e) => this.#log.warn({ path: dir, err: errnoOf(e) }, 'cannot remove configfs-tsm report'))
    }
  }

  async #text(path: string): Promise<string> {
    return Buffer.from(await this.#io.readFile(path))
      .toString('utf8')
      .trim()
  }

  async #generation(dir: string): Promise<number> {
    const text = await this.#text(join(dir, 'generation'))
    const n = Number.parseInt(text, 10)
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(n))
      throw new TeeDriverError('TEE_DEVICE_IO', `configfs-tsm generation is not a number: ${JSON.stringify(text)}`)
    return n
  }
}

/** The outblob must be a TDX quote committing to our report_data. @throws TeeDriverError TEE_BAD_EVIDENCE */
export function checkTdxQuote(quote: Uint8Array, reportData: Uint8Array): void {
  let ok = false
  try {
    const q = parseQuote(quote)
    ok = q.header.teeType === TEE_TYPE_TDX && q.body.type !== 'sgx' && equalBytes(q.body.reportData, reportData)
  } catch {
    ok = false
  }
  if (!ok)
    throw new TeeDriverError(
      'TEE_BAD_EVIDENCE',
      'the TEE returned evidence that is not a TDX quote over the requested report_data',
    )
}
