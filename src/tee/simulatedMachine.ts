import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { isIssuedBy, issueSimulatedPck, readSimulatedPck, type TcbStatus } from '../attestation/index.js'
import { equalBytes, SecretBytes } from '../crypto/index.js'
import { derToPemText, newP256Key, readPem, readSecretFile, writeSecretFile } from './simulatedFiles.js'
import type { SimulatedVendor } from './simulatedVendor.js'

/**
 * One simulated "machine": its PCK leaf (issued by the simulated vendor's PCK CA, carrying the PPID and the
 * FMSPC that selects its TCB verdict), the Quoting Enclave's attestation key and a sealing secret.
 * INSECURE: plain files on disk.
 */
export interface SimulatedMachine {
  vendorRootCertDer: Uint8Array
  /** the vendor's PCK CA, which issued `pckCertDer` */
  pckCaCertDer: Uint8Array
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
  /** the TCB verdict the vendor's TCB Info gives this machine; default UpToDate */
  tcbStatus?: Exclude<TcbStatus, ''>
  /** default none */
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

/** The FMSPC of the requested verdict, with its collateral issued by the vendor. */
function fmspcFor(input: ProvisionSimulatedMachineInput): Promise<Uint8Array> {
  return input.vendor.ensureCollateral({
    tcbStatus: input.tcbStatus ?? 'UpToDate',
    advisoryIds: input.advisoryIds ?? [],
  })
}

function issue(input: ProvisionSimulatedMachineInput, pckKey: SecretBytes, ppid: Uint8Array, fmspc: Uint8Array) {
  return issueSimulatedPck({
    pckCaCertDer: input.vendor.pckCaCertDer,
    pckCaKey: input.vendor.pckCaKey,
    pckKey,
    ppid,
    fmspc,
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
    pckCaCertDer: input.vendor.pckCaCertDer,
    pckCertDer: await issue(input, pckKey, ppid, await fmspcFor(input)),
    pckKey,
    attestationKey: newP256Key(),
    ppid,
    sealingSecret: new SecretBytes(new Uint8Array(randomBytes(32))),
  }
}

/**
 * Load the machine in `dir`, creating it on first use. The PCK certificate is re-issued (same key and PPID, so
 * the same device id) when the vendor's PCK CA did not issue it (e.g. a machine made before the vendor had a PCK
 * CA, or under another vendor) or when it carries another TCB verdict (FMSPC) than requested.
 */
export async function provisionSimulatedMachine(
  input: ProvisionSimulatedMachineInput & { dir: string },
): Promise<SimulatedMachine> {
  const f = (name: keyof typeof MACHINE_FILES) => join(input.dir, MACHINE_FILES[name])
  const fmspc = await fmspcFor(input)
  if (!existsSync(f('pckKey'))) {
    await mkdir(input.dir, { recursive: true, mode: 0o700 })
    const m = await provisionSimulatedMachineInMemory(input)
    await writeSecretFile(f('ppid'), m.ppid)
    await writeSecretFile(f('pckKey'), m.pckKey.expose())
    await writeSecretFile(f('attestationKey'), m.attestationKey.expose())
    await writeSecretFile(f('sealingSecret'), m.sealingSecret.expose())
    await writeFile(f('pckCert'), derToPemText(m.pckCertDer), { mode: 0o644 })
    return { ...m, dir: input.dir }
  }
  const pckKey = await readSecretFile(f('pckKey'), 32)
  const ppid = (await readSecretFile(f('ppid'), 16)).expose()
  if (input.ppid && !equalBytes(input.ppid, ppid))
    throw new RangeError(`${f('ppid')} holds another PPID than requested; use a fresh machine dir`)
  let pckCertDer = existsSync(f('pckCert')) ? await readPem(f('pckCert')) : undefined
  if (!pckCertDer || !matches(pckCertDer, input.vendor, fmspc)) {
    pckCertDer = await issue(input, pckKey, ppid, fmspc)
    await writeFile(f('pckCert'), derToPemText(pckCertDer), { mode: 0o644 })
  }
  return {
    vendorRootCertDer: input.vendor.rootCertDer,
    pckCaCertDer: input.vendor.pckCaCertDer,
    pckCertDer,
    pckKey,
    attestationKey: await readSecretFile(f('attestationKey'), 32),
    ppid,
    sealingSecret: await readSecretFile(f('sealingSecret'), 32),
    dir: input.dir,
  }
}

function matches(pckDer: Uint8Array, vendor: SimulatedVendor, fmspc: Uint8Array): boolean {
  try {
    const ext = readSimulatedPck(pckDer)
    return ext !== undefined && equalBytes(ext.fmspc, fmspc) && isIssuedBy(pckDer, vendor.pckCaCertDer)
  } catch {
    return false
  }
}
