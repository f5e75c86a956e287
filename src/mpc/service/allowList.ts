/**
 * Which predecessors may use which domains: `[[mpc.allow]] predecessor = "app:*" | "alice.near" | "*", domains`.
 * A pattern is an exact name or a prefix ending in `*`. Everything not listed is refused.
 */
export interface AllowRule {
  predecessor: string
  domains: readonly number[]
}

export type AllowCheck = (predecessor: string, domainId: number) => boolean

export function createAllowCheck(rules: readonly AllowRule[]): AllowCheck {
  const compiled = rules.map((r) => {
    const p = r.predecessor
    const match = p.endsWith('*') ? (s: string) => s.startsWith(p.slice(0, -1)) : (s: string) => s === p
    return { match, domains: new Set(r.domains) }
  })
  return (predecessor, domainId) => compiled.some((r) => r.domains.has(domainId) && r.match(predecessor))
}
