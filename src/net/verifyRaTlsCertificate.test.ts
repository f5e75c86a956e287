import { beforeAll, describe, expect, it } from 'vitest'
import {
  type Attestation,
  createVerifier,
  type EvidenceVerifier,
  encodeVersionedAttestation,
} from '../attestation/index.js'
import { exportSpkiDer, generateP256KeyPair, toHex } from '../crypto/index.js'
import { createSimulatedVendorInMemory, provisionSimulatedMachineInMemory, SimulatedTee } from '../tee/index.js'
import { createRaTlsCertificate } from './createRaTlsCertificate.js'
import { createRaTlsIdentity } from './createRaTlsIdentity.js'
import { encodeRaTlsExtensionValue } from './raTlsExtension.js'
import { legacyToAttestation } from './raTlsLegacy.js'
import { RATLS_OID } from './raTlsOids.js'
import { raTlsReportData } from './raTlsReportData.js'
import { type RaTlsCertificateInfo, readRaTlsCertificate } from './readRaTlsCertificate.js'
import { verifyRaTlsCertificate } from './verifyRaTlsCertificate.js'

const APP_ID = new Uint8Array(20).fill(0xa1)
const now = () => Math.floor(Date.now() / 1000)
let tee: SimulatedTee
let verifier: EvidenceVerifier
let untrusting: EvidenceVerifier

beforeAll(async () => {
  const vendor = await createSimulatedVendorInMemory()
  const machine = await provisionSimulatedMachineInMemory({ vendor })
  tee = new SimulatedTee({ machine, workload: { osImageHash: new Uint8Array(32).fill(5), appId: APP_ID } })
  verifier = createVerifier({ trustSimulated: true, simulatedRoots: [vendor] })
  untrusting = createVerifier({ trustSimulated: false, simulatedRoots: [] })
})

describe('verifyRaTlsCertificate', () => {
  it('accepts a simulated-TEE RA-TLS certificate and returns the attested identity', async () => {
    const id = await createRaTlsIdentity({ tee, subject: 'kms.example', usage: 'kms:rpc', appId: APP_ID })
    const v = await verifyRaTlsCertificate(id.cert.der, verifier, now(), { expectedUsage: 'kms:rpc' })
    expect(v.identity.platform).toBe('simulated')
    expect(toHex(v.identity.appId)).toBe(toHex(APP_ID))
    expect(toHex(v.identity.reportData)).toBe(toHex(raTlsReportData(id.spki)))
    expect(toHex(v.spki)).toBe(toHex(id.spki))
    expect([v.usage, v.appId]).toEqual(['kms:rpc', APP_ID])
  })

  it('accepts what readRaTlsCertificate already read, without parsing the certificate again', async () => {
    const id = await createRaTlsIdentity({ tee, subject: 'kms.example', usage: 'kms:rpc', appId: APP_ID })
    const read = readRaTlsCertificate(id.cert.der)
    // the full X.509 parse is never needed on this path
    const info = Object.defineProperty({ ...read }, 'cert', {
      get: () => {
        throw new Error('full parse used')
      },
    }) as RaTlsCertificateInfo
    const v = await verifyRaTlsCertificate(info, verifier, now(), { expectedUsage: 'kms:rpc' })
    expect(toHex(v.spki)).toBe(toHex(id.spki))
    expect([v.usage, v.appId, v.identity.platform]).toEqual(['kms:rpc', APP_ID, 'simulated'])
    await expect(verifyRaTlsCertificate(info, verifier, now() + 20 * 365 * 86400)).rejects.toMatchObject({
      code: 'NET_BAD_CERT',
      shortMessage: 'the peer certificate is outside its validity period',
    })
  })

  it('passes expectedReportData = raTlsReportData(SPKI) to the verifier', async () => {
    const id = await createRaTlsIdentity({ tee, subject: 'x' })
    const seen: (Uint8Array | undefined)[] = []
    const spy: EvidenceVerifier = {
      verify: (att: Attestation, o) => {
        seen.push(o.expectedReportData)
        return verifier.verify(att, o)
      },
    }
    await verifyRaTlsCertificate(id.cert.der, spy, now())
    expect(seen.map((b) => b && toHex(b))).toEqual([toHex(raTlsReportData(id.spki))])
  })

  it('evidence for another key → NET_BINDING_MISMATCH (and the verifier is never asked)', async () => {
    const a = await generateP256KeyPair()
    const b = await generateP256KeyPair()
    const att = encodeVersionedAttestation(await tee.attest(raTlsReportData(await exportSpkiDer(a.publicKey))))
    const cert = await createRaTlsCertificate({ keys: b, subject: 'b', attestation: att })
    let calls = 0
    const spy: EvidenceVerifier = {
      verify: (x, o) => {
        calls++
        return verifier.verify(x, o)
      },
    }
    await expect(verifyRaTlsCertificate(cert.der, spy, now())).rejects.toMatchObject({
      code: 'NET_BINDING_MISMATCH',
      status: 400,
    })
    expect(calls).toBe(0)
  })

  it('a forged report_data field (quote still for key A) is caught by the verifier → NET_BINDING_MISMATCH', async () => {
    const a = await generateP256KeyPair()
    const b = await generateP256KeyPair()
    const att = await tee.attest(raTlsReportData(await exportSpkiDer(a.publicKey)))
    const forged = { ...att, reportData: raTlsReportData(await exportSpkiDer(b.publicKey)) }
    const cert = await createRaTlsCertificate({
      keys: b,
      subject: 'b',
      attestation: encodeVersionedAttestation(forged),
    })
    await expect(verifyRaTlsCertificate(cert.der, verifier, now())).rejects.toMatchObject({
      code: 'NET_BINDING_MISMATCH',
    })
  })

  it('refusals: no attestation, wrong usage, undecodable, untrusted platform, expired', async () => {
    const keys = await generateP256KeyPair()
    const plain = await createRaTlsCertificate({ keys, subject: 'plain', usage: 'app:custom' })
    await expect(verifyRaTlsCertificate(plain.der, verifier, now())).rejects.toMatchObject({
      code: 'NET_NO_ATTESTATION',
    })
    await expect(
      verifyRaTlsCertificate(plain.der, verifier, now(), { expectedUsage: 'kms:rpc' }),
    ).rejects.toMatchObject({ code: 'NET_WRONG_USAGE' })
    const garbage = await createRaTlsCertificate({ keys, subject: 'g', attestation: new Uint8Array([0x07, 1, 2]) })
    await expect(verifyRaTlsCertificate(garbage.der, verifier, now())).rejects.toMatchObject({
      code: 'NET_PEER_REJECTED',
      meta: { reason: 'ATTESTATION_MALFORMED' },
    })
    const id = await createRaTlsIdentity({ tee, subject: 'x', keys, notBefore: now() - 100, notAfter: now() + 100 })
    await expect(verifyRaTlsCertificate(id.cert.der, untrusting, now())).rejects.toMatchObject({
      code: 'NET_PEER_REJECTED',
      meta: { reason: 'ATTESTATION_SIMULATED_NOT_TRUSTED' },
    })
    await expect(verifyRaTlsCertificate(id.cert.der, verifier, now() + 1000)).rejects.toMatchObject({
      code: 'NET_BAD_CERT',
    })
  })
})

