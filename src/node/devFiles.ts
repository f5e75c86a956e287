import { DEFAULTS_TOML } from './config.js'

/** Set `key = value` inside `[section]` of the defaults text, keeping every comment. */
export function setTomlKey(text: string, section: string, key: string, value: string): string {
  const lines = text.split('\n')
  let inSection = false
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string
    const header = /^\[([^\]]+)\]\s*$/.exec(line)
    if (header) inSection = header[1] === section
    else if (inSection && new RegExp(`^${key}\\s*=`).test(line)) {
      const comment = line.includes(' #') ? line.slice(line.indexOf(' #')) : ''
      lines[i] = `${key} = ${value}${comment}`
      return lines.join('\n')
    }
  }
  throw new Error(`defaults.toml has no key ${section}.${key}`)
}

/** The defaults, switched to the INSECURE simulated TEE for a laptop (`custos init --dev`). */
export function devConfigToml(overrides: Array<[string, string, string]> = []): string {
  let t = DEFAULTS_TOML
  const all: Array<[string, string, string]> = [
    ['tee', 'platform', '"simulated"'],
    ['attestation', 'trust_simulated', 'true'],
    ...overrides,
  ]
  for (const [s, k, v] of all) t = setTomlKey(t, s, k, v)
  return `# DEV CONFIG: simulated TEE — INSECURE, for laptops and CI only.\n${t}`
}

/** A static policy (dstack auth-simple format) that denies everything. */
export function emptyPolicyJson(): string {
  return `${JSON.stringify(
    {
      gatewayAppId: '',
      osImages: [],
      allowedTcbStatuses: ['UpToDate'],
      allowedAdvisoryIds: [],
      kms: { mrAggregated: [], devices: [], allowAnyDevice: false },
      apps: {},
    },
    null,
    2,
  )}\n`
}
