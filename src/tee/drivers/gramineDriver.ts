import { join } from 'node:path'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { type Attestation, type Platform, parseQuote, TEE_TYPE_SGX } from '../../attestation/index.js'
import { equalBytes, SecretBytes, utf8ToBytes } from '../../crypto/index.js'
import { TeeError } from '../errors.js'
import type { TeePlatform } from '../types.js'
import { type DriverIo, errnoOf, nodeDriverIo } from './driverIo.js'
import { TeeDriverError } from './errors.js'

export const DEFAULT_GRAMINE_DIR = '/dev/attestation'
export type GramineSealingPolicy = '_sgx_mrenclave' | '_sgx_mrsigner'

export interface GramineDriverOptions {
  /** Gramine's attestation pseudo-filesystem (`[tee] gramine_dir`) */
  attestationDir?: string
  /** which SGX sealing key to expand; default `_sgx_mrenclave` (only this exact enclave build can unseal) */
  sealingPolicy?: GramineSealingPolicy
  io?: DriverIo
}

const SEAL_SALT = utf8ToBytes('custos-gramine-sealing-v1')

/**
 * Intel SGX under Gramine: write the 64-byte `user_report_data`, read `quote` (DCAP quote v3) from the
 * `/dev/attestation` pseudo-filesystem. The pair is process-global in Gramine, so calls are serialised.
 * Sealing key: the 16-byte SGX key from `keys/_sgx_mrenclave` (or `_sgx_mrsigner`), expanded with
 * HKDF-SHA256(salt "custos-gramine-sealing-v1", info = policy name) to 32 bytes.
 * SGX has no dstack event log: the attestation carries no runtime events and identity is MRENCLAVE.
 */
export class GramineDriver implements TeePlatform {
  readonly driver = 'gramine'
  readonly platform: Platform = 'sgx'
  readonly simulated = false
  readonly #dir: string
  readonly #policy: GramineSealingPolicy
  readonly #io: DriverIo
  #queue: Promise<unknown> = Promise.resolve()

  constructor(opts: GramineDriverOptions = {}) {
    this.#dir = opts.attestationDir ?? DEFAULT_GRAMINE_DIR
    this.#policy = opts.sealingPolicy ?? '_sgx_mrenclave'
    this.#io = opts.io ?? nodeDriverIo
  }

  attest(reportData: Uint8Array): Promise<Attestation> {
    if (reportData.length !== 64)
      return Promise.reject(
        new TeeError('TEE_BAD_REPORT_DATA', `report_data must be exactly 64 bytes, got ${reportData.length}`),
      )
    const run = this.#queue.then(() => this.#attest(reportData.slice()))
    this.#queue = run.catch(() => undefined)
    return run
  }

  async sealingKey(): Promise<SecretBytes> {
    const path = join(this.#dir, 'keys', this.#policy)
    const raw = await this.#io.readFile(path).catch((e) => {
      throw this.#ioError(path, e)
    })
    if (raw.length !== 16) {
      raw.fill(0)
      throw new TeeDriverError('TEE_DEVICE_IO', `${path} holds ${raw.length} bytes, expected a 16-byte SGX key`, {
        path,
      })
    }
    try {
      return new SecretBytes(hkdf(sha256, raw, SEAL_SALT, utf8ToBytes(this.#policy), 32))
    } finally {
      raw.fill(0)
    }
  }

  async #attest(reportData: Uint8Array): Promise<Attestation> {
    const typePath = join(this.#dir, 'attestation_type')
    const type = await this.#io.readFile(typePath).then(
      (b) => Buffer.from(b).toString('utf8').trim(),
      () => 'dcap',
    )
    if (type !== 'dcap')
      throw new TeeDriverError(
        'TEE_DEVICE_UNAVAILABLE',
        `Gramine attestation type is "${type}"; set sgx.remote_attestation = "dcap" in the manifest`,
        { type },
      )
    const inPath = join(this.#dir, 'user_report_data')
    const outPath = join(this.#dir, 'quote')
    await this.#io.writeFile(inPath, reportData).catch((e) => {
      throw this.#ioError(inPath, e)
    })
    const quote = await this.#io.readFile(outPath).catch((e) => {
      throw this.#ioError(outPath, e)
    })
    let ok = false
    try {
      const q = parseQuote(quote)
      ok = q.header.teeType === TEE_TYPE_SGX && q.body.type === 'sgx' && equalBytes(q.body.reportData, reportData)
    } catch {
      ok = false
    }
    if (!ok)
      throw new TeeDriverError(
        'TEE_BAD_EVIDENCE',
        'Gramine returned evidence that is not an SGX quote over the requested report_data',
      )
    return { quote: { type: 'tdx', quote, eventLog: [] }, runtimeEvents: [], reportData, config: '' }
  }

  #ioError(path: string, e: unknown): InstanceType<typeof TeeDriverError> {
    const code = errnoOf(e)
    return new TeeDriverError(
      code === 'ENOENT' ? 'TEE_DEVICE_UNAVAILABLE' : 'TEE_DEVICE_IO',
      code === 'ENOENT'
        ? `${path} does not exist: run the node inside a Gramine SGX enclave with remote attestation enabled`
        : `Gramine attestation I/O on ${path} failed (${code || 'error'})`,
      { path },
      { cause: e },
    )
  }
}
