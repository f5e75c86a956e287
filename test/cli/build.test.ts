/**
 * The compiled build (`npm run build` → dist/): it runs without tsx, loads neither the local EVM nor solc for
 * `custos --version` / `custos start`, and bin/custos.js picks it over the sources while it is current.
 *
 * Built once into a temporary package root (dist/, bin/custos.js, package.json, node_modules and contracts/
 * linked), the layout of an installed package: nothing here touches the checkout's own dist/. The build skips
 * type checking (`--no-check`; `npm run typecheck` checks the same sources) to stay well under a minute.
 */
import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process'
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'

const REPO = resolve(import.meta.dirname, '../..')
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version
let root: string
let dist: string
let bin: string
const homes: string[] = []

/** Preloaded into every custos process here: reports which dev-only or loader packages it has loaded. */
const probe = resolve(import.meta.dirname, 'loadProbe.cjs')

interface Loaded {
  edr: boolean
  solc: boolean
  tsx: boolean
}
const loadedBy = (r: { stderr: string }): Loaded => {
  const line = r.stderr.split('\n').find((l) => l.startsWith('probe '))
  expect(line, r.stderr).toBeDefined()
  return JSON.parse((line as string).slice('probe '.length)) as Loaded
}

function run(entry: string, args: string[], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--require', probe, entry, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, CUSTOS_TSX: '', ...env },
  })
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'custos-build-'))
  dist = join(root, 'dist')
  const r = spawnSync(process.execPath, [join(REPO, 'bin/build.js'), '--out-dir', dist, '--no-check'], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 150_000,
  })
  expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0)
  expect(r.stdout).toMatch(/^built .*dist\/ in [\d.]+ s \(assets: .*node\/defaults\.toml/m)
  mkdirSync(join(root, 'bin'))
  bin = join(root, 'bin', 'custos.js')
  copyFileSync(join(REPO, 'bin/custos.js'), bin)
  copyFileSync(join(REPO, 'package.json'), join(root, 'package.json'))
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'), 'dir')
  symlinkSync(join(REPO, 'contracts'), join(root, 'contracts'), 'dir')
}, 180_000)

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true })
  for (const h of homes) rmSync(h, { recursive: true, force: true })
})

const jsFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'))

describe('npm run build (dist/)', () => {
  it('emits JavaScript with source maps and the run-time assets, without tests or declarations', () => {
    const js = jsFiles(dist)
    expect(js).toContain(join('cli', 'main.js'))
    expect(js).toContain(join('devchain', 'index.js'))
    // tests and the abis.ts generator belong to a checkout, not to a build (test helpers live in test/support/)
    const devOnly = [join('devchain', 'generateAbis.js')]
    expect(js.filter((f) => f.endsWith('.test.js') || devOnly.includes(f))).toEqual([])
    for (const f of js) expect(existsSync(join(dist, `${f}.map`)), f).toBe(true)
    expect(readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.d.ts'))).toEqual([])
    expect(readFileSync(join(dist, 'node', 'defaults.toml'), 'utf8')).toBe(
      readFileSync(join(REPO, 'src', 'node', 'defaults.toml'), 'utf8'),
    )
    expect(existsSync(join(dist, '.build-stamp'))).toBe(true)
  })

  it('every file the compiled code opens beside itself (new URL(…, import.meta.url)) exists', () => {
    const missing: string[] = []
    for (const f of jsFiles(dist)) {
      const text = readFileSync(join(dist, f), 'utf8')
      for (const m of text.matchAll(/new URL\(\s*'(\.{1,2}\/[^']+)',\s*import\.meta\.url\s*\)/g)) {
        const target = resolve(dist, dirname(f), m[1] as string)
        if (!existsSync(target)) missing.push(relative(dist, target))
      }
    }
    expect(missing).toEqual([])
    // the slashing-commit worker is picked by extension (a template URL the scan above cannot read)
    expect(existsSync(join(dist, 'signer', 'service', 'slashingCommitWorker.js'))).toBe(true)
  })

  it('node dist/cli/main.js --version prints the version, without tsx, EDR or solc', () => {
    const r = run(join(dist, 'cli', 'main.js'), ['--version'])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toBe(`${VERSION}\n`)
    expect(loadedBy(r)).toEqual({ edr: false, solc: false, tsx: false })
  })

  it('custos --help through bin/custos.js runs dist/ (an installed package: no src/ beside it)', () => {
    const r = run(bin, ['--help'])
    expect(r.status, r.stderr).toBe(0)
    for (const c of ['init', 'start', 'dev', 'agent', 'attest', 'signer', 'policy', 'contracts', 'config'])
      expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'))
    expect(loadedBy(r)).toEqual({ edr: false, solc: false, tsx: false })
    const c = run(bin, ['contracts', '--help'])
    expect(c.status, c.stderr).toBe(0)
    expect(c.stdout).toMatch(/^ {2}deploy\b/m)
  })

  it('custos start from dist/ listens, and has loaded neither EDR nor solc', async () => {
    const home = mkdtempSync(join(tmpdir(), 'custos-build-home-'))
    homes.push(home)
    expect(run(bin, ['init', '--home', home, '--dev']).status).toBe(0)
    const toml = join(home, 'custos.toml')
    writeFileSync(toml, readFileSync(toml, 'utf8').replace('listen = "127.0.0.1:8000"', 'listen = "127.0.0.1:0"'))
    const child = spawn(process.execPath, ['--require', probe, bin, 'start', '--home', home, '--dev'], {
      cwd: root,
      env: { ...process.env, CUSTOS_TSX: '' },
    })
    let out = ''
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)))
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`no "listening" within 30 s:\n${out}`)), 30_000)
      const onData = (d: Buffer) => {
        out += d.toString()
        if (/"msg":"onboard service listening/.test(out)) {
          clearTimeout(timer)
          ready()
        }
      }
      child.stdout.on('data', onData)
      child.stderr.on('data', onData)
      child.once('exit', () => fail(new Error(`exited before listening:\n${out}`)))
    })
    // a node still waiting for its keys has no SIGTERM handler yet (it just dies): ask the probe first
    child.kill('SIGUSR2')
    await vi.waitFor(() => expect(out).toContain('probe '), { timeout: 10_000 })
    child.kill('SIGTERM')
    await exited
    expect(loadedBy({ stderr: out })).toEqual({ edr: false, solc: false, tsx: false })
  })

  it('bin/custos.js runs the sources through tsx when dist/ is older than src/, or with CUSTOS_TSX=1', () => {
    const stamp = join(dist, '.build-stamp')
    symlinkSync(join(REPO, 'src'), join(root, 'src'), 'dir')
    try {
      utimesSync(stamp, new Date(0), new Date(0)) // a source edited after the build
      const stale = run(bin, ['--version'])
      expect(stale.status, stale.stderr).toBe(0)
      expect(stale.stdout).toBe(`${VERSION}\n`)
      expect(loadedBy(stale).tsx).toBe(true)

      const later = new Date(Date.now() + 3600_000)
      utimesSync(stamp, later, later) // built after every source
      expect(loadedBy(run(bin, ['--version'])).tsx).toBe(false)
      const forced = run(bin, ['--version'], { CUSTOS_TSX: '1' })
      expect(forced.stdout).toBe(`${VERSION}\n`)
      expect(loadedBy(forced).tsx).toBe(true)
    } finally {
      rmSync(join(root, 'src'))
    }
  })
})
