import { readFileSync } from 'node:fs'
import * as x509 from '@peculiar/x509'
import { describe, expect, it } from 'vitest'
import { SecretBytes, toHex } from '../../crypto/index.js'
import { parseQuote } from '../quote/index.js'
import { findExtension } from './certDer.js'
import { SGX_EXTENSION_OID, SIMULATED_PCK_CN, SIMULATED_ROOT_CN, SIMULATED_TCB_OID } from './constants.js'
import { oid, oidToString } from './der.js'
import { decodeSgxExtension, encodeSgxExtension } from './sgxExtension.js'
import { createSimulatedRootCa, issueSimulatedPck } from './simulatedCa.js'
import { isIssuedBy, readSimulatedPck } from './simulatedPck.js'

const key = (n: number) => new SecretBytes(new Uint8Array(32).fill(n))

describe('SGX PCK extension', () => {
  it('decodes the real Intel PCK certificate of the TDX sample quote', () => {
    const q = parseQuote(new Uint8Array(readFileSync('../shared/vectors/dcap/tdx_quote')))
    const leaf = q.pckChainDer[0]!
    const value = findExtension(leaf, oid(SGX_EXTENSION_OID))
    expect(value).toBeDefined()
    const ext = decodeSgxExtension(value!)
    expect(toHex(ext.fmspc).toUpperCase()).toBe('B0C06F000000')
    expect(ext.ppid).toHaveLength(16)
    expect(ext.pceId).toHaveLength(2)
    // re-encoding with our writer gives the fields back
    expect(decodeSgxExtension(encodeSgxExtension(ext))).toEqual(ext)
  })
  it('OID codec handles the 128-bit 2.25 arc', () => {
    const tlv = oid(SIMULATED_TCB_OID)
    expect(oidToString(tlv.subarray(2))).toBe(SIMULATED_TCB_OID)
    expect(oidToString(oid('1.2.840.113741.1.13.1.4').subarray(2))).toBe('1.2.840.113741.1.13.1.4')
  })
})

describe('simulated PKI', () => {
  it('root and leaf say SIMULATED/INSECURE, chain verifies, TCB verdict is signed in', async () => {
    const notBefore = new Date(Date.UTC(2026, 0, 1))
    const rootDer = await createSimulatedRootCa({ key: key(1), notBefore })
    const ppid = new Uint8Array(16).fill(0x33)
    const pckDer = await issueSimulatedPck({
      rootCertDer: rootDer,
      rootKey: key(1),
      pckKey: key(2),
      ppid,
      tcbStatus: 'OutOfDate',
      advisoryIds: ['INTEL-SA-00615', 'INTEL-SA-00289'],
      notBefore,
    })
    const root = new x509.X509Certificate(rootDer)
    const leaf = new x509.X509Certificate(pckDer)
    expect(root.subject).toContain(SIMULATED_ROOT_CN)
    expect(root.subject).toContain('INSECURE')
    expect(leaf.subject).toContain(SIMULATED_PCK_CN)
    expect(leaf.issuer).toBe(root.subject)
    expect(isIssuedBy(pckDer, rootDer)).toBe(true)
    expect(isIssuedBy(rootDer, rootDer)).toBe(true)
    expect(isIssuedBy(pckDer, pckDer)).toBe(false)
    // the TCB extension is under the real 2.25 OID bytes
    expect(Buffer.from(pckDer).indexOf(Buffer.from(oid(SIMULATED_TCB_OID)))).toBeGreaterThan(0)
    const info = readSimulatedPck(pckDer)
    expect(info.tcb).toEqual({ tcbStatus: 'OutOfDate', advisoryIds: ['INTEL-SA-00615', 'INTEL-SA-00289'] })
    expect(info.sgx.ppid).toEqual(ppid)
    expect(info.sgx.fmspc).toHaveLength(6)
  })
})
