import { basename } from 'node:path'
import { ZodError } from 'zod'
import {
  type InterchangeTestResult,
  interchangeTestFiles,
  runInterchangeTestFile,
  type SlashingStrategy,
} from '../signer/index.js'
import { SignerCliError } from './signerErrors.js'

export interface InterchangeTestSummary {
  passed: number
  failed: number
  /** One line per case, then `N passed, N failed`. */
  lines: string[]
}

/** The case files in `dir`; a missing, unreadable or empty folder is CLI_NO_TEST_CASES. */
export function interchangeCaseFiles(dir: string): string[] {
  try {
    return interchangeTestFiles(dir)
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : (e as Error).message
    throw new SignerCliError(
      'CLI_NO_TEST_CASES',
      `no EIP-3076 test cases in ${dir} (${why}); pass the folder of *.json case files, e.g. slashing-protection-interchange-tests/tests/generated`,
    )
  }
}

function describeError(e: unknown): string {
  if (e instanceof ZodError) {
    const issue = e.issues[0]
    return `not an EIP-3076 test case (${issue ? `${issue.path.join('.') || 'file'}: ${issue.message}` : 'invalid'})`
  }
  if (e instanceof SyntaxError) return `not valid JSON (${e.message})`
  return e instanceof Error ? e.message : String(e)
}

/**
 * Run every case file under each strategy (a fresh temporary slashing DB per case and strategy) and report one
 * line per case: `PASS <name> [minimal, complete]` or `FAIL <name> [<failed strategies>]: <first failure>`. A case
 * counts once, and fails if it fails under any strategy. `onLine` receives lines as they are produced.
 */
export function runInterchangeTests(
  files: readonly string[],
  strategies: readonly SlashingStrategy[],
  onLine: (line: string) => void = () => {},
): InterchangeTestSummary {
  const lines: string[] = []
  const emit = (l: string) => {
    lines.push(l)
    onLine(l)
  }
  let passed = 0
  let failed = 0
  for (const file of files) {
    let name = basename(file, '.json')
    const failures: { strategy: SlashingStrategy; message: string }[] = []
    let skipped = 0
    for (const strategy of strategies) {
      let r: InterchangeTestResult
      try {
        r = runInterchangeTestFile(file, { strategy })
      } catch (e) {
        failures.push({ strategy, message: describeError(e) })
        continue
      }
      name = r.name
      skipped += r.skippedSteps
      if (!r.passed) failures.push({ strategy, message: r.failures[0] ?? 'failed' })
    }
    if (failures.length === 0) {
      passed++
      const note = skipped > 0 ? ` (${skipped} step(s) skipped: slashable import rejected, allowed by the suite)` : ''
      emit(`PASS ${name} [${strategies.join(', ')}]${note}`)
    } else {
      failed++
      emit(`FAIL ${name} [${failures.map((f) => f.strategy).join(', ')}]: ${failures[0]?.message}`)
    }
  }
  emit(`${passed} passed, ${failed} failed`)
  return { passed, failed, lines }
}
