import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import { canonicalAppCompose, composeHashOf, isCanonicalAppCompose } from '../attestation/index.js'
import { toHex } from '../crypto/index.js'
import { defineErrors } from '../errors.js'

const ComposeHashError = defineErrors('ComposeHashError', {
  /** The file is not JSON. */
  CLI_BAD_COMPOSE: 400,
})

/**
 * `custos attest compose-hash <file>`: the compose hash a dstack/Custos workload with this app-compose.json
 * reports (sha256 of the exact file bytes) and its default app id, so an operator can allow-list it. When
 * the file is not in dstack's canonical form (keys sorted, no whitespace, no trailing newline), the SDK's
 * `getComposeHash()` computes a different value: say so, and print the canonical form's hash too.
 */
export function registerComposeHashCommand(attest: Command): void {
  attest
    .command('compose-hash')
    .description('print the compose hash and default app id of an app-compose.json (what to allow-list)')
    .argument('<file>', 'app-compose.json')
    .option('--json', 'print one JSON object')
    .option('--canonical', 'print the canonical form of the file instead (write it to the file you deploy)')
    .action((file: string, opts: { json?: boolean; canonical?: boolean }) => {
      const bytes = readFileSync(file)
      const text = bytes.toString('utf8')
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch (e) {
        throw new ComposeHashError('CLI_BAD_COMPOSE', `${file} is not JSON: ${(e as Error).message}`)
      }
      const canonical = canonicalAppCompose(parsed)
      if (opts.canonical) {
        process.stdout.write(canonical)
        return
      }
      const hash = composeHashOf(bytes)
      const out = {
        compose_hash: toHex(hash),
        app_id: toHex(hash.subarray(0, 20)),
        canonical: isCanonicalAppCompose(text),
        ...(isCanonicalAppCompose(text)
          ? {}
          : { canonical_compose_hash: toHex(composeHashOf(new TextEncoder().encode(canonical))) }),
      }
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(out)}\n`)
        return
      }
      process.stdout.write(
        `compose_hash ${out.compose_hash}\napp_id       ${out.app_id} (default: the host may set another)\n`,
      )
      if (!out.canonical)
        process.stdout.write(
          `warning: ${file} is not in dstack's canonical form, so @phala/dstack-sdk getComposeHash() gives ${out.canonical_compose_hash}.\n` +
            `         Deploy the canonical form (custos attest compose-hash --canonical ${file}) so both agree.\n`,
        )
    })
}
