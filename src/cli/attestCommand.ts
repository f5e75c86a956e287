import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { type Collateral, encodeVersionedAttestation, type SimulatedTrustAnchor } from '../attestation/index.js'
import { fromHex, toHex } from '../crypto/index.js'
import { explain } from '../errors.js'
import { createPccsClient, INTEL_PCS_URL } from '../net/index.js'
import {
  createTeePlatform,
  type DetectedPlatform,
  detectPlatform,
  loadSimulatedTrustAnchor,
  type TeeConfig,
} from '../tee/index.js'
import { registerComposeHashCommand } from './attestComposeHash.js'
import { type EvidenceReport, verifyEvidence } from './attestVerify.js'

/** Where the command writes; tests pass their own. */
export interface AttestIo {
  out(text: string): void
  err(text: string): void
  exitCode(code: number): void
}

const processIo: AttestIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  exitCode: (c) => {
    process.exitCode = c
  },
}

interface VerifyOpts {
  quote: string
  collateral?: string
  now?: string
  json?: boolean
  simulatedRoot?: string[]
  pccsUrl?: string
  collateralCache?: string
  offline?: boolean
  allowDebug?: boolean
}

/**
 * `custos attest`: this machine's TEE, fresh evidence and the identity it verifies to. Exit code 1 when no TEE is
 * present (scripts must not mistake a plain machine for an enclave), with a clear message on stdout.
 * `custos attest verify --quote FILE`: offline verification of stored evidence; exit code 0 = valid, 1 = invalid.
 */
export function registerAttestCommand(program: Command, io: AttestIo = processIo): void {
  const attest = program
    .command('attest')
    .description("show this machine's TEE platform, fresh evidence and identity (exit 1 when no TEE is present)")
    .option('--json', 'print one JSON object')
    .option('--report-data <hex>', 'up to 64 bytes (hex) for the evidence to commit to; default random')
    .option('--pccs-url <url>', 'PCCS / Intel PCS for DCAP collateral', INTEL_PCS_URL)
    .option('--collateral-cache <dir>', 'on-disk collateral cache')
    .action(async (opts: { json?: boolean; reportData?: string; pccsUrl: string; collateralCache?: string }) => {
      const found = await detectPlatform()
      const first = found[0]
      if (!first) {
        const msg =
          'no TEE present: none of configfs-tsm (/sys/kernel/config/tsm/report), Gramine (/dev/attestation/quote), ' +
          'a dstack guest agent socket (/var/run/dstack.sock) or AWS Nitro (/dev/nsm) exists on this machine. ' +
          'For development use the INSECURE simulated TEE: custos dev'
        io.out(opts.json ? `${JSON.stringify({ tee_present: false, platform: null, message: msg })}\n` : `${msg}\n`)
        io.exitCode(1)
        return
      }
      const reportData = new Uint8Array(64)
      reportData.set(opts.reportData ? fromHex(opts.reportData).subarray(0, 64) : randomBytes(64))
      try {
        const tee = await createTeePlatform(teeConfigFor(first))
        const att = await tee.attest(reportData)
        const evidence = encodeVersionedAttestation(att)
        const pccs = createPccsClient({
          url: opts.pccsUrl,
          ...(opts.collateralCache ? { cacheDir: opts.collateralCache } : {}),
        })
        const report = await verifyEvidence({
          evidence,
          now: Math.floor(Date.now() / 1000),
          collateralProvider: (q) => pccs.collateralForQuote(q),
        })
        if (opts.json)
          io.out(
            `${JSON.stringify({ tee_present: true, driver: first.driver, path: first.path, evidence: toHex(evidence), ...report })}\n`,
          )
        else {
          io.out(`TEE: ${first.platform} via ${first.driver} (${first.path})\nevidence: ${toHex(evidence)}\n`)
          io.out(formatReport(report))
        }
        io.exitCode(report.ok ? 0 : 1)
      } catch (e) {
        io.err(
          `error: the ${first.driver} TEE interface at ${first.path} failed: ${explain(e, (e as Error)?.message)}\n`,
        )
        io.exitCode(1)
      }
    })

  registerComposeHashCommand(attest)

  attest
    .command('verify')
    .description('verify stored evidence offline: DCAP quote, dstack attestation, Nitro document or simulated quote')
    .requiredOption('--quote <file>', 'evidence file (binary, or hex text)')
    .option('--collateral <file>', 'DCAP collateral JSON (dcap-qvl / PCCS shape); else fetched from --pccs-url')
    .option('--now <unix_seconds>', 'verify as of this time (default: now)')
    .option('--json', 'print one JSON object')
    .option(
      '--simulated-root <pem...>',
      'trust this simulated vendor root, with the collateral/ folder beside it (INSECURE evidence, development only)',
    )
    .option('--pccs-url <url>', 'PCCS / Intel PCS for DCAP collateral', INTEL_PCS_URL)
    .option('--collateral-cache <dir>', 'on-disk collateral cache')
    .option('--offline', 'use cached collateral only')
    .option('--allow-debug', 'accept debug enclaves / TDs')
    .action(async (opts: VerifyOpts) => {
      const report = await runVerify(opts)
      io.out(opts.json ? `${JSON.stringify(report)}\n` : formatReport(report))
      io.exitCode(report.ok ? 0 : 1)
    })
}

