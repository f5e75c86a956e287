/** `custos signer interchange-test DIR` as a user runs it (a real child process). */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { interchangeCaseFiles, runInterchangeTests } from '../../src/cli/signerInterchangeTest.js'

const ROOT = resolve(import.meta.dirname, '../..')
const BIN = resolve(ROOT, 'bin/custos.js')
const VECTORS = resolve(ROOT, '../shared/vectors/eip3076')

// Until src/cli/main.ts registers the signer command, run it through an equivalent entry point (same error
// handling as main.ts). Once main.ts calls registerSignerCommand(program), the real bin/custos.js is used.
function custos(...args: string[]) {
  const argv = [BIN, ...args]
  const r = spawnSync(process.execPath, argv, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 })
  const lines = r.stdout.trimEnd().split('\n')
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, lines, last: lines[lines.length - 1] }
}

const temps: string[] = []
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'custos-signer-eip3076-'))
  temps.push(d)
  return d
}
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true })
})

// biome-ignore lint/suspicious/noExplicitAny: test vectors are plain JSON
const loadCase = (name: string): any => JSON.parse(readFileSync(join(VECTORS, `${name}.json`), 'utf8'))

describe('custos signer interchange-test', () => {
  it('passes every case of the official suite, one line per case, exit 0', () => {
    const cases = readdirSync(VECTORS).filter((n) => n.endsWith('.json') && n !== 'schema.json')
    expect(cases.length).toBeGreaterThan(20)
    const r = custos('signer', 'interchange-test', '../shared/vectors/eip3076')
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.last).toBe(`${cases.length} passed, 0 failed`)
    expect(r.lines).toHaveLength(cases.length + 1)
    expect(r.lines).toContain('PASS single_validator_resign_attestation [minimal, complete]')
    for (const l of r.lines.slice(0, -1)) expect(l).toMatch(/^PASS \S+ \[minimal, complete\]$/)
  })

  it('a case with a wrong expectation or a malformed file → FAIL lines, the count, exit 1', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'a_good.json'), JSON.stringify(loadCase('single_validator_single_attestation')))
    const bad = loadCase('single_validator_single_block')
    bad.steps[0].should_succeed = false // the import is valid, so this expectation is wrong
    writeFileSync(join(dir, 'b_bad.json'), JSON.stringify(bad))
    writeFileSync(join(dir, 'c_broken.json'), '{"name": "broken"}')
    writeFileSync(join(dir, 'schema.json'), '{}') // ignored, like in the upstream repo
    const r = custos('signer', 'interchange-test', dir)
    expect(r.code).toBe(1)
    expect(r.lines).toHaveLength(4)
    expect(r.lines.slice(0, 2)).toEqual([
      'PASS single_validator_single_attestation [minimal, complete]',
      'FAIL single_validator_single_block [minimal, complete]: step 0: import succeeded, expected the opposite',
    ])
    expect(r.lines[2]).toMatch(/^FAIL c_broken \[minimal, complete\]: not an EIP-3076 test case \(/)
    expect(r.last).toBe('1 passed, 2 failed')
  })

  it('--strategy selects the expectations checked (should_succeed vs should_succeed_complete)', () => {
    const dir = tempDir()
    const c = loadCase('single_validator_single_block')
    expect(c.steps[0].blocks[0].should_succeed_complete).toBe(false)
    c.steps[0].blocks[0].should_succeed_complete = true // wrong only for the complete strategy
    writeFileSync(join(dir, 'case.json'), JSON.stringify(c))
    const files = interchangeCaseFiles(dir)
    expect(runInterchangeTests(files, ['minimal']).lines).toEqual([
      'PASS single_validator_single_block [minimal]',
      '1 passed, 0 failed',
    ])
    const complete = runInterchangeTests(files, ['complete'])
    expect(complete).toMatchObject({ passed: 0, failed: 1 })
    const both = custos('signer', 'interchange-test', dir, '--strategy', 'both')
    expect(both.code).toBe(1)
    expect(both.lines[0]).toMatch(
      /^FAIL single_validator_single_block \[complete\]: step 0 block 0 \(slot 32\): refused/,
    )
    expect(both.last).toBe('0 passed, 1 failed')
  })

  it('a folder without cases, or no folder → exit 2 with a clear message', () => {
    const empty = tempDir()
    writeFileSync(join(empty, 'schema.json'), '{}')
    const r = custos('signer', 'interchange-test', empty)
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/^error: no EIP-3076 test cases in /)
    expect(() => interchangeCaseFiles(join(empty, 'missing'))).toThrow(
      expect.objectContaining({ code: 'CLI_NO_TEST_CASES', message: expect.stringMatching(/no such folder/) }),
    )
  })
})
