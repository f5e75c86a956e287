import { readFileSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { parse as parseToml } from 'smol-toml'
import { z } from 'zod'
import { TCB_STATUSES } from '../attestation/index.js'
import { NodeError } from './errors.js'

/** The documented defaults; this file is the configuration reference. */
export const DEFAULTS_TOML = readFileSync(new URL('./defaults.toml', import.meta.url), 'utf8')

const hexN = (bytes: number) =>
  z
    .string()
    .regex(new RegExp(`^(0x)?[0-9a-fA-F]{${bytes * 2}}$`), `expected ${bytes * 2} hex characters`)
    .transform((s) => s.replace(/^0x/, '').toLowerCase())
const listenAddr = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:8000')

export const ConfigSchema = z
  .object({
    node: z
      .object({
        data_dir: z.string().min(1),
        name: z.string().min(1),
        log_level: z.enum(['trace', 'debug', 'info', 'warn', 'error']),
      })
      .strict(),
    tee: z
      .object({
        platform: z.enum(['simulated', 'tdx-tsm', 'gramine', 'dstack', 'nsm']),
        tsm_dir: z.string().min(1),
        rtmr3_path: z.string(),
        gramine_dir: z.string().min(1),
        gramine_sealing_policy: z.enum(['_sgx_mrenclave', '_sgx_mrsigner']),
        dstack_socket: z.string().min(1),
        dstack_platform: z.enum(['tdx', 'nitro']),
        nsm_helper: z.string().min(1),
        simulated: z
          .object({
            vendor_dir: z.string().min(1),
            machine_dir: z.string().min(1),
            app_compose: z.string(),
            app_id: z.union([z.literal(''), hexN(20)]),
            os_image_hash: hexN(32),
            tcb_status: z.enum(TCB_STATUSES),
            advisory_ids: z.array(z.string().regex(/^[A-Z]+-SA-\d+$/, 'expected an advisory id like INTEL-SA-00615')),
          })
          .strict(),
      })
      .strict(),
    attestation: z
      .object({
        trust_simulated: z.boolean(),
        simulated_roots: z.array(z.string().min(1)),
        insecure_allow_debug: z.boolean(),
        pccs_url: z.string().url('expected a URL, e.g. https://pccs.example:8081'),
        collateral_cache_dir: z.string().min(1),
        offline: z.boolean(),
      })
      .strict(),
    policy: z
      .object({
        backend: z.enum(['static', 'dev', 'webhook', 'evm']),
        file: z.string().min(1),
        webhook_url: z.union([z.literal(''), z.string().url('expected an http(s) URL of a dstack-style auth API')]),
        webhook_timeout_ms: z.number().int().min(1).max(600_000),
        evm_rpc_url: z.union([z.literal(''), z.string().url('expected the http(s) JSON-RPC URL of the chain')]),
        evm_chain_id: z.number().int().min(1),
        evm_kms_contract: z.union([z.literal(''), z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'expected 0x + 40 hex')]),
        evm_committee_contract: z.union([
          z.literal(''),
          z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'expected 0x + 40 hex'),
        ]),
        evm_max_staleness_ms: z.number().int().min(0).max(3_600_000),
      })
      .strict()
      .superRefine((p, ctx) => {
        if (p.backend === 'webhook' && p.webhook_url === '')
          ctx.addIssue({ code: 'custom', message: 'backend = "webhook" needs webhook_url', path: ['webhook_url'] })
        if (p.backend === 'evm' && (p.evm_rpc_url === '' || p.evm_kms_contract === ''))
          ctx.addIssue({
            code: 'custom',
            message: 'backend = "evm" needs evm_rpc_url and evm_kms_contract',
            path: ['evm_rpc_url'],
          })
      }),
    kms: z
      .object({
        enabled: z.boolean(),
        listen: listenAddr,
        domain: z.string().min(1).max(253),
        auto_bootstrap_domain: z.string().max(253),
        enforce_self_authorization: z.boolean(),
        max_body_bytes: z
          .number()
          .int()
          .min(1024)
          .max(64 * 1024 * 1024),
        site_name: z.string(),
        sign_cert_max_validity_days: z.number().int().min(1).max(36_500),
        require_temp_ca_client_cert: z.boolean(),
        admin: z
          .object({
            enabled: z.boolean(),
            listen: listenAddr,
            token_file: z.string().min(1),
          })
          .strict(),
      })
      .strict(),
    metrics: z.object({ enabled: z.boolean() }).strict(),
    agent: z
      .object({
        kms_root_ca_pubkeys: z.array(
          z.string().regex(/^(0x)?([0-9a-fA-F]{2}){40,600}$/, 'expected the hex SPKI DER of a KMS root CA key'),
        ),
        kms_k256_pubkeys: z.array(
          z.string().regex(/^(0x)?0[23][0-9a-fA-F]{64}$/, 'expected a 33-byte compressed secp256k1 key in hex'),
        ),
        kms_policy: z.boolean(),
      })
      .strict(),
    signer: z
      .object({
        enabled: z.boolean(),
        listen: listenAddr,
        network: z.enum(['mainnet', 'sepolia', 'holesky', 'hoodi', 'custom']),
        genesis_validators_root: z.union([
          z.literal(''),
          z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected 0x + 64 hex'),
        ]),
        genesis_fork_version: z.union([z.literal(''), z.string().regex(/^0x[0-9a-fA-F]{8}$/, 'expected 0x + 8 hex')]),
        slashing_strategy: z.enum(['complete', 'minimal']),
        max_body_bytes: z
          .number()
          .int()
          .min(1024)
          .max(64 * 1024 * 1024),
        tls: z.enum(['none', 'files', 'ratls']),
        tls_cert_file: z.string(),
        tls_key_file: z.string(),
        tls_client_ca_file: z.string(),
        keymanager: z
          .object({
            enabled: z.boolean(),
            listen: listenAddr,
            token_file: z.string().min(1),
            max_body_bytes: z
              .number()
              .int()
              .min(1024)
              .max(256 * 1024 * 1024),
            max_keystores: z.number().int().min(1).max(10_000),
            insecure_allow_plain_http_remote: z.boolean(),
          })
          .strict(),
      })
      .strict()
      .superRefine((s, ctx) => {
        if (s.network === 'custom' && (s.genesis_validators_root === '' || s.genesis_fork_version === ''))
          ctx.addIssue({
            code: 'custom',
            message: 'network = "custom" needs genesis_validators_root and genesis_fork_version',
          })
        if (s.tls === 'files' && (s.tls_cert_file === '' || s.tls_key_file === ''))
          ctx.addIssue({ code: 'custom', message: 'tls = "files" needs tls_cert_file and tls_key_file' })
        if (s.tls === 'none' && s.tls_client_ca_file !== '')
          ctx.addIssue({
            code: 'custom',
            path: ['tls_client_ca_file'],
            message:
              'client certificates (mutual TLS) need TLS, but tls = "none" serves plain HTTP to any client: ' +
              'set tls = "files" (with tls_cert_file and tls_key_file) or tls = "ratls", or remove tls_client_ca_file',
          })
      }),
    mpc: z
      .object({
        enabled: z.boolean(),
        participant_id: z.number().int().min(0).max(0xfffffffe),
        p2p_listen: listenAddr,
        listen: listenAddr,
        api_tls: z.enum(['none', 'ratls']),
        committee_source: z.enum(['file', 'evm']),
        committee_file: z.string().min(1),
        evm_account_key_file: z.string(),
        evm_poll_interval_ms: z.number().int().min(50).max(600_000),
        round_timeout_ms: z.number().int().min(50).max(600_000),
        dkg_round_timeout_ms: z.number().int().min(100).max(600_000),
        api_tokens: z.array(
          z
            .object({
              sha256: hexN(32),
              predecessor: z.string().min(1).max(256),
            })
            .strict(),
        ),
        allow: z.array(
          z
            .object({
              predecessor: z.string().min(1).max(256),
              domains: z.array(z.number().int().min(0).max(0xffff_ffff)),
            })
            .strict(),
        ),
      })
      .strict(),
  })
  .strict()
  .superRefine((c, ctx) => {
    // the evm committee source reads the chain [policy] already names (evm_rpc_url, evm_chain_id,
    // evm_committee_contract), whatever the policy backend
    if (!c.mpc.enabled || c.mpc.committee_source !== 'evm') return
    if (c.policy.evm_rpc_url === '' || c.policy.evm_committee_contract === '')
      ctx.addIssue({
        code: 'custom',
        message: '[mpc] committee_source = "evm" needs [policy] evm_rpc_url and evm_committee_contract',
        path: ['mpc', 'committee_source'],
      })
    if (c.mpc.evm_account_key_file === '')
      ctx.addIssue({
        code: 'custom',
        message: 'committee_source = "evm" needs evm_account_key_file (the key of the account the contract lists)',
        path: ['mpc', 'evm_account_key_file'],
      })
  })

