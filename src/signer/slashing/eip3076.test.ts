import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { interchangeTestFiles, runInterchangeTestDir, runInterchangeTestFile } from './interchangeTestRunner.js'

// eth-clients/slashing-protection-interchange-tests, read in place from ../shared/vectors (relative to the repo root).
const DIR = fileURLToPath(new URL('../../../../shared/vectors/eip3076/', import.meta.url))
const files = interchangeTestFiles(DIR) // throws if the folder is empty

describe('EIP-3076 interchange conformance (slashing-protection-interchange-tests)', () => {
  it.each(files.map((f) => [basename(f, '.json'), f]))('eip3076: %s', (_name, file) => {
    for (const strategy of ['minimal', 'complete'] as const) {
      const r = runInterchangeTestFile(file, { strategy })
      expect({ strategy, failures: r.failures, skippedSteps: r.skippedSteps }).toEqual({
        strategy,
        failures: [],
        skippedSteps: 0,
      })
      expect(r.passed).toBe(true)
    }
  })
})

describe('interchange test runner', () => {
  const load = (name: string) => JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8'))

  it('skips schema.json and throws on a folder without cases', () => {
    expect(files.some((f) => f.endsWith('schema.json'))).toBe(false)
    const empty = mkdtempSync(join(tmpdir(), 'custos-eip3076-empty-'))
    writeFileSync(join(empty, 'schema.json'), '{}')
    try {
      expect(() => runInterchangeTestDir(empty)).toThrow(/no EIP-3076 test cases/)
    } finally {
      rmSync(empty, { recursive: true, force: true })
    }
  })

  it('detects a wrong expectation (the runner can fail)', () => {
    const tc = load('single_validator_resign_attestation')
    // minimal and complete differ on the identical re-sign: judging one by the other's column must fail
    const flipped = structuredClone(tc)
    for (const a of flipped.steps[0].attestations) a.should_succeed = a.should_succeed_complete
    const r = runInterchangeTestFile(flipped, { strategy: 'minimal' })
    expect(r.passed).toBe(false)
    expect(r.failures).toHaveLength(1)
    expect(r.failures[0]).toMatch(/attestation 2/)
  })

  it('flags an import that succeeds where the case expects failure', () => {
    const tc = load('single_validator_single_block')
    tc.steps[0].should_succeed = false
    const r = runInterchangeTestFile(tc, { strategy: 'complete' })
    expect(r.passed).toBe(false)
    expect(r.failures[0]).toMatch(/step 0: import succeeded/)
  })

  it('runs a whole directory under the requested strategies', () => {
    const results = runInterchangeTestDir(DIR, { strategies: ['complete'] })
    expect(results).toHaveLength(files.length)
    expect(results.every((r) => r.strategy === 'complete' && r.passed)).toBe(true)
  })
})
