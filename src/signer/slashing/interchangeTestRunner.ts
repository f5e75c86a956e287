import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { z } from 'zod'
import { fromHex } from '../../crypto/index.js'
import { SlashingError } from './errors.js'
import { applyMigrations } from './migrations.js'
import { SlashingProtection } from './slashingProtection.js'
import type { SlashingStrategy } from './types.js'

/** Runner for eth-clients/slashing-protection-interchange-tests (one JSON file per case). */
const Hex = z.string().regex(/^0x([0-9a-fA-F]{2})*$/)
const Dec = z.string().regex(/^[0-9]+$/)
const Expect = { should_succeed: z.boolean(), should_succeed_complete: z.boolean().optional() }
const TestCaseSchema = z.object({
  name: z.string(),
  genesis_validators_root: Hex,
  steps: z.array(
    z.object({
      should_succeed: z.boolean(),
      contains_slashable_data: z.boolean(),
      interchange: z.unknown(), // validated by the importer under test
      blocks: z.array(z.object({ pubkey: Hex, slot: Dec, signing_root: Hex.optional(), ...Expect })),
      attestations: z.array(
        z.object({ pubkey: Hex, source_epoch: Dec, target_epoch: Dec, signing_root: Hex.optional(), ...Expect }),
      ),
    }),
  ),
})
export type InterchangeTestCase = z.infer<typeof TestCaseSchema>

export interface InterchangeTestResult {
  name: string
  strategy: SlashingStrategy
  passed: boolean
  failures: string[]
  /** Steps not checked because the importer rejected a `contains_slashable_data` step (allowed by the suite). */
  skippedSteps: number
}

const ZERO_ROOT = '0x' + '00'.repeat(32)

/**
 * Run one case against a fresh SQLite file: for each step import (expect `should_succeed`), then attempt every
 * block, then every attestation, expecting `should_succeed` (minimal) or `should_succeed_complete` (complete).
 */
export function runInterchangeTestFile(
  source: string | unknown,
  options: { strategy: SlashingStrategy },
): InterchangeTestResult {
  const raw = typeof source === 'string' ? JSON.parse(readFileSync(source, 'utf8')) : source
  const tc = TestCaseSchema.parse(raw)
  const { strategy } = options
  const result: InterchangeTestResult = { name: tc.name, strategy, passed: false, failures: [], skippedSteps: 0 }
  const dir = mkdtempSync(join(tmpdir(), 'custos-eip3076-'))
  const db = new Database(join(dir, 'slashing.sqlite'))
  try {
    db.pragma('journal_mode = WAL')
    applyMigrations(db)
    const sp = new SlashingProtection(db, { strategy })
    const gvr = fromHex(tc.genesis_validators_root)
    const fail = (msg: string) => result.failures.push(msg)
    for (const [i, step] of tc.steps.entries()) {
      let imported = true
      let importError: unknown
      try {
        sp.importInterchange(step.interchange, gvr)
      } catch (err) {
        imported = false
        importError = err
      }
      if (imported !== step.should_succeed) {
        if (step.should_succeed && step.contains_slashable_data) {
          result.skippedSteps = tc.steps.length - i // rejecting slashable data is allowed: skip the rest
          break
        }
        fail(`step ${i}: import ${imported ? 'succeeded' : `failed (${describe(importError)})`}, expected the opposite`)
        continue
      }
      if (!imported) continue
      for (const [j, b] of step.blocks.entries()) {
        const expected = strategy === 'minimal' ? b.should_succeed : (b.should_succeed_complete ?? b.should_succeed)
        const got = attempt(() =>
          sp.checkAndRecordBlock(fromHex(b.pubkey), BigInt(b.slot), fromHex(b.signing_root ?? ZERO_ROOT), gvr),
        )
        const v = verdict(got, expected)
        if (v) fail(`step ${i} block ${j} (slot ${b.slot}): ${v}`)
      }
      for (const [j, a] of step.attestations.entries()) {
        const expected = strategy === 'minimal' ? a.should_succeed : (a.should_succeed_complete ?? a.should_succeed)
        const got = attempt(() =>
          sp.checkAndRecordAttestation(
            fromHex(a.pubkey),
            BigInt(a.source_epoch),
            BigInt(a.target_epoch),
            fromHex(a.signing_root ?? ZERO_ROOT),
            gvr,
          ),
        )
        const what = `(${a.source_epoch}, ${a.target_epoch})`
        const v = verdict(got, expected)
        if (v) fail(`step ${i} attestation ${j} ${what}: ${v}`)
      }
    }
  } catch (err) {
    result.failures.push(`runner error: ${describe(err)}`)
  } finally {
    db.close()
    rmSync(dir, { recursive: true, force: true })
  }
  result.passed = result.failures.length === 0
  return result
}

/** Every `*.json` case in `dir` (schema.json skipped), sorted by file name, under each requested strategy. */
export function runInterchangeTestDir(
  dir: string,
  options: { strategies?: SlashingStrategy[] } = {},
): InterchangeTestResult[] {
  const files = interchangeTestFiles(dir)
  const strategies = options.strategies ?? ['minimal', 'complete']
  return files.flatMap((f) => strategies.map((strategy) => runInterchangeTestFile(f, { strategy })))
}

/** Case files in `dir`; throws if there are none (an empty vector folder must not pass silently). */
export function interchangeTestFiles(dir: string): string[] {
  const names = readdirSync(dir)
    .filter((n) => n.endsWith('.json') && n !== 'schema.json')
    .sort()
  if (names.length === 0) throw new Error(`no EIP-3076 test cases (*.json) in ${dir}`)
  return names.map((n) => join(dir, n))
}

type Attempt = { ok: true } | { ok: false; error: unknown }
function attempt(fn: () => unknown): Attempt {
  try {
    fn()
    return { ok: true }
  } catch (error) {
    return { ok: false, error }
  }
}
/** A failure message, or undefined when the outcome matches. Only a SlashingError counts as a refusal. */
function verdict(got: Attempt, expected: boolean): string | undefined {
  if (!got.ok && !(got.error instanceof SlashingError)) return `unexpected error: ${describe(got.error)}`
  if (got.ok === expected) return undefined
  return got.ok ? 'signed, expected a refusal' : `refused (${describe(got.error)}), expected success`
}
function describe(err: unknown): string {
  if (err instanceof SlashingError) return err.code
  return err instanceof Error ? err.message : String(err)
}
