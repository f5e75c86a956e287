export * from '@phala/dstack-sdk'
