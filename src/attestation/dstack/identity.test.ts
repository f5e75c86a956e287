import { sha256, sha384 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { concatBytes, toHex, utf8ToBytes } from '../../crypto/index.js'
import type { RuntimeEvent } from '../types.js'
import { composeHashOf, computeDstackIdentity, defaultAppIdOf, type TdRegisters } from './identity.js'
import { quoteReportData } from './reportData.js'
import { findEventPayload, replayRuntimeEvents, runtimeEventDigest } from './runtimeEvents.js'
import { osImageHashFromConfig } from './vmConfig.js'

const fill = (n: number, v: number) => new Uint8Array(n).fill(v)
const ev = (event: string, payload: Uint8Array = new Uint8Array(0)): RuntimeEvent => ({ event, payload })

describe('runtime events (cc-eventlog V1)', () => {
  it('digest matches dstack v1_digest_unchanged preimage', () => {
    const e = ev('app-id', Uint8Array.of(0xde, 0xad, 0xbe, 0xef))
    const pre = concatBytes(
      Uint8Array.of(0x01, 0x00, 0x00, 0x08),
      utf8ToBytes(':app-id:'),
      Uint8Array.of(0xde, 0xad, 0xbe, 0xef),
    )
    expect(toHex(runtimeEventDigest(e))).toBe(toHex(sha384(pre)))
    expect(toHex(runtimeEventDigest(e, 'sha256'))).toBe(toHex(sha256(pre)))
  })
  it('replay extends from zeros and stops after boot-mr-done in boot mode', () => {
    const events = [ev('a', fill(1, 1)), ev('boot-mr-done'), ev('b', fill(1, 2))]
    let mr: Uint8Array = new Uint8Array(48)
    const steps: Uint8Array[] = []
    for (const e of events) {
      mr = sha384(concatBytes(mr, runtimeEventDigest(e)))
      steps.push(mr)
    }
    expect(replayRuntimeEvents(events)).toEqual(steps[2])
    expect(replayRuntimeEvents(events, { toEvent: 'boot-mr-done' })).toEqual(steps[1])
    expect(replayRuntimeEvents([])).toEqual(new Uint8Array(48))
    expect(replayRuntimeEvents([], { hash: 'sha256' })).toEqual(new Uint8Array(32))
  })
  it('identity fields are read only before system-ready', () => {
    const events = [ev('system-ready'), ev('app-id', fill(20, 1))]
    expect(findEventPayload(events, 'app-id')).toBeUndefined()
    expect(findEventPayload([ev('app-id', fill(20, 1)), ev('app-id', fill(20, 2))], 'app-id')).toEqual(fill(20, 1))
  })
})

describe('computeDstackIdentity', () => {
  const report: TdRegisters = {
    mrTd: fill(48, 1),
    rtmr: [fill(48, 2), fill(48, 3), fill(48, 4), fill(48, 5)],
    mrConfigId: fill(48, 0),
    mrOwner: fill(48, 0),
    mrOwnerConfig: fill(48, 0),
  }
  const events = [
    ev('system-preparing'),
    ev('app-id', fill(20, 0xa1)),
    ev('compose-hash', fill(32, 0xc1)),
    ev('instance-id', fill(20, 0x11)),
    ev('boot-mr-done'),
    ev('key-provider', utf8ToBytes('{"name":"kms","id":"00"}')),
    ev('system-ready'),
  ]
  const base = {
    platform: 'tdx' as const,
    report,
    runtimeEvents: events,
    config: '{"os_image_hash":"' + 'ab'.repeat(32) + '"}',
    rawDeviceId: fill(16, 7),
    tcbStatus: 'UpToDate' as const,
    advisoryIds: [],
    debug: false,
    reportData: fill(64, 0),
  }
  const regs = concatBytes(fill(48, 1), fill(48, 2), fill(48, 3), fill(48, 4))

  it('runtime MR: full replay, key provider hashed into mr_system', () => {
    const id = computeDstackIdentity(base)
    const kp = utf8ToBytes('{"name":"kms","id":"00"}')
    expect(id.mrSystem).toEqual(sha256(concatBytes(regs, sha256(kp))))
    expect(id.mrAggregated).toEqual(sha256(concatBytes(regs, replayRuntimeEvents(events))))
    expect(id.appId).toEqual(fill(20, 0xa1))
    expect(id.composeHash).toEqual(fill(32, 0xc1))
    expect(id.instanceId).toEqual(fill(20, 0x11))
    expect(id.deviceId).toEqual(sha256(fill(16, 7)))
    expect(id.osImageHash).toEqual(fill(32, 0xab))
    expect(id.keyProviderInfo).toEqual(kp)
  })
  it('boot-time MR: replay to boot-mr-done, key provider forced empty', () => {
    const id = computeDstackIdentity({ ...base, boottimeMr: true })
    expect(id.mrSystem).toEqual(sha256(concatBytes(regs, new Uint8Array(32))))
    expect(id.mrAggregated).toEqual(sha256(concatBytes(regs, replayRuntimeEvents(events.slice(0, 5)))))
    expect(id.keyProviderInfo).toHaveLength(0)
  })
  it('appends MRCONFIGID ‖ MROWNER ‖ MROWNERCONFIG only when any is non-zero', () => {
    const r2 = { ...report, mrOwner: fill(48, 9) }
    const id = computeDstackIdentity({ ...base, report: r2 })
    const rt3 = replayRuntimeEvents(events)
    expect(id.mrAggregated).toEqual(sha256(concatBytes(regs, rt3, fill(48, 0), fill(48, 9), fill(48, 0))))
  })
  it('external vm_config wins; wrapper {"vm_config": "..."} is unwrapped', () => {
    expect(osImageHashFromConfig('{"os_image_hash":"01"}', '{"os_image_hash":"02"}')).toEqual(Uint8Array.of(2))
    expect(osImageHashFromConfig(JSON.stringify({ vm_config: '{"os_image_hash":"0a0b"}' }))).toEqual(
      Uint8Array.of(10, 11),
    )
    expect(osImageHashFromConfig('')).toEqual(new Uint8Array(0))
    expect(() => osImageHashFromConfig('not json')).toThrow(expect.objectContaining({ code: 'ATTESTATION_MALFORMED' }))
  })
})

describe('compose hash, default app id, report data', () => {
  it('compose hash = sha256(bytes); default app id = first 20 bytes', () => {
    const json = utf8ToBytes('{"a":1}')
    expect(composeHashOf(json)).toEqual(sha256(json))
    expect(defaultAppIdOf(json)).toEqual(sha256(json).slice(0, 20))
  })
  it('report data = sha512(tag:content)', async () => {
    const { sha512 } = await import('@noble/hashes/sha2.js')
    expect(quoteReportData('ratls-cert', Uint8Array.of(1, 2))).toEqual(
      sha512(concatBytes(utf8ToBytes('ratls-cert:'), Uint8Array.of(1, 2))),
    )
  })
})