describe('legacy .1.1 + .1.2 certificates', () => {
  it('rebuild an Attestation with the quote report_data and the RTMR3 runtime events', async () => {
    const keys = await generateP256KeyPair()
    const rd = raTlsReportData(await exportSpkiDer(keys.publicKey))
    const att = await tee.attest(rd)
    if (att.quote.type !== 'tdx') throw new Error('expected tdx')
    const quote = att.quote.quote
    const log = JSON.stringify(
      att.quote.eventLog.map((e) => ({
        imr: e.imr,
        event_type: e.eventType,
        digest: toHex(e.digest),
        event: e.event,
        event_payload: toHex(e.eventPayload),
      })),
    )
    const cert = await createRaTlsCertificate({
      keys,
      subject: 'legacy',
      extensions: [
        { oid: RATLS_OID.tdxQuote, value: encodeRaTlsExtensionValue(att.quote.quote) },
        { oid: RATLS_OID.eventLog, value: encodeRaTlsExtensionValue(new TextEncoder().encode(log)) },
      ],
    })
    const rebuilt = legacyToAttestation(att.quote.quote, new TextEncoder().encode(log))
    expect(toHex(rebuilt.reportData)).toBe(toHex(rd))
    expect(rebuilt.runtimeEvents.map((e) => e.event)).toEqual(att.runtimeEvents.map((e) => e.event))
    expect(rebuilt.config).toBe('')
    // dstack legacy certs carry no vm config: the binding check passes, the DCAP verifier then wants the simulated
    // measurements' os_image_hash
    await expect(verifyRaTlsCertificate(cert.der, verifier, now())).rejects.toMatchObject({
      code: 'NET_PEER_REJECTED',
      meta: { reason: 'DCAP_MEASUREMENT_MISMATCH' },
    })
    expect(() => legacyToAttestation(new Uint8Array(10), new TextEncoder().encode('[]'))).toThrow(
      expect.objectContaining({ code: 'NET_BAD_CERT' }),
    )
    expect(() => legacyToAttestation(quote, new TextEncoder().encode('{'))).toThrow(
      expect.objectContaining({ code: 'NET_BAD_CERT' }),
    )
  })
})