async function runVerify(opts: VerifyOpts): Promise<EvidenceReport> {
  const usage = (message: string): EvidenceReport => ({
    ok: false,
    format: 'unknown',
    platform: null,
    status: 'invalid',
    advisory_ids: [],
    error: { code: 'CLI_USAGE', message },
  })
  let now = Math.floor(Date.now() / 1000)
  if (opts.now !== undefined) {
    if (!/^\d+$/.test(opts.now)) return usage('--now must be unix seconds')
    now = Number(opts.now)
  }
  let evidence: Uint8Array
  let collateral: unknown
  let roots: SimulatedTrustAnchor[]
  try {
    evidence = readEvidence(opts.quote)
    if (opts.collateral) collateral = JSON.parse(readFileSync(opts.collateral, 'utf8'))
    // a --collateral file serves simulated evidence too when the vendor's collateral/ folder lacks its FMSPC
    roots = (await Promise.all((opts.simulatedRoot ?? []).map(loadSimulatedTrustAnchor))).map((a) => ({
      rootCertDer: a.rootCertDer,
      collateralFor: async (fmspc: string) => (await a.collateralFor(fmspc)) ?? (collateral as Collateral | undefined),
    }))
  } catch (e) {
    return usage(`cannot read input: ${(e as Error).message}`)
  }
  const pccs =
    collateral === undefined
      ? createPccsClient({
          url: opts.pccsUrl ?? INTEL_PCS_URL,
          now: () => now,
          ...(opts.collateralCache ? { cacheDir: opts.collateralCache } : {}),
          ...(opts.offline ? { offline: true } : {}),
        })
      : undefined
  return verifyEvidence({
    evidence,
    now,
    collateralProvider: async (q) => (pccs ? pccs.collateralForQuote(q) : collateral),
    simulatedRoots: roots,
    allowDebug: opts.allowDebug ?? false,
  })
}

/** Binary evidence, or the same as hex text. */
function readEvidence(file: string): Uint8Array {
  const raw = new Uint8Array(readFileSync(file))
  const text = Buffer.from(raw).toString('latin1').trim()
  if (text.length > 0 && /^(0x)?[0-9a-fA-F\s]+$/.test(text)) return fromHex(text.replace(/\s+/g, ''))
  return raw
}

function teeConfigFor(d: DetectedPlatform): TeeConfig {
  switch (d.driver) {
    case 'dstack':
      return { driver: 'dstack', dstack: { socketPath: d.path } }
    case 'tdx-tsm':
      return { driver: 'tdx-tsm', tdxTsm: { tsmDir: d.path, rtmr3Path: '' } }
    case 'gramine':
      return { driver: 'gramine', gramine: { attestationDir: d.path.replace(/\/quote$/, '') } }
    case 'nsm':
      return { driver: 'nsm' }
  }
}

/** Human-readable verdict. */
export function formatReport(r: EvidenceReport): string {
  const lines = [
    `verdict: ${r.ok ? 'VALID' : 'INVALID'}`,
    `format: ${r.format}`,
    `platform: ${r.platform ?? 'unknown'}`,
    `status: ${r.status === '' ? '(none: platform has no TCB status)' : r.status}`,
    `advisory_ids: ${r.advisory_ids.length ? r.advisory_ids.join(', ') : '(none)'}`,
  ]
  if (r.error) lines.push(`reason: ${r.error.code}: ${r.error.message}`)
  if (r.note) lines.push(`note: ${r.note}`)
  if (r.identity) {
    lines.push('identity:')
    for (const [k, v] of Object.entries(r.identity)) {
      if (k === 'measurements' || k === 'platform' || k === 'tcb_status' || k === 'advisory_ids') continue
      lines.push(`  ${k}: ${v === '' ? '(empty)' : String(v)}`)
    }
    lines.push('measurements:')
    for (const [k, v] of Object.entries(r.identity['measurements'] as Record<string, unknown>))
      lines.push(`  ${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
  }
  return `${lines.join('\n')}\n`
}
