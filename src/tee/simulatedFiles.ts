import { generateKeyPairSync } from 'node:crypto'
import { readFile, rename, stat, writeFile } from 'node:fs/promises'
import { derToPem, pemToDer, SecretBytes } from '../crypto/index.js'
import { TeeError } from './errors.js'

/** File helpers for the simulated TEE: secrets are raw bytes with mode 0600 and refused if group/world-readable. */

export async function writeSecretFile(path: string, bytes: Uint8Array): Promise<void> {
  await writeFile(path, bytes, { mode: 0o600, flag: 'wx' })
}

export async function writePublicFile(path: string, text: string): Promise<void> {
  await writeFile(path, text, { mode: 0o644, flag: 'wx' })
}

/** Replace (or create) a public file atomically: readers see the old or the new text, never a half-written one. */
export async function replacePublicFile(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`
  await writeFile(tmp, text, { mode: 0o644 })
  await rename(tmp, path)
}

export async function readSecretFile(path: string, len?: number): Promise<SecretBytes> {
  let mode: number
  let bytes: Buffer
  try {
    mode = (await stat(path)).mode
    bytes = await readFile(path)
  } catch (e) {
    throw new TeeError('TEE_SIMULATED_FILES', `cannot read ${path}`, {}, { cause: e })
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0)
    throw new TeeError('TEE_SIMULATED_FILES', `${path} must not be readable by group/others; run chmod 600 ${path}`)
  if (len !== undefined && bytes.length !== len)
    throw new TeeError('TEE_SIMULATED_FILES', `${path} must hold exactly ${len} bytes, found ${bytes.length}`)
  return new SecretBytes(new Uint8Array(bytes))
}

/** A fresh P-256 private scalar (32 bytes) from OpenSSL. */
export function newP256Key(): SecretBytes {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' })
  return new SecretBytes(new Uint8Array(Buffer.from(jwk.d as string, 'base64url')))
}

/** The P-256 key in `path` (0600), created on first use; a concurrent creator's key wins. */
export async function loadOrCreateKeyFile(path: string): Promise<SecretBytes> {
  try {
    await writeSecretFile(path, newP256Key().expose())
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
  }
  return readSecretFile(path, 32)
}

export function derToPemText(der: Uint8Array): string {
  return derToPem(der, 'CERTIFICATE')
}

export async function readPem(path: string): Promise<Uint8Array> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    throw new TeeError('TEE_SIMULATED_FILES', `cannot read ${path}`, {}, { cause: e })
  }
  try {
    return pemToDer(text, 'CERTIFICATE')
  } catch (e) {
    throw new TeeError('TEE_SIMULATED_FILES', `${path} holds no valid PEM certificate`, {}, { cause: e })
  }
}

export async function readPublicFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path))
  } catch (e) {
    throw new TeeError('TEE_SIMULATED_FILES', `cannot read ${path}`, {}, { cause: e })
  }
}
