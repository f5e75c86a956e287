import 'reflect-metadata'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { p256 } from '@noble/curves/nist.js'
import * as x509 from '@peculiar/x509'
import { createSimulatedRootCa, p256PublicKey } from '../attestation/index.js'
import { equalBytes, SecretBytes } from '../crypto/index.js'
import { TeeError } from './errors.js'
import { readPem, readSecretFile, writePublicFile, writeSecretFile } from './simulatedFiles.js'

/**
 * The simulated TEE "vendor": a root CA key + certificate standing in for Intel's. INSECURE by design —
 * whoever holds `INSECURE-simulated-root-ca.key` can forge evidence for any identity.
 */
export interface SimulatedVendor {
  rootCertDer: Uint8Array
  rootCertPem: string
  rootKey: SecretBytes
  /** directory it was loaded from; undefined for in-memory vendors */
  dir?: string
}

export const VENDOR_KEY_FILE = 'INSECURE-simulated-root-ca.key'
export const VENDOR_CERT_FILE = 'simulated-root-ca.pem'

export function newP256Key(): SecretBytes {
  // randomPrivateKey reduces 40 random bytes mod n (FIPS 186-5 A.2.1) so every output is a valid scalar
  return new SecretBytes(p256.utils.randomSecretKey())
}

export async function createSimulatedVendorInMemory(opts: { now?: Date } = {}): Promise<SimulatedVendor> {
  const rootKey = newP256Key()
  const notBefore = new Date((opts.now ?? new Date()).getTime() - 3_600_000)
  const rootCertDer = await createSimulatedRootCa({ key: rootKey, notBefore })
  return { rootCertDer, rootCertPem: new x509.X509Certificate(rootCertDer).toString('pem'), rootKey }
}

/** Load the simulated vendor from `dir`, creating key (0600) and certificate on first use. */
export async function loadOrCreateSimulatedVendor(dir: string, opts: { now?: Date } = {}): Promise<SimulatedVendor> {
  const keyPath = join(dir, VENDOR_KEY_FILE)
  const certPath = join(dir, VENDOR_CERT_FILE)
  if (existsSync(keyPath) || existsSync(certPath)) {
    const rootKey = await readSecretFile(keyPath, 32)
    const rootCertDer = await readPem(certPath)
    const cert = new x509.X509Certificate(rootCertDer)
    const certPub = new Uint8Array(cert.publicKey.rawData).subarray(-65)
    if (!equalBytes(certPub, p256PublicKey(rootKey)))
      throw new TeeError('TEE_SIMULATED_FILES', `${certPath} does not match ${keyPath}; delete both to re-create`)
    return { rootCertDer, rootCertPem: cert.toString('pem'), rootKey, dir }
  }
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const v = await createSimulatedVendorInMemory(opts)
  await writeSecretFile(keyPath, v.rootKey.expose())
  await writePublicFile(certPath, `${v.rootCertPem}\n`)
  return { ...v, dir }
}
