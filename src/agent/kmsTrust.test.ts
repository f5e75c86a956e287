import 'reflect-metadata'
import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { type DcapKey, dcapKey, issueDcapCertificate } from '../attestation/index.js'
import { utf8ToBytes } from '../crypto/index.js'
import { authorizeKmsServer, type KmsTrust } from './kmsTrust.js'

const newKey = (): DcapKey => dcapKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey)
const window = { notBefore: new Date(Date.now() - 3_600_000), notAfter: new Date(Date.now() + 3_600_000) }
const pem = (der: Uint8Array) =>
  `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64')}\n-----END CERTIFICATE-----\n`

async function ca(key: DcapKey, name: string): Promise<Uint8Array> {
  return issueDcapCertificate({ subject: `CN=${name}`, key, serialNumber: '01', ...window, ca: true, pathLength: 1 })
}
async function leaf(issuer: { certDer: Uint8Array; key: DcapKey }, extra: Uint8Array = new Uint8Array(0)) {
  return issueDcapCertificate({
    subject: 'CN=kms.example',
    key: newKey(),
    issuer,
    serialNumber: '02',
    ...window,
    ca: false,
    ...(extra.length > 0 ? { extensions: [{ oid: '1.3.6.1.4.1.62397.1.99', value: extra }] } : {}),
  })
}
const trustOf = (roots: Uint8Array[]): KmsTrust => ({ rootCaPublicKeys: roots, k256PublicKeys: [], source: 'test' })
const server = (certDer: Uint8Array) => ({ certDer, chainDer: [], peer: undefined })
const code = (p: Promise<unknown>) =>
  p.then(
    () => 'OK',
    (e: { code?: string }) => e.code ?? 'ERR',
  )

describe('authorizeKmsServer: the TLS certificate must be signed by a pinned KMS root CA key', () => {
  it('accepts a certificate signed by a pinned root and refuses another root, a tampered one, garbage', async () => {
    const rootKey = newKey()
    const rootDer = await ca(rootKey, 'KMS root')
    const good = await leaf({ certDer: rootDer, key: rootKey })
    expect(await code(authorizeKmsServer(trustOf([rootKey.spki]), server(good)))).toBe('OK')
    const other = newKey()
    expect(await code(authorizeKmsServer(trustOf([other.spki]), server(good)))).toBe('AGENT_KMS_UNTRUSTED')
    // both pinned: either matches
    expect(await code(authorizeKmsServer(trustOf([other.spki, rootKey.spki]), server(good)))).toBe('OK')
    const tampered = good.slice()
    const cn = Buffer.from(tampered).indexOf('kms.example')
    tampered[cn] = (tampered[cn] as number) ^ 1
    expect(await code(authorizeKmsServer(trustOf([rootKey.spki]), server(tampered)))).toBe('AGENT_KMS_UNTRUSTED')
    expect(await code(authorizeKmsServer(trustOf([rootKey.spki]), server(new Uint8Array(40))))).toBe(
      'AGENT_KMS_UNTRUSTED',
    )
    // the pinned root narrows to one key
    expect(await code(authorizeKmsServer(trustOf([other.spki]), server(good), rootKey.spki))).toBe('OK')
  })

  it('judges the outer DER certificate, not a trusted certificate whose PEM is embedded in it', async () => {
    const rootKey = newKey()
    const rootDer = await ca(rootKey, 'KMS root')
    const trusted = await leaf({ certDer: rootDer, key: rootKey })
    const rogueKey = newKey()
    const rogue = await leaf({ certDer: await ca(rogueKey, 'rogue'), key: rogueKey }, utf8ToBytes(pem(trusted)))
    expect(Buffer.from(rogue).includes('-----BEGIN CERTIFICATE-----')).toBe(true)
    expect(await code(authorizeKmsServer(trustOf([rootKey.spki]), server(rogue)))).toBe('AGENT_KMS_UNTRUSTED')
  })
})
