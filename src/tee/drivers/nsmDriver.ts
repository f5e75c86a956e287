import { spawn } from 'node:child_process'
import type { Attestation, Platform } from '../../attestation/index.js'
import { fromHex, type SecretBytes, toHex } from '../../crypto/index.js'
import { TeeError } from '../errors.js'
import type { TeePlatform } from '../types.js'
import { errnoOf } from './driverIo.js'
import { TeeDriverError } from './errors.js'

export const DEFAULT_NSM_HELPER = '/usr/local/bin/custos-nsm-helper'

export interface NsmDriverOptions {
  /** helper executable (`[tee] nsm_helper`) */
  helperPath?: string
  helperArgs?: string[]
  /** per request; default 10 000 ms */
  timeoutMs?: number
  /** Nitro Enclaves have no sealing key: supply a KMS-derived one, else sealingKey() throws */
  sealingKey?: () => Promise<SecretBytes>
}

const MAX_LINE = 64 * 1024

/**
 * AWS Nitro Enclaves through a small helper process. Node cannot issue the `/dev/nsm` ioctl without a native
 * addon, so the driver speaks a JSON-lines protocol to a helper (e.g. ~40 lines of Rust over
 * `aws-nitro-enclaves-nsm-api::driver::nsm_process_request`), spawned per request:
 *
 *   stdin  (one line): {"method":"attestation","user_data":"<hex, 64 B report_data>"}
 *   stdout (one line): {"document":"<hex COSE_Sign1 attestation document>"}  or  {"error":"<text>"}
 *
 * The helper must put `user_data` into the NSM Attestation request unchanged (no nonce, no public_key), exit
 * after answering, and never print anything else on stdout. Its output is not trusted: the Nitro verifier
 * checks the document (COSE signature, chain to the AWS root, user_data == report_data).
 */
export class NsmDriver implements TeePlatform {
  readonly driver = 'nsm'
  readonly platform: Platform = 'nitro'
  readonly simulated = false
  readonly #opts: NsmDriverOptions
  readonly #path: string

  constructor(opts: NsmDriverOptions = {}) {
    this.#opts = opts
    this.#path = opts.helperPath ?? DEFAULT_NSM_HELPER
  }

  async attest(reportData: Uint8Array): Promise<Attestation> {
    if (reportData.length !== 64)
      throw new TeeError('TEE_BAD_REPORT_DATA', `report_data must be exactly 64 bytes, got ${reportData.length}`)
    const answer = await this.#request({ method: 'attestation', user_data: toHex(reportData) })
    let doc: Uint8Array | undefined
    try {
      doc = typeof answer['document'] === 'string' ? fromHex(answer['document']) : undefined
    } catch {
      doc = undefined
    }
    // COSE_Sign1 is a 4-element CBOR array (0x84), optionally behind tag 18 (0xd2)
    if (!doc || (doc[0] !== 0x84 && doc[0] !== 0xd2))
      throw new TeeDriverError('TEE_BAD_EVIDENCE', 'the NSM helper returned no COSE_Sign1 attestation document')
    return { quote: { type: 'nitro', nsmQuote: doc }, runtimeEvents: [], reportData: reportData.slice(), config: '' }
  }

  async sealingKey(): Promise<SecretBytes> {
    if (this.#opts.sealingKey) return this.#opts.sealingKey()
    throw new TeeDriverError(
      'TEE_NO_SEALING_KEY',
      'AWS Nitro Enclaves have no local sealing key: use the KMS-derived key (configure a KMS key provider for the nsm driver)',
    )
  }

  #request(req: Record<string, string>): Promise<Record<string, unknown>> {
    const fail = (
      msg: string,
      cause?: unknown,
      code: 'TEE_HELPER_ERROR' | 'TEE_DEVICE_UNAVAILABLE' = 'TEE_HELPER_ERROR',
    ) => new TeeDriverError(code, `NSM helper ${this.#path}: ${msg}`, { path: this.#path }, { cause })
    return new Promise((resolve, reject) => {
      const child = spawn(this.#path, this.#opts.helperArgs ?? [], { stdio: ['pipe', 'pipe', 'ignore'] })
      let out = ''
      let done = false
      const finish = (err: Error | undefined, value?: Record<string, unknown>) => {
        if (done) return
        done = true
        clearTimeout(timer)
        if (child.exitCode === null) child.kill()
        if (err) reject(err)
        else resolve(value as Record<string, unknown>)
      }
      const timer = setTimeout(() => finish(fail('timed out')), this.#opts.timeoutMs ?? 10_000)
      child.on('error', (e) => {
        const code = errnoOf(e)
        finish(
          code === 'ENOENT' || code === 'EACCES'
            ? fail(`cannot run it (${code}); install the helper or set [tee] nsm_helper`, e, 'TEE_DEVICE_UNAVAILABLE')
            : fail('failed to start', e),
        )
      })
      child.stdout.setEncoding('utf8')
      child.stdout.on('data', (chunk: string) => {
        out += chunk
        const nl = out.indexOf('\n')
        if (nl < 0 && out.length <= MAX_LINE) return
        if (nl < 0) return finish(fail('answer line is too long'))
        let value: unknown
        try {
          value = JSON.parse(out.slice(0, nl))
        } catch (e) {
          return finish(fail('answered with non-JSON', e))
        }
        if (!value || typeof value !== 'object' || Array.isArray(value))
          return finish(fail('answered with a non-object'))
        const obj = value as Record<string, unknown>
        if (typeof obj['error'] === 'string') return finish(fail(`reported: ${obj['error'].slice(0, 200)}`))
        finish(undefined, obj)
      })
      child.on('close', (code) => finish(fail(`exited (${code}) without an answer`)))
      child.stdin.on('error', () => undefined)
      child.stdin.end(`${JSON.stringify(req)}\n`)
    })
  }
}
