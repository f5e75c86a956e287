import 'reflect-metadata'
import { readFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import * as x509 from '@peculiar/x509'
import {
  type Collateral,
  createSimulatedRootCa,
  dcapKey,
  isIssuedBy,
  issueSimulatedCollateral,
  issueSimulatedPckCa,
  issueSimulatedTcbSigner,
  parseCollateral,
  prepareCollateral,
  type SimulatedTcb,
  type SimulatedTrustAnchor,
  simulatedFmspc,
} from '../attestation/index.js'
import { equalBytes, type SecretBytes, toHex } from '../crypto/index.js'
import { TeeError } from './errors.js'
import {
  derToPemText,
  loadOrCreateKeyFile,
  newP256Key,
  readPem,
  readSecretFile,
  replacePublicFile,
  writePublicFile,
  writeSecretFile,
} from './simulatedFiles.js'

/**
 * The simulated TEE "vendor": a PKI shaped like Intel's — root CA, PCK CA, TCB signing certificate — and the
 * collateral it issues per FMSPC (CRLs, TCB Info, QE Identity), so the DCAP verifier checks simulated evidence
 * like real evidence, trusting this root instead of Intel's. INSECURE by design: whoever holds the
 * `INSECURE-*.key` files can forge evidence for any identity.
 *
 * A vendor is also a `SimulatedTrustAnchor`: pass it in `createVerifier({ simulatedRoots })`.
 */
export interface SimulatedVendor extends SimulatedTrustAnchor {
  rootCertDer: Uint8Array
  rootCertPem: string
  rootKey: SecretBytes
  pckCaCertDer: Uint8Array
  pckCaKey: SecretBytes
  tcbSigningCertDer: Uint8Array
  tcbSigningKey: SecretBytes
  /** Issue (once) the collateral for platforms with this TCB verdict; returns their FMSPC (6 bytes). */
  ensureCollateral(tcb: SimulatedTcb): Promise<Uint8Array>
  /** collateral for an FMSPC (12 hex), same object while unchanged */
  collateralFor(fmspc: string): Collateral | undefined
  /** directory it was loaded from; undefined for in-memory vendors */
  dir?: string
}

/** Files of a vendor directory; `collateral/<FMSPC>.json` holds one collateral object per FMSPC. */
export const VENDOR_FILES = {
  rootKey: 'INSECURE-simulated-root-ca.key',
  rootCert: 'simulated-root-ca.pem',
  pckCaKey: 'INSECURE-simulated-pck-ca.key',
  pckCaCert: 'simulated-pck-ca.pem',
  tcbSigningKey: 'INSECURE-simulated-tcb-signing.key',
  tcbSigningCert: 'simulated-tcb-signing.pem',
  collateralDir: 'collateral',
} as const
export const VENDOR_KEY_FILE = VENDOR_FILES.rootKey
export const VENDOR_CERT_FILE = VENDOR_FILES.rootCert

const UP_TO_DATE: SimulatedTcb = { tcbStatus: 'UpToDate', advisoryIds: [] }
const HOUR_MS = 3_600_000
const FMSPC_RE = /^[0-9A-F]{12}$/

/** Where collateral lives: memory, or `<dir>/<FMSPC>.json` read on first use (and again while absent). */
interface CollateralStore {
  get(fmspc: string): Collateral | undefined
  put(fmspc: string, c: Collateral): Promise<void>
}

function memoryStore(): CollateralStore {
  const m = new Map<string, Collateral>()
  return { get: (f) => m.get(f), put: async (f, c) => void m.set(f, c) }
}

function dirStore(dir: string): CollateralStore {
  const m = new Map<string, Collateral>()
  /** FMSPCs with no file, until when (ms): a quote naming an unknown FMSPC does not cost a file read each time */
  const absent = new Map<string, number>()
  return {
    get(fmspc) {
      const f = fmspc.toUpperCase()
      const hit = m.get(f)
      if (hit || !FMSPC_RE.test(f) || (absent.get(f) ?? 0) > Date.now()) return hit
      let c: Collateral
      try {
        c = parseCollateral(JSON.parse(readFileSync(join(dir, `${f}.json`), 'utf8')))
      } catch {
        if (absent.size >= 1024) absent.clear()
        absent.set(f, Date.now() + 10_000)
        return undefined
      }
      m.set(f, c)
      return c
    },
    async put(fmspc, c) {
      await mkdir(dir, { recursive: true, mode: 0o755 })
      await replacePublicFile(join(dir, `${fmspc}.json`), `${JSON.stringify(c, null, 1)}\n`)
      m.set(fmspc, c)
      absent.delete(fmspc)
    },
  }
}

interface VendorParts {
  rootCertDer: Uint8Array
  rootKey: SecretBytes
  pckCaCertDer: Uint8Array
  pckCaKey: SecretBytes
  tcbSigningCertDer: Uint8Array
  tcbSigningKey: SecretBytes
}

function vendorOf(p: VendorParts, store: CollateralStore, now: () => Date, dir?: string): SimulatedVendor {
  const checked = new Set<string>()
  const pending = new Map<string, Promise<Uint8Array>>()
  const usable = (c: Collateral | undefined): boolean => {
    if (!c) return false
    try {
      prepareCollateral(c, p.rootCertDer, Math.floor(now().getTime() / 1000))
      return true
    } catch {
      return false
    }
  }
  const ensure = async (tcb: SimulatedTcb): Promise<Uint8Array> => {
    const fmspc = simulatedFmspc(tcb)
    const f = toHex(fmspc).toUpperCase()
    if (checked.has(f)) return fmspc
    if (!usable(store.get(f))) {
      const issueDate = new Date(now().getTime() - HOUR_MS)
      await store.put(f, await issueSimulatedCollateral({ ...p, tcb, issueDate }))
    }
    checked.add(f)
    return fmspc
  }
  return {
    ...p,
    rootCertPem: derToPemText(p.rootCertDer),
    ...(dir ? { dir } : {}),
    collateralFor: (fmspc) => store.get(fmspc.toUpperCase()),
    ensureCollateral(tcb) {
      const key = JSON.stringify([tcb.tcbStatus, tcb.advisoryIds])
      let q = pending.get(key)
      if (!q) {
        q = ensure(tcb).finally(() => pending.delete(key))
        pending.set(key, q)
      }
      return q
    },
  }
}

export async function createSimulatedVendorInMemory(opts: { now?: Date } = {}): Promise<SimulatedVendor> {
  const now = () => opts.now ?? new Date()
  const notBefore = new Date(now().getTime() - HOUR_MS)
  const rootKey = newP256Key()
  const pckCaKey = newP256Key()
  const tcbSigningKey = newP256Key()
  const rootCertDer = await createSimulatedRootCa({ key: rootKey, notBefore })
  const issued = { rootCertDer, rootKey, notBefore }
  const v = vendorOf(
    {
      rootCertDer,
      rootKey,
      pckCaKey,
      pckCaCertDer: await issueSimulatedPckCa({ ...issued, key: pckCaKey }),
      tcbSigningKey,
      tcbSigningCertDer: await issueSimulatedTcbSigner({ ...issued, key: tcbSigningKey }),
    },
    memoryStore(),
    now,
  )
  await v.ensureCollateral(UP_TO_DATE)
  return v
}

/** SPKI DER of a certificate's key (load time only). */
const spkiOf = (der: Uint8Array) => new Uint8Array(new x509.X509Certificate(der).publicKey.rawData)

/**
 * The certificate in `path` when it holds `key` and `rootCertDer` issued it; otherwise (missing: an older
 * vendor directory; or stale) issue it again and replace the file.
 */
async function loadOrIssueCert(
  path: string,
  key: SecretBytes,
  rootCertDer: Uint8Array,
  issue: () => Promise<Uint8Array>,
): Promise<Uint8Array> {
  try {
    const der = await readPem(path)
    if (equalBytes(spkiOf(der), dcapKey(key).spki) && isIssuedBy(der, rootCertDer)) return der
  } catch {
    // absent or unreadable: issue below
  }
  const der = await issue()
  await replacePublicFile(path, derToPemText(der))
  return der
}

const locks = new Map<string, Promise<unknown>>()

/** Run `fn` after every earlier `fn` for the same directory in this process (no two create the same files). */
async function withDirLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const key = resolve(dir)
  const prev = locks.get(key) ?? Promise.resolve()
  const run = prev.then(fn, fn)
  const tail = run.catch(() => {})
  locks.set(key, tail)
  try {
    return await run
  } finally {
    if (locks.get(key) === tail) locks.delete(key)
  }
}

