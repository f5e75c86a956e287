import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  createDcapVerifier,
  createNitroVerifier,
  createVerifier,
  type EvidenceVerifier,
  type Identity,
  type SimulatedTrustAnchor,
} from '../attestation/index.js'
import { concatBytes, fromHex } from '../crypto/index.js'
import type { Logger } from '../log.js'
import { collateralProviderFor } from '../net/index.js'
import {
  createTeePlatform,
  loadOrCreateSimulatedVendor,
  loadSimulatedTrustAnchor,
  provisionSimulatedMachine,
  SimulatedTee,
  type TeePlatform,
} from '../tee/index.js'
import { type Config, homePath } from './config.js'
import { NodeError } from './errors.js'

const INSTANCE_SEED_FILE = 'simulated-instance-seed'

interface ComposeFacts {
  text?: string
  noInstanceId: boolean
  /** dstack `kms_enabled` / `key_provider = "kms"`: the app's keys come from a KMS, measured as key-provider */
  usesKms: boolean
}

function readCompose(cfg: Config): ComposeFacts {
  const p = cfg.tee.simulated.app_compose
  if (p === '') return { noInstanceId: false, usesKms: false }
  const file = homePath(cfg, p)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    throw new NodeError('NODE_CONFIG_INVALID', `[tee.simulated] app_compose: cannot read ${file}`)
  }
  let c: { no_instance_id?: unknown; kms_enabled?: unknown; key_provider?: unknown }
  try {
    c = JSON.parse(text) ?? {}
  } catch {
    throw new NodeError('NODE_CONFIG_INVALID', `[tee.simulated] app_compose: ${file} is not JSON`)
  }
  return {
    text,
    noInstanceId: c.no_instance_id === true,
    usesKms: c.kms_enabled === true || c.key_provider === 'kms',
  }
}

/**
 * dstack instance_id = sha256(seed ‖ app_id)[0..20] with a seed persisted per VM, so a restarted workload
 * keeps its instance id (and with it its disk key).
 */
function instanceSeed(machineDir: string): Uint8Array {
  const f = resolve(machineDir, INSTANCE_SEED_FILE)
  if (!existsSync(f)) writeFileSync(f, randomBytes(20).toString('hex'), { mode: 0o600 })
  return fromHex(readFileSync(f, 'utf8').trim())
}

/** The configured TEE driver for this node. */
export async function createPlatform(cfg: Config, logger?: Logger): Promise<TeePlatform> {
  if (cfg.tee.platform !== 'simulated') {
    const t = cfg.tee
    return createTeePlatform(
      {
        driver: t.platform,
        tdxTsm: { tsmDir: t.tsm_dir, rtmr3Path: t.rtmr3_path },
        gramine: { attestationDir: t.gramine_dir, sealingPolicy: t.gramine_sealing_policy },
        dstack: { socketPath: t.dstack_socket, platform: t.dstack_platform },
        nsm: { helperPath: t.nsm_helper },
      },
      logger ? { logger } : {},
    )
  }
  const s = cfg.tee.simulated
  const vendor = await loadOrCreateSimulatedVendor(homePath(cfg, s.vendor_dir))
  const machineDir = homePath(cfg, s.machine_dir)
  const machine = await provisionSimulatedMachine({
    vendor,
    dir: machineDir,
    tcbStatus: s.tcb_status,
    advisoryIds: s.advisory_ids,
  })
  const compose = readCompose(cfg)
  const appId = s.app_id !== '' ? fromHex(s.app_id) : undefined
  const workload = {
    ...(compose.text !== undefined ? { appCompose: compose.text } : {}),
    ...(appId ? { appId } : {}),
    osImageHash: s.os_image_hash,
    noInstanceId: compose.noInstanceId,
    awaitKeyProvider: compose.usesKms,
  }
  const resolvedAppId = new SimulatedTee({ machine, workload }).workload.appId
  const instanceId = compose.noInstanceId
    ? undefined
    : sha256(concatBytes(instanceSeed(machineDir), resolvedAppId)).slice(0, 20)
  return new SimulatedTee({
    machine,
    workload: { ...workload, ...(instanceId ? { instanceId } : {}) },
    ...(logger ? { logger } : {}),
  })
}

/**
 * The simulated vendors this node trusts (`[attestation] simulated_roots`: root CA files, each with the vendor's
 * `collateral/` folder beside it), else its own vendor's. Verified by the DCAP verifier trusting those roots.
 */
export async function simulatedRootsFor(cfg: Config): Promise<SimulatedTrustAnchor[]> {
  if (cfg.attestation.simulated_roots.length > 0)
    return Promise.all(
      cfg.attestation.simulated_roots.map(async (p) => {
        const file = homePath(cfg, p)
        try {
          return await loadSimulatedTrustAnchor(file)
        } catch {
          throw new NodeError('NODE_CONFIG_INVALID', `[attestation] simulated_roots: cannot read ${file}`)
        }
      }),
    )
  if (cfg.tee.platform !== 'simulated') return []
  return [await loadOrCreateSimulatedVendor(homePath(cfg, cfg.tee.simulated.vendor_dir))]
}

/** The evidence verifier this config asks for (simulated roots only when trusted; Nitro root pinned). */
export async function verifierFor(cfg: Config, logger?: Logger): Promise<EvidenceVerifier> {
  const a = cfg.attestation
  return createVerifier({
    trustSimulated: a.trust_simulated,
    simulatedRoots: a.trust_simulated ? await simulatedRootsFor(cfg) : [],
    allowDebug: a.insecure_allow_debug,
    nitro: createNitroVerifier({ allowDebug: a.insecure_allow_debug }),
    dcap: createDcapVerifier({
      allowDebug: a.insecure_allow_debug,
      collateralProvider: collateralProviderFor({
        url: a.pccs_url,
        cacheDir: homePath(cfg, a.collateral_cache_dir),
        offline: a.offline,
        ...(logger ? { logger } : {}),
      }),
    }),
  })
}

/** This node's identity as any verifier sees it (devnet policy generation, `custos attest`). */
export async function identityOf(cfg: Config): Promise<Identity> {
  const tee = await createPlatform(cfg)
  const verifier = await verifierFor(cfg)
  const att = await tee.attest(new Uint8Array(64))
  return verifier.verify(att, { now: Math.floor(Date.now() / 1000) })
}
