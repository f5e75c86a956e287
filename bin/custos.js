#!/usr/bin/env node
// Runs the compiled CLI (dist/, made by `npm run build`) when it is there and newer than every source, so a
// node does not compile TypeScript at start-up; otherwise the TypeScript sources through tsx's loader (a
// checkout needs no build step, and an edit after a build is never shadowed by the old dist/).
// CUSTOS_TSX=1 always runs the sources.
import { existsSync, readdirSync, statSync } from 'node:fs'

const dist = new URL('../dist/cli/main.js', import.meta.url)
const stamp = new URL('../dist/.build-stamp', import.meta.url)
const src = new URL('../src', import.meta.url)

/**
 * The newest file mtime under dir. Files only: an installed package has every file at npm's fixed date but its
 * folders at the install time. (A file removed or renamed in a checkout means its importers were edited.)
 */
function newest(dir) {
  let max = 0
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) max = Math.max(max, statSync(`${e.parentPath ?? e.path}/${e.name}`).mtimeMs)
  }
  return max
}

function distIsCurrent() {
  if (process.env.CUSTOS_TSX === '1' || !existsSync(dist) || !existsSync(stamp)) return false
  // a package may ship dist/ without src/
  return !existsSync(src) || newest(src) <= statSync(stamp).mtimeMs
}

if (distIsCurrent()) {
  await import(dist.href)
} else {
  const { register } = await import('tsx/esm/api')
  register()
  await import('../src/cli/main.ts')
}
