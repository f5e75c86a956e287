import { readFileSync } from 'node:fs'
import * as x509 from '@peculiar/x509'
import { describe, expect, it } from 'vitest'
import { SecretBytes, toHex } from '../../crypto/index.js'
import { parseQuote } from '../quote/index.js'
import { SIMULATED_FMSPC, SIMULATED_PCK_CA_CN, SIMULATED_PCK_CN, SIMULATED_ROOT_CN } from './constants.js'
import { dcapKey } from './dcapPki.js'
import { decodeSgxExtension, encodeSgxExtension, sgxExtensionOfCertificate } from './sgxExtension.js'
import {
  createSimulatedRootCa,
  isIssuedBy,
  issueSimulatedPck,
  issueSimulatedPckCa,
  readSimulatedPck,
  simulatedFmspc,
} from './simulatedCa.js'

const key = (n: number) => new SecretBytes(new Uint8Array(32).fill(n))

describe('SGX PCK extension', () => {
  it('decodes the real Intel PCK certificate of the TDX sample quote', () => {
    const q = parseQuote(new Uint8Array(readFileSync('../shared/vectors/dcap/tdx_quote')))
    const ext = sgxExtensionOfCertificate(q.pckChainDer[0]!)
    expect(ext).toBeDefined()
    expect(toHex(ext!.fmspc).toUpperCase()).toBe('B0C06F000000')
    expect(ext!.ppid).toHaveLength(16)
    expect(ext!.pceId).toHaveLength(2)
    // re-encoding with our writer gives the fields back
    expect(decodeSgxExtension(encodeSgxExtension(ext!))).toEqual(ext)
    // a certificate without the extension has none
    expect(sgxExtensionOfCertificate(q.pckChainDer[2]!)).toBeUndefined()
  })
  it('refuses malformed input with ATTESTATION_MALFORMED', () => {
    expect(() => decodeSgxExtension(Uint8Array.of(0x30, 0x03, 0x02))).toThrow(
      expect.objectContaining({ code: 'ATTESTATION_MALFORMED' }),
    )
    expect(() => sgxExtensionOfCertificate(new Uint8Array(10))).toThrow(
      expect.objectContaining({ code: 'ATTESTATION_MALFORMED' }),
    )
  })
})

describe('simulated PKI', () => {
  it('root, PCK CA and leaf say SIMULATED/INSECURE, chain verifies, FMSPC selects the TCB verdict', async () => {
    const notBefore = new Date(Date.UTC(2026, 0, 1))
    const rootDer = await createSimulatedRootCa({ key: key(1), notBefore })
    const caDer = await issueSimulatedPckCa({ rootCertDer: rootDer, rootKey: key(1), key: key(4), notBefore })
    const ppid = new Uint8Array(16).fill(0x33)
    const fmspc = simulatedFmspc({ tcbStatus: 'OutOfDate', advisoryIds: ['INTEL-SA-00615', 'INTEL-SA-00289'] })
    const pckDer = await issueSimulatedPck({
      pckCaCertDer: caDer,
      pckCaKey: key(4),
      pckKey: key(2),
      ppid,
      fmspc,
      notBefore,
    })
    const root = new x509.X509Certificate(rootDer)
    const ca = new x509.X509Certificate(caDer)
    const leaf = new x509.X509Certificate(pckDer)
    expect(root.subject).toContain(SIMULATED_ROOT_CN)
    expect(root.subject).toContain('INSECURE')
    expect(ca.subject).toContain(SIMULATED_PCK_CA_CN)
    expect(leaf.subject).toContain(SIMULATED_PCK_CN)
    expect(leaf.issuer).toBe(ca.subject)
    expect(ca.issuer).toBe(root.subject)
    expect(new Uint8Array(leaf.publicKey.rawData)).toEqual(dcapKey(key(2)).spki)
    expect(isIssuedBy(pckDer, caDer)).toBe(true)
    expect(isIssuedBy(caDer, rootDer)).toBe(true)
    expect(isIssuedBy(rootDer, rootDer)).toBe(true)
    expect(isIssuedBy(pckDer, rootDer)).toBe(false)
    expect(isIssuedBy(pckDer, pckDer)).toBe(false)
    const sgx = readSimulatedPck(pckDer)
    expect(sgx?.ppid).toEqual(ppid)
    expect(sgx?.fmspc).toEqual(fmspc)
    // UpToDate without advisories is the base FMSPC; every other verdict gets its own under 5C5C
    expect(simulatedFmspc({ tcbStatus: 'UpToDate', advisoryIds: [] })).toEqual(SIMULATED_FMSPC)
    expect(toHex(fmspc).slice(0, 4)).toBe('5c5c')
    expect(fmspc).not.toEqual(simulatedFmspc({ tcbStatus: 'OutOfDate', advisoryIds: [] }))
  })
})
