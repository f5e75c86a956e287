import 'reflect-metadata'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as x509 from '@peculiar/x509'
import { isIssuedBy, issueSimulatedPck, readSimulatedPck, type TcbStatus } from '../attestation/index.js'
import { SecretBytes } from '../crypto/index.js'
import { readPem, readSecretFile, writeSecretFile } from './simulatedFiles.js'
import { newP256Key, type SimulatedVendor } from './simulatedVendor.js'

/**
 * One simulated "machine": its PCK leaf (issued by the simulated vendor, carrying PPID and TCB verdict),
 * the Quoting Enclave's attestation key and a sealing secret. INSECURE: plain files on disk.
 */
export interface SimulatedMachine {
  vendorRootCertDer: Uint8Array
  pckCertDer: Uint8Array
  pckKey: SecretBytes
  attestationKey: SecretBytes
  /** 16 bytes; device_id = sha256(ppid) */
  ppid: Uint8Array
  sealingSecret: SecretBytes
  dir?: string
}

export interface ProvisionSimulatedMachineInput {
  vendor: SimulatedVendor
  ppid?: Uint8Array
  tcbStatus?: Exclude<TcbStatus, ''>
  advisoryIds?: string[]
  now?: Date
}

export const MACHINE_FILES = {
  pckCert: 'simulated-pck.pem',
  pckKey: 'INSECURE-simulated-pck.key',
  attestationKey: 'INSECURE-simulated-attestation.key',
  ppid: 'INSECURE-simulated-ppid',
  sealingSecret: 'INSECURE-simulated-sealing-secret',
} as const

async function issue(input: ProvisionSimulatedMachineInput, pckKey: SecretBytes, ppid: Uint8Array) {
  return issueSimulatedPck({
    rootCertDer: input.vendor.rootCertDer,
    rootKey: input.vendor.rootKey,
    pckKey,
    ppid,
    tcbStatus: input.tcbStatus ?? 'UpToDate',
    advisoryIds: input.advisoryIds ?? [],
    notBefore: new Date((input.now ?? new Date()).getTime() - 3_600_000),
  })
}

export async function provisionSimulatedMachineInMemory(
  input: ProvisionSimulatedMachineInput,
): Promise<SimulatedMachine> {
  const ppid = input.ppid ?? new Uint8Array(randomBytes(16))
  if (ppid.length !== 16) throw new RangeError(`ppid must be 16 bytes, got ${ppid.length}`)
  const pckKey = newP256Key()
  return {
    vendorRootCertDer: input.vendor.rootCertDer,
    pckCertDer: await issue(input, pckKey, ppid),
    pckKey,
    attestationKey: newP256Key(),
    ppid,
    sealingSecret: new SecretBytes(new Uint8Array(randomBytes(32))),
  }
}

/**
 * Load the machine in `dir`, creating it on first use. The PCK certificate is re-issued (same key and PPID)
 * when it was not issued by `vendor`, or when `tcbStatus`/`advisoryIds` are given and differ from it.
 */
export async function provisionSimulatedMachine(
  input: ProvisionSimulatedMachineInput & { dir: string },
): Promise<SimulatedMachine> {
  const f = (name: keyof typeof MACHINE_FILES) => join(input.dir, MACHINE_FILES[name])
  if (!existsSync(f('pckKey'))) {
    await mkdir(input.dir, { recursive: true, mode: 0o700 })
    const m = await provisionSimulatedMachineInMemory(input)
    await writeSecretFile(f('ppid'), m.ppid)
    await writeSecretFile(f('pckKey'), m.pckKey.expose())
    await writeSecretFile(f('attestationKey'), m.attestationKey.expose())
    await writeSecretFile(f('sealingSecret'), m.sealingSecret.expose())
    await writeFile(f('pckCert'), new x509.X509Certificate(m.pckCertDer).toString('pem'), { mode: 0o644 })
    return { ...m, dir: input.dir }
  }
  const pckKey = await readSecretFile(f('pckKey'), 32)
  const ppid = (await readSecretFile(f('ppid'), 16)).expose()
  if (input.ppid && Buffer.compare(Buffer.from(input.ppid), Buffer.from(ppid)) !== 0)
    throw new RangeError(`${f('ppid')} holds another PPID than requested; use a fresh machine dir`)
  let pckCertDer = existsSync(f('pckCert')) ? await readPem(f('pckCert')) : undefined
  if (!pckCertDer || !matches(pckCertDer, input)) {
    pckCertDer = await issue(input, pckKey, ppid)
    await writeFile(f('pckCert'), new x509.X509Certificate(pckCertDer).toString('pem'), { mode: 0o644 })
  }
  return {
    vendorRootCertDer: input.vendor.rootCertDer,
    pckCertDer,
    pckKey,
    attestationKey: await readSecretFile(f('attestationKey'), 32),
    ppid,
    sealingSecret: await readSecretFile(f('sealingSecret'), 32),
    dir: input.dir,
  }
}

function matches(pckDer: Uint8Array, input: ProvisionSimulatedMachineInput): boolean {
  try {
    if (!isIssuedBy(pckDer, input.vendor.rootCertDer)) return false
    const { tcb } = readSimulatedPck(pckDer)
    if (input.tcbStatus && tcb.tcbStatus !== input.tcbStatus) return false
    if (input.advisoryIds && tcb.advisoryIds.join(',') !== input.advisoryIds.join(',')) return false
    return true
  } catch {
    return false
  }
}
