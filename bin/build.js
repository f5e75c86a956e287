#!/usr/bin/env node
/**
 * `npm run build`: compile src/ to dist/ with `tsc -p tsconfig.build.json` (ES2022 modules, source maps, no
 * declarations), copy the files under src/ that the code reads at run time (every non-TypeScript file, e.g.
 * src/node/defaults.toml), then write dist/.build-stamp. bin/custos.js runs dist/ only while that stamp is newer
 * than every file under src/. The contracts are read from <package>/contracts/ by path, as from src/.
 *
 *   node bin/build.js [--out-dir DIR] [--no-check]
 * --out-dir builds somewhere else (default dist/; a relative DIR is taken from the package root); --no-check
 * emits without type checking (`npm run typecheck` does that), about 3x faster.
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const args = process.argv.slice(2)
const at = args.indexOf('--out-dir')
const out = resolve(root, at >= 0 ? (args[at + 1] ?? '') : 'dist')
if (at >= 0 && !args[at + 1]) {
  process.stderr.write('usage: node bin/build.js [--out-dir DIR] [--no-check]\n')
  process.exit(2)
}

const t0 = performance.now()
rmSync(out, { recursive: true, force: true })
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const r = spawnSync(
  process.execPath,
  [
    tsc,
    '-p',
    join(root, 'tsconfig.build.json'),
    '--outDir',
    out,
    ...(args.includes('--no-check') ? ['--noCheck'] : []),
  ],
  { stdio: 'inherit', cwd: root },
)
if (r.status !== 0) {
  process.stderr.write(
    `build: tsc failed (exit ${r.status ?? r.signal}); ${relative(root, out) || out} is incomplete\n`,
  )
  process.exit(1)
}

const src = join(root, 'src')
const assets = readdirSync(src, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && !e.name.endsWith('.ts'))
  .map((e) => relative(src, join(e.parentPath ?? e.path, e.name)))
for (const a of assets) {
  mkdirSync(dirname(join(out, a)), { recursive: true })
  copyFileSync(join(src, a), join(out, a))
}
writeFileSync(join(out, '.build-stamp'), `${new Date().toISOString()}\n`)
process.stdout.write(
  `built ${relative(root, out) || out}/ in ${((performance.now() - t0) / 1000).toFixed(1)} s (assets: ${assets.join(', ') || 'none'})\n`,
)