/**
 * Load the simulated vendor from `dir`, creating what is missing: the root CA on first use, and — for directories
 * made before the vendor issued an Intel-shaped PKI — the PCK CA, the TCB signing certificate and the collateral
 * (`collateral/<FMSPC>.json`), all under the existing root. Keys are 0600 files; certificates and collateral are
 * public.
 */
export async function loadOrCreateSimulatedVendor(dir: string, opts: { now?: Date } = {}): Promise<SimulatedVendor> {
  return withDirLock(dir, async () => {
    const now = () => opts.now ?? new Date()
    const notBefore = new Date(now().getTime() - HOUR_MS)
    const f = (name: keyof typeof VENDOR_FILES) => join(dir, VENDOR_FILES[name])
    await mkdir(dir, { recursive: true, mode: 0o700 })
    let rootKey: SecretBytes
    let rootCertDer: Uint8Array
    try {
      rootKey = newP256Key()
      await writeSecretFile(f('rootKey'), rootKey.expose())
      rootCertDer = await createSimulatedRootCa({ key: rootKey, notBefore })
      await writePublicFile(f('rootCert'), derToPemText(rootCertDer))
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      rootKey = await readSecretFile(f('rootKey'), 32)
      rootCertDer = await readPem(f('rootCert'))
      if (!equalBytes(spkiOf(rootCertDer), dcapKey(rootKey).spki))
        throw new TeeError(
          'TEE_SIMULATED_FILES',
          `${f('rootCert')} does not match ${f('rootKey')}; delete the vendor directory ${dir} to re-create it (every machine under it is then re-issued)`,
        )
    }
    const issued = { rootCertDer, rootKey, notBefore }
    const pckCaKey = await loadOrCreateKeyFile(f('pckCaKey'))
    const tcbSigningKey = await loadOrCreateKeyFile(f('tcbSigningKey'))
    const v = vendorOf(
      {
        rootCertDer,
        rootKey,
        pckCaKey,
        pckCaCertDer: await loadOrIssueCert(f('pckCaCert'), pckCaKey, rootCertDer, () =>
          issueSimulatedPckCa({ ...issued, key: pckCaKey }),
        ),
        tcbSigningKey,
        tcbSigningCertDer: await loadOrIssueCert(f('tcbSigningCert'), tcbSigningKey, rootCertDer, () =>
          issueSimulatedTcbSigner({ ...issued, key: tcbSigningKey }),
        ),
      },
      dirStore(f('collateralDir')),
      now,
      dir,
    )
    await v.ensureCollateral(UP_TO_DATE)
    return v
  })
}

/**
 * Trust a simulated vendor by its root certificate file (`[attestation] simulated_roots`): the root, and the
 * collateral in the `collateral/` folder beside it (read when first needed). No keys are read.
 */
export async function loadSimulatedTrustAnchor(rootPemPath: string): Promise<SimulatedTrustAnchor> {
  const rootCertDer = await readPem(rootPemPath)
  const store = dirStore(join(dirname(rootPemPath), VENDOR_FILES.collateralDir))
  return { rootCertDer, collateralFor: (fmspc) => store.get(fmspc) }
}