export type Config = z.infer<typeof ConfigSchema> & { home: string }

type Table = Record<string, unknown>
const isTable = (v: unknown): v is Table => typeof v === 'object' && v !== null && !Array.isArray(v)

function merge(base: Table, over: Table): Table {
  const out: Table = { ...base }
  for (const [k, v] of Object.entries(over)) out[k] = isTable(v) && isTable(base[k]) ? merge(base[k] as Table, v) : v
  return out
}

function parseTomlText(text: string, where: string): Table {
  try {
    return parseToml(text) as Table
  } catch (e) {
    throw new NodeError('NODE_CONFIG_INVALID', `${where} is not valid TOML: ${(e as Error).message.split('\n')[0]}`)
  }
}

/**
 * Defaults merged with the user's TOML (text or parsed), validated. Errors name the key path and what
 * is expected, never the value (a config may hold a token).
 */
export function loadConfig(home: string, userToml = '', overrides: Table = {}, where = 'custos.toml'): Config {
  const merged = merge(merge(parseTomlText(DEFAULTS_TOML, 'defaults.toml'), parseTomlText(userToml, where)), overrides)
  const r = ConfigSchema.safeParse(merged)
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    throw new NodeError('NODE_CONFIG_INVALID', `${where} is invalid: ${lines.join('; ')}`)
  }
  return { ...r.data, home: resolve(home) }
}

export function loadConfigFile(home: string, file = resolve(home, 'custos.toml'), overrides: Table = {}): Config {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    throw new NodeError(
      'NODE_CONFIG_NOT_FOUND',
      `no config at ${file}: run \`custos init --home ${home}\` to write a documented one`,
    )
  }
  return loadConfig(home, text, overrides, file)
}

/** Resolve a config path against the node's home directory. */
export const homePath = (cfg: Config, p: string): string => (isAbsolute(p) ? p : resolve(cfg.home, p))
