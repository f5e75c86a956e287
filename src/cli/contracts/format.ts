import type { ContractsState } from './state.js'
import type { TxResult } from './tx.js'

const list = (label: string, xs: readonly string[], indent = '  ') =>
  xs.length === 0 ? [`${indent}${label}: (none)`] : [`${indent}${label}:`, ...xs.map((x) => `${indent}  - ${x}`)]

/** `custos contracts show` as a readable listing. */
export function formatState(s: ContractsState): string {
  const lines: string[] = [`chain ${s.chainId}, block ${s.blockNumber}`]
  if (s.kms) {
    const k = s.kms
    lines.push('', `CustosKms ${k.address}`)
    lines.push(
      `  owner: ${k.owner}${/^0x0{40}$/.test(k.pendingOwner) ? '' : ` (pending transfer to ${k.pendingOwner})`}`,
    )
    lines.push(`  gateway app id: ${k.gatewayAppId === '' ? '(unset)' : k.gatewayAppId}`)
    lines.push(`  app registration: ${k.openAppRegistration ? 'open to anyone' : 'owner only'}`)
    lines.push(...list('allowed OS images', k.osImages))
    lines.push(...list('allowed KMS aggregated MRs', k.kmsAggregatedMrs))
    lines.push(...(k.kmsAllowAnyDevice ? ['  allowed KMS devices: ANY'] : list('allowed KMS devices', k.kmsDevices)))
    lines.push(...list('allowed TCB statuses (KMS)', k.tcbStatuses))
    if (k.apps.length === 0) lines.push('  apps: (none)')
    for (const a of k.apps) {
      lines.push(`  app ${a.appId}`)
      lines.push(`    owner: ${a.owner}; require TCB UpToDate: ${a.requireTcbUpToDate ? 'yes' : 'no'}`)
      lines.push(...list('compose hashes', a.composeHashes, '    '))
      lines.push(...(a.allowAnyDevice ? ['    devices: ANY'] : list('devices', a.devices, '    ')))
    }
  }
  if (s.committee) {
    const c = s.committee
    lines.push('', `CustosCommittee ${c.address}`)
    lines.push(
      `  state: ${c.state}; epoch ${c.epochId} (next proposal names epoch ${c.nextEpochId}); threshold ${c.threshold}`,
    )
    lines.push(`  participants (${c.participants.length}):`)
    for (const p of c.participants) {
      const att = p.attestation
        ? `attestation ${p.attestation.digest.slice(0, 18)}… measurement ${p.attestation.measurement.slice(0, 18)}… ${p.attestation.valid ? 'valid' : 'NOT valid'}`
        : 'no attestation'
      lines.push(`    #${p.id} ${p.account} ${p.url || '(no url)'} — ${att}`)
    }
    const scheme = (n: number) => ['Ed25519', 'Secp256k1Frost', 'Bip340'][n] ?? `scheme ${n}`
    lines.push(
      ...list(
        'domains',
        c.domains.map(
          (d) =>
            `#${d.id} ${scheme(d.scheme)} (${d.purpose}): ${d.publicKey === '0x' ? 'key not generated yet' : d.publicKey}`,
        ),
      ),
    )
    lines.push(...list('allowed code hashes', c.allowedCodeHashes))
    lines.push(
      ...list(
        'pending parameter proposals',
        c.pendingProposals.map(
          (p) => `${p.proposalHash} for epoch ${p.prospectiveEpochId}: ${p.votes}/${c.threshold} votes`,
        ),
      ),
    )
    if (c.resharing) {
      const r = c.resharing
      lines.push(
        `  resharing to epoch ${r.prospectiveEpochId} (proposal ${r.proposalHash}), threshold ${r.threshold}: ${r.resharedVotes}/${r.participants.length} reshared`,
      )
      for (const p of r.participants) lines.push(`    #${p.id} ${p.account} ${p.url || '(no url)'}`)
    }
    lines.push(
      ...list(
        'pending code-hash votes',
        c.pendingCodeHashVotes.map((v) => `${v.add ? 'add' : 'remove'} ${v.codeHash}: ${v.votes}/${c.threshold} votes`),
      ),
    )
  }
  return `${lines.join('\n')}\n`
}

/** A write's result as JSON-safe data (for --json). */
export function txJson(r: TxResult, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { what: r.what, txHash: r.txHash, blockNumber: r.blockNumber, gasUsed: r.gasUsed, from: r.from, ...extra }
}

/** A write's result as one line. */
export function txLine(r: TxResult): string {
  return `${r.what}: tx ${r.txHash} in block ${r.blockNumber} (gas ${r.gasUsed}, from ${r.from})`
}
