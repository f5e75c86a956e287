/**
 * Nitro test helpers: a tiny CBOR encoder (definite or indefinite maps), a fake P-384 "Nitro" PKI built with
 * @peculiar/x509 + WebCrypto, and a COSE_Sign1 signer. Nothing here is used by the verifier.
 */
import 'reflect-metadata'
import { createHash, type webcrypto } from 'node:crypto'
import * as x509 from '@peculiar/x509'
import { CborTag, type CborValue, cborHead } from '../../src/attestation/nitro/cbor.js'
import { coseSigStructure } from '../../src/attestation/nitro/cose.js'
import { concatBytes, pemToDer } from '../../src/crypto/index.js'
import { readVector } from './vectors.js'

type CryptoKey = webcrypto.CryptoKey
export interface CryptoKeyPair {
  publicKey: CryptoKey
  privateKey: CryptoKey
}

/** A Nitro vector (`name` under shared/vectors/nitro). */
export const readNitroVector = (name: string): Uint8Array => readVector(`nitro/${name}`)
export const awsRootDer = (): Uint8Array =>
  pemToDer(Buffer.from(readNitroVector('aws_nitro_root_g1.pem')).toString('utf8'))
export const sha256Hex = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

/** Encode as an indefinite-length map/array. */
export class Indefinite {
  constructor(readonly value: Map<EncValue, EncValue> | EncValue[]) {}
}
export type EncValue =
  | number
  | string
  | boolean
  | null
  | Uint8Array
  | EncValue[]
  | Map<EncValue, EncValue>
  | Indefinite
  | CborTag

const utf8 = new TextEncoder()

export function encodeCbor(v: EncValue): Uint8Array {
  if (v === null) return Uint8Array.of(0xf6)
  if (v === true) return Uint8Array.of(0xf5)
  if (v === false) return Uint8Array.of(0xf4)
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new RangeError('floats are not supported')
    if (v >= 0 && v > 0xffffffff) {
      const b = new Uint8Array(9)
      b[0] = 0x1b
      new DataView(b.buffer).setBigUint64(1, BigInt(v))
      return b
    }
    return v >= 0 ? cborHead(0, v) : cborHead(1, -1 - v)
  }
  if (typeof v === 'string') {
    const b = utf8.encode(v)
    return concatBytes(cborHead(3, b.length), b)
  }
  if (v instanceof Uint8Array) return concatBytes(cborHead(2, v.length), v)
  if (v instanceof CborTag) return concatBytes(cborHead(6, v.tag), encodeCbor(v.value as EncValue))
  if (Array.isArray(v)) return concatBytes(cborHead(4, v.length), ...v.map(encodeCbor))
  if (v instanceof Map)
    return concatBytes(cborHead(5, v.size), ...[...v].flatMap(([k, x]) => [encodeCbor(k), encodeCbor(x)]))
  const inner = v.value
  if (Array.isArray(inner)) return concatBytes(Uint8Array.of(0x9f), ...inner.map(encodeCbor), Uint8Array.of(0xff))
  const parts = [...inner].flatMap(([k, x]) => [encodeCbor(k), encodeCbor(x)])
  return concatBytes(Uint8Array.of(0xbf), ...parts, Uint8Array.of(0xff))
}

const EC = { name: 'ECDSA', namedCurve: 'P-384' } as const
const SIGN = { name: 'ECDSA', hash: 'SHA-384' } as const

export interface FakeCert {
  der: Uint8Array
  keys: CryptoKeyPair
}

export interface FakePkiOptions {
  /** ms; certificates are valid notBefore → notAfter around it */
  at: number
  leafIsCa?: boolean
  intermediateIsCa?: boolean
  intermediatePathLen?: number
  /** number of intermediate CAs (default 1) */
  intermediates?: number
}

