export * from '@phala/dstack-sdk/encrypt-env-vars'
