import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Command } from 'commander'
import { callKmsAsWorkload, createRootLogger, loadConfig, startDevnet } from '../node/index.js'

const DEFAULT_HOME = '.custos/devnet'

export function registerDevCommand(program: Command): void {
  const dev = program
    .command('dev')
    .description('run a local devnet on loopback: 3 simulated KMS nodes (INSECURE TEE), a static policy, a demo app')
    .option('--home <dir>', 'devnet state folder (restarts from it)', DEFAULT_HOME)
    .option('--nodes <n>', 'number of KMS nodes', '3')
    .option('--base-port <port>', 'first KMS port (node i listens on base+i-1)', '8001')
    .option('--log-level <level>', 'node log level (logs go to stderr)', 'warn')
    .option('--log-format <format>', 'auto (human lines on a terminal, JSON when piped) | json | pretty', 'auto')
    .option('--agent-port <port>', 'also serve the demo app guest agent on this loopback port', '8090')
    .option(
      '--chain',
      'run the nodes against a real local EVM (in-process EDR): deploys the Custos contracts, registers the devnet measurements, [policy] backend = "evm"',
    )
    .option('--chain-port <port>', 'loopback port of the devnet chain JSON-RPC', '8545')
    .action(
      async (opts: {
        home: string
        nodes: string
        basePort: string
        logLevel: string
        logFormat: string
        agentPort: string
        chain?: boolean
        chainPort: string
      }) => {
        const say = (l: string) => process.stdout.write(`${l}\n`)
        const nodes = Number(opts.nodes)
        const basePort = Number(opts.basePort)
        if (!Number.isInteger(nodes) || nodes < 1 || nodes > 16)
          throw new Error('--nodes must be an integer from 1 to 16')
        if (!Number.isInteger(basePort) || basePort < 1 || basePort > 65535 - nodes)
          throw new Error('--base-port is not a usable port')
        say('Custos devnet — SIMULATED TEE: keys and attestations here are INSECURE (for development only)')
        if (!['auto', 'json', 'pretty'].includes(opts.logFormat))
          throw new Error('--log-format must be auto, json or pretty')
        const logger = createRootLogger({
          level: opts.logLevel,
          name: 'devnet',
          format: opts.logFormat as 'auto' | 'json' | 'pretty',
        })
        const agentPort = Number(opts.agentPort)
        if (!Number.isInteger(agentPort) || agentPort < 0 || agentPort > 65535)
          throw new Error('--agent-port is not a port')
        const net = await startDevnet({
          home: opts.home,
          nodes,
          basePort,
          logger,
          progress: say,
          agentPort,
          chain: opts.chain === true,
          chainPort: Number(opts.chainPort),
          committee: nodes >= 3,
        })
        say('')
        say('KMS endpoints (dstack-kms compatible prpc over attested TLS):')
        for (const [i, u] of net.urls.entries()) say(`  node${i + 1}  ${u}/prpc`)
        say(`state: ${net.home} (policy: ${net.chain ? 'on chain' : resolve(net.home, 'policy.json')})`)
        if (net.chain) {
          const dep = resolve(net.home, 'chain-deployment.json')
          say('')
          say(
            `Chain: local EVM ${net.chain.rpcUrl} (chain ${net.chain.chainId}, public dev keys — INSECURE); CustosKms ${net.chain.addresses.kms}, demo app ${net.chain.addresses.app}`,
          )
          say(`  npx custos contracts show --deployment ${dep}`)
          say(
            `  npx custos contracts remove-compose-hash --deployment ${dep} --dev-account 0 --app ${net.chain.addresses.app} ${net.demoApp.composeHash}   # the next app-key is refused`,
          )
        }
        say('')
        say('Try it:')
        say(`  curl -sk ${net.urls[0]}/prpc/GetMeta?json`)
        say(`  npx custos dev app-key --home ${opts.home} --kms ${net.urls[net.urls.length > 1 ? 1 : 0]}`)
        say(`  curl -sk ${net.urls[0]}/metrics | grep dstack_kms`)
        const ep = net.agent?.endpoints
        if (ep?.socketPath) {
          say('')
          say('Demo app guest agent (dstack API, works with @phala/dstack-sdk):')
          say(
            `  curl -s --unix-socket ${ep.socketPath} http://dstack/GetKey -d '{"path":"wallet/eth","purpose":"signing"}'`,
          )
          if (ep.httpUrl) say(`  curl -s ${ep.httpUrl}/Info -H 'content-type: application/json' -d '{}'`)
          say(`  export DSTACK_SIMULATOR_ENDPOINT=${ep.socketPath}`)
        }
        const cm = net.committee
        if (cm) {
          const api = cm.apiUrls[0]!
          const body = JSON.stringify({
            request: { path: 'demo', payload_v2: { Eddsa: '68656c6c6f' }, domain_id: 0 },
          })
          say('')
          say(`Threshold committee (2-of-3 on node1..node3, DKG done; token of predecessor ${cm.predecessor}):`)
          say(`  curl -s ${api}/mpc/v1/state`)
          say(
            `  curl -s ${api}/mpc/v1/sign -H "authorization: Bearer $(cat ${resolve(net.home, 'mpc-token')})" -H 'content-type: application/json' -d '${body}'`,
          )
          say('  verify: the signature is plain RFC 8032 Ed25519 over the bytes "hello" under the derived key of')
          say(`  (${cm.predecessor}, "demo"), which the API, the CLI (offline, from the root key) and noble agree on:`)
          say(`  curl -s '${api}/mpc/v1/derived_public_key?domain_id=0&predecessor=${cm.predecessor}&path=demo'`)
          say(
            `  npx custos mpc derive --root $(curl -s ${api}/mpc/v1/public_key?domain_id=0 | node -pe 'JSON.parse(require("fs").readFileSync(0)).public_key') --predecessor ${cm.predecessor} --path demo`,
          )
          say(
            `  node --input-type=module -e "import {ed25519} from '@noble/curves/ed25519.js'; const [sig,key]=process.argv.slice(1); console.log(ed25519.verify(Uint8Array.from(JSON.parse(sig)), new TextEncoder().encode('hello'), Buffer.from(key,'hex')))" '<signature array>' '<public_key_hex>'`,
          )
          say('  (domain 1 = BIP-340 and domain 2 = secp256k1 FROST take payload_v2.Ecdsa: a 32-byte hex digest)')
        }
        say('')
        say('Ctrl-C stops the devnet; run `npm start` again to restart it from its state.')
        const stop = async () => {
          await net.close()
          process.exit(0)
        }
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      },
    )

  dev
    .command('app-key')
    .description('act as the devnet demo app: fetch its keys from a KMS with GetAppKey over mutual attested TLS')
    .option('--home <dir>', 'devnet state folder', DEFAULT_HOME)
    .requiredOption('--kms <url>', 'KMS base URL, e.g. https://127.0.0.1:8002')
    .action(async (opts: { home: string; kms: string }) => {
      const appHome = resolve(opts.home, 'demo-app')
      let toml: string
      try {
        toml = readFileSync(resolve(appHome, 'custos.toml'), 'utf8')
      } catch {
        throw new Error(`no devnet demo app under ${appHome}: start the devnet first (npm start), or pass --home`)
      }
      const config = loadConfig(appHome, toml)
      const r = await callKmsAsWorkload({ config, kmsUrl: opts.kms, method: 'GetAppKey', body: { api_version: 1 } })
      process.stdout.write(`${JSON.stringify(r.body, null, 2)}\n`)
      if (r.status !== 200) process.exitCode = 1
    })
}
