import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { readVector } from '../../../test/support/vectors.js'
import { toHex } from '../../crypto/index.js'
import { NsmDriver } from './nsmDriver.js'

const dir = mkdtempSync(join(tmpdir(), 'custos-nsm-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Writes a fake NSM helper (a Node script) that logs its request line and answers with `answer`. */
function fakeHelper(name: string, answer: string): string {
  const path = join(dir, name)
  writeFileSync(
    path,
    `#!${process.execPath}
const fs = require('node:fs')
let input = ''
process.stdin.on('data', (c) => (input += c))
process.stdin.on('end', () => {
  fs.writeFileSync(${JSON.stringify(`${path}.request`)}, input)
  process.stdout.write(${JSON.stringify(answer)})
})
`,
  )
  chmodSync(path, 0o755)
  return path
}

describe('NsmDriver (fake JSON-lines helper)', () => {
  it('sends report_data as user_data and returns the COSE_Sign1 document', async () => {
    const doc = readVector('nitro/evervault_valid_attestation_doc.cbor')
    const helperPath = fakeHelper('ok', `${JSON.stringify({ document: toHex(doc) })}\n`)
    const rd = new Uint8Array(64).fill(0x42)
    const att = await new NsmDriver({ helperPath }).attest(rd)
    expect(JSON.parse(readFileSync(`${helperPath}.request`, 'utf8'))).toEqual({
      method: 'attestation',
      user_data: toHex(rd),
    })
    expect(att.quote).toEqual({ type: 'nitro', nsmQuote: doc })
    expect(att.reportData).toEqual(rd)
  })

  it('turns helper errors, junk and a missing helper into typed errors', async () => {
    const rd = new Uint8Array(64)
    const err = (p: string) => new NsmDriver({ helperPath: p, timeoutMs: 5000 }).attest(rd).catch((e) => e.code)
    expect(await err(fakeHelper('err', '{"error":"NSM ioctl failed"}\n'))).toBe('TEE_HELPER_ERROR')
    expect(await err(fakeHelper('junk', 'hello\n'))).toBe('TEE_HELPER_ERROR')
    expect(await err(fakeHelper('silent', ''))).toBe('TEE_HELPER_ERROR')
    expect(await err(fakeHelper('notcose', '{"document":"00ff"}\n'))).toBe('TEE_BAD_EVIDENCE')
    expect(await err(join(dir, 'missing-helper'))).toBe('TEE_DEVICE_UNAVAILABLE')
  })

  it('has no local sealing key', async () => {
    await expect(new NsmDriver().sealingKey()).rejects.toMatchObject({ code: 'TEE_NO_SEALING_KEY' })
  })
})
