import 'reflect-metadata'
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { nullLogger } from '../src/log.js'
import { startDevnet } from '../src/node/index.js'
const net = await startDevnet({ home: mkdtempSync(join(tmpdir(), 'prof-')), nodes: 1, basePort: 0, logger: nullLogger })
await new Promise<void>((res) => {
  const c = spawn(process.execPath, ['--import', 'tsx', 'bench/kmsLoad.ts', net.demoApp.home, net.urls[0]!, '8', '6'], { stdio: ['ignore', 'ignore', 'inherit'] })
  c.on('exit', () => res())
})
await net.close()
process.exit(0)
