/** The `custos` command as a user runs it (a real child process). */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parse } from 'smol-toml'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/node/index.js'

const BIN = resolve(import.meta.dirname, '../../bin/custos.js')
const homes: string[] = []
const tempHome = () => {
  const h = mkdtempSync(join(tmpdir(), 'custos-cli-'))
  homes.push(h)
  return h
}
afterAll(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true })
})

function custos(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('custos CLI', () => {
  it('--help lists the commands', () => {
    const r = custos('--help')
    expect(r.code).toBe(0)
    for (const c of ['init', 'start', 'dev', 'agent', 'attest', 'config'])
      expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'))
  })

  it('config --print-defaults prints the documented, strict defaults', () => {
    const r = custos('config', '--print-defaults')
    expect(r.code).toBe(0)
    const parsed = parse(r.stdout) as { tee: { platform: string } }
    expect(parsed.tee.platform).not.toBe('simulated')
    const cfg = loadConfig(tempHome(), '')
    expect(cfg.tee.platform).toBe('tdx-tsm')
    expect(cfg.attestation.trust_simulated).toBe(false)
    expect(cfg.attestation.insecure_allow_debug).toBe(false)
    expect(cfg.policy.backend).toBe('static')
    expect(cfg.kms.listen.startsWith('127.0.0.1:')).toBe(true)
    expect(cfg.kms.enforce_self_authorization).toBe(true)
    // every key has a comment above it or beside it
    const lines = r.stdout.split('\n')
    lines.forEach((l, i) => {
      if (/^[a-z_]+ = /.test(l)) expect(`${lines[i - 1]} ${l}`, l).toMatch(/#/)
    })
  })

  it('init writes a config and a deny-all policy, and refuses to overwrite', () => {
    const home = tempHome()
    const r = custos('init', '--home', home, '--dev')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('custos start --home')
    const cfg = loadConfig(home, readFileSync(resolve(home, 'custos.toml'), 'utf8'))
    expect(cfg.tee.platform).toBe('simulated')
    expect(statSync(resolve(home, 'custos.toml')).mode & 0o077).toBe(0)
    const policy = JSON.parse(readFileSync(resolve(home, 'policy.json'), 'utf8'))
    expect(policy.kms.mrAggregated).toEqual([])
    const again = custos('init', '--home', home)
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/--force/)
  })

  it('start refuses the simulated TEE without --dev, saying how to fix it', () => {
    const home = tempHome()
    expect(custos('init', '--home', home, '--dev').code).toBe(0)
    const r = custos('start', '--home', home)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/simulated/)
    expect(r.stderr).toMatch(/--dev/)
  })

  it('start on a real platform that is not available here says so', () => {
    const home = tempHome()
    expect(custos('init', '--home', home).code).toBe(0)
    const r = custos('start', '--home', home)
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/tdx-tsm/)
  })

  it('start without a config points at init', () => {
    const r = custos('start', '--home', join(tempHome(), 'nothing-here'))
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/custos init --home/)
  })

  it('a config error names the key', () => {
    const home = tempHome()
    writeFileSync(resolve(home, 'custos.toml'), '[kms]\nlisten = "nowhere"\n[tee]\nplatfrom = "simulated"\n')
    const r = custos('start', '--home', home, '--dev')
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/kms\.listen/)
    expect(r.stderr).toMatch(/platfrom/)
  })
})
