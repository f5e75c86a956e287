// Re-exports the unmodified SDK from this package's own node_modules (see package.json for why).
export * from '@phala/dstack-sdk'
