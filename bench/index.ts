/** `npm run bench [area…]`: prints one line per figure. Areas: kms, dcap, nitro, signer, policy, peer, mpc, frost (default: all). */
import 'reflect-metadata'
import { benchDcap } from './dcap.js'
import { benchKms } from './kms.js'
import { benchNitro } from './nitro.js'
import { benchSigner } from './signer.js'

const areas: Record<string, () => Promise<void>> = {
  kms: benchKms,
  dcap: benchDcap,
  nitro: benchNitro,
  signer: benchSigner,
  policy: async () => (await import('./policy.js')).benchPolicy(),
  peer: async () => (await import('./peer.js')).benchPeer(),
  mpc: async () => (await import('./mpc.js')).benchMpc(),
  frost: async () => (await import('./frost.js')).benchFrost(),
}
const wanted = process.argv.slice(2)
for (const name of wanted.length > 0 ? wanted : Object.keys(areas)) {
  const run = areas[name]
  if (!run) {
    console.error(`unknown bench area ${name}; known: ${Object.keys(areas).join(', ')}`)
    process.exit(2)
  }
  await run()
}