/** root (self-signed CA) → intermediates → leaf, all P-384/SHA-384 like AWS. */
export async function createFakePki(
  opts: FakePkiOptions,
): Promise<{ root: FakeCert; chain: FakeCert[]; leaf: FakeCert }> {
  const notBefore = new Date(opts.at - 3600_000)
  const notAfter = new Date(opts.at + 3 * 3600_000)
  const gen = async () => (await crypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair
  const rootKeys = await gen()
  const rootCert = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=fake.nitro-enclaves, O=Not Amazon',
    keys: rootKeys,
    signingAlgorithm: SIGN,
    notBefore,
    notAfter,
    serialNumber: '01',
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature, true),
    ],
  })
  const root = { der: new Uint8Array(rootCert.rawData), keys: rootKeys }
  const chain: FakeCert[] = []
  let issuer = { cert: rootCert, keys: rootKeys }
  const n = opts.intermediates ?? 1
  for (let i = 0; i < n; i++) {
    const keys = await gen()
    const cert = await x509.X509CertificateGenerator.create({
      subject: `CN=fake-${i}.zonal.nitro-enclaves`,
      issuer: issuer.cert.subject,
      publicKey: keys.publicKey,
      signingKey: issuer.keys.privateKey,
      signingAlgorithm: SIGN,
      notBefore,
      notAfter,
      serialNumber: `1${i}`,
      extensions: [
        new x509.BasicConstraintsExtension(opts.intermediateIsCa ?? true, opts.intermediatePathLen ?? n - 1 - i, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
      ],
    })
    chain.push({ der: new Uint8Array(cert.rawData), keys })
    issuer = { cert, keys }
  }
  const leafKeys = await gen()
  const leafCert = await x509.X509CertificateGenerator.create({
    subject: 'CN=i-00000000000000000-enc0000000000000000.fake',
    issuer: issuer.cert.subject,
    publicKey: leafKeys.publicKey,
    signingKey: issuer.keys.privateKey,
    signingAlgorithm: SIGN,
    notBefore,
    notAfter,
    serialNumber: '02',
    extensions: [
      new x509.BasicConstraintsExtension(opts.leafIsCa ?? false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, false),
    ],
  })
  return { root, chain, leaf: { der: new Uint8Array(leafCert.rawData), keys: leafKeys } }
}

export const pcr48 = (fill: number): Uint8Array => new Uint8Array(48).fill(fill)

/** Payload fields in NSM order; override or delete (value `undefined`) any of them. */
export function docFields(
  pki: { root: FakeCert; chain: FakeCert[]; leaf: FakeCert },
  at: number,
  over: Record<string, EncValue | undefined> = {},
): Map<EncValue, EncValue> {
  const base: Record<string, EncValue | undefined> = {
    module_id: 'i-0123456789abcdef0-enc0123456789abcdef',
    digest: 'SHA384',
    timestamp: at,
    pcrs: new Map<EncValue, EncValue>([
      [0, pcr48(1)],
      [1, pcr48(2)],
      [2, pcr48(3)],
      [3, pcr48(0)],
    ]),
    certificate: pki.leaf.der,
    cabundle: [pki.root.der, ...pki.chain.map((c) => c.der)],
    public_key: null,
    user_data: new Uint8Array(64).fill(7),
    nonce: null,
    ...over,
  }
  return new Map(Object.entries(base).filter(([, v]) => v !== undefined) as [EncValue, EncValue][])
}

export const ES384_PROTECTED = Uint8Array.of(0xa1, 0x01, 0x38, 0x22)

/** Sign `payload` as a COSE_Sign1 with the leaf key (raw r‖s), untagged or tag 18. */
export async function signCose(
  payload: Uint8Array,
  key: CryptoKey,
  opts: { tagged?: boolean; protectedHeader?: Uint8Array } = {},
): Promise<Uint8Array> {
  const prot = opts.protectedHeader ?? ES384_PROTECTED
  const sig = new Uint8Array(await crypto.subtle.sign(SIGN, key, coseSigStructure(prot, payload)))
  const arr: EncValue = [prot, new Map(), payload, sig]
  return encodeCbor(opts.tagged ? new CborTag(18, arr as CborValue) : arr)
}
