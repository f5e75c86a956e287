/** SignCert's certificate extensions, in process: the AppInfo extension dstack's sign_csr adds for ext_app_info. */
import { sign as nodeSign } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { codeOfAsync } from '../../test/support/errors.js'
import { type SimulatedGuest, simulatedGuest } from '../agent/testKit.js'
import {
  appInfoFromIdentity,
  decodeAppInfo,
  decodeVersionedAttestation,
  encodeAppInfo,
  encodeAttestationV1,
  encodeVersionedAttestation,
} from '../attestation/index.js'
import {
  CSR_CONFIRM,
  encodeCsrV2,
  exportPkcs8Pem,
  exportSpkiDer,
  generateP256KeyPair,
  parseCertificate,
  pemToDer,
  SecretBytes,
  toHex,
} from '../crypto/index.js'
import { memoryLogger } from '../log.js'
import { RATLS_OID, raTlsReportData, readRaTlsCertificate } from '../net/index.js'
import { createRootCaCert } from './certs.js'
import type { SelfIdentity } from './guards.js'
import { signCert } from './signCert.js'
import type { KmsMaterial } from './types.js'
import { SignCertInput } from './wire.js'

const now = () => Math.floor(Date.now() / 1000)
let guest: SimulatedGuest
let material: KmsMaterial

beforeAll(async () => {
  guest = await simulatedGuest('{"name":"app-info-test"}\n')
  // an app event after boot: the runtime MR (which AppInfo carries) then differs from the boot-time MR (authorised)
  guest.tee.emitEvent('app-event', Uint8Array.of(1, 2, 3))
  const rootCaKey = new SecretBytes(new Uint8Array(32).fill(3))
  material = { rootCaKey, rootCaCertPem: await createRootCaCert(rootCaKey, now()) } as KmsMaterial
})

function kms() {
  return {
    material: () => material,
    self: {} as SelfIdentity,
    deps: {
      options: { enforceSelfAuthorization: false },
      policy: { check: async () => ({ allowed: true, reason: '', gatewayAppId: '' }) },
      logger: memoryLogger(),
      now,
      verifier: guest.verifier,
    },
  } as unknown as Parameters<typeof signCert>[0]
}

async function request(extAppInfo: boolean, wire: 'v0' | 'v1' = 'v0') {
  const keys = await generateP256KeyPair()
  const spki = await exportSpkiDer(keys.publicKey)
  const evidence = await guest.tee.attest(raTlsReportData(spki))
  const attestation = wire === 'v0' ? encodeVersionedAttestation(evidence) : encodeAttestationV1(evidence)
  const csr = encodeCsrV2({
    confirm: CSR_CONFIRM,
    pubkey: spki,
    config: {
      subject: 'app.example',
      subjectAltNames: [],
      usageServerAuth: true,
      usageClientAuth: false,
      extQuote: true,
      extAppInfo,
    },
    attestation,
  })
  const signature = nodeSign('sha256', csr, { key: await exportPkcs8Pem(keys.privateKey), dsaEncoding: 'der' })
  const input = SignCertInput.parse({ api_version: 2, csr: toHex(csr), signature: toHex(new Uint8Array(signature)) })
  const reply = await signCert(kms()).run(input, { peer: async () => undefined })
  return { leaf: pemToDer(reply.certificate_chain[0] as string, 'CERTIFICATE'), attestation }
}

describe('SignCert with ext_app_info', () => {
  it('adds 1.3.6.1.4.1.62397.1.9 with dstack AppInfo msgpack of the runtime MR, in dstack extension order', async () => {
    const { leaf, attestation } = await request(true)
    const ours = parseCertificate(leaf)
      .extensions.map((e) => e.oid)
      .filter((o) => o.startsWith('1.3.6.1.4.1.62397.'))
    expect(ours).toEqual([RATLS_OID.appId, RATLS_OID.appInfo, RATLS_OID.certUsage, RATLS_OID.attestation])

    const content = readRaTlsCertificate(leaf).appInfo
    expect(content).toBeDefined()
    const att = decodeVersionedAttestation(attestation)
    const runtime = await guest.verifier.verify(att, { now: now(), expectedReportData: att.reportData })
    const boot = await guest.verifier.verify(att, { now: now(), expectedReportData: att.reportData, bootTimeMr: true })
    expect(toHex(content as Uint8Array)).toBe(toHex(encodeAppInfo(appInfoFromIdentity(runtime, att.runtimeEvents))))
    const info = decodeAppInfo(content as Uint8Array)
    expect(toHex(info.appId)).toBe(toHex(guest.tee.workload.appId))
    expect(toHex(info.mrAggregated)).toBe(toHex(runtime.mrAggregated))
    expect(toHex(info.mrAggregated)).not.toBe(toHex(boot.mrAggregated))
    expect(info.initScriptHashes).toEqual([])
  })

  it('accepts evidence sent as VersionedAttestation V1 (msgpack)', async () => {
    const { leaf } = await request(true, 'v1')
    expect(decodeAppInfo(readRaTlsCertificate(leaf).appInfo as Uint8Array).appId).toEqual(guest.tee.workload.appId)
  })

  it('without ext_app_info the certificate has no AppInfo extension', async () => {
    const { leaf } = await request(false)
    expect(readRaTlsCertificate(leaf).appInfo).toBeUndefined()
    expect(parseCertificate(leaf).extensions.some((e) => e.oid === RATLS_OID.appInfo)).toBe(false)
  })

  it('a malformed V1 attestation in the CSR is KMS_INVALID_QUOTE, not a crash', async () => {
    const keys = await generateP256KeyPair()
    const spki = await exportSpkiDer(keys.publicKey)
    const csr = encodeCsrV2({
      confirm: CSR_CONFIRM,
      pubkey: spki,
      config: {
        subject: 's',
        subjectAltNames: [],
        usageServerAuth: true,
        usageClientAuth: false,
        extQuote: false,
        extAppInfo: true,
      },
      attestation: Uint8Array.of(0x83, 0xa1, 0x61),
    })
    const signature = nodeSign('sha256', csr, { key: await exportPkcs8Pem(keys.privateKey), dsaEncoding: 'der' })
    const input = SignCertInput.parse({ api_version: 2, csr: toHex(csr), signature: toHex(new Uint8Array(signature)) })
    expect(await codeOfAsync(() => signCert(kms()).run(input, { peer: async () => undefined }))).toBe(
      'KMS_INVALID_QUOTE',
    )
  })
})
