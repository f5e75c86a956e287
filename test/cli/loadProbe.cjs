// Preloaded (`node --require`) into a custos process by build.test.ts: on exit or SIGUSR2 it prints one line
// saying whether the process has loaded the local EVM (EDR), solc, or tsx/esbuild (i.e. ran the TypeScript sources).
const report = () => {
  const keys = Object.keys(require.cache)
  const has = (re) => keys.some((k) => re.test(k))
  const loaded = {
    edr: has(/@nomicfoundation[\\/]edr/),
    solc: has(/[\\/]node_modules[\\/]solc[\\/]/),
    tsx: has(/[\\/]node_modules[\\/](tsx|esbuild)[\\/]/),
  }
  process.stderr.write(`probe ${JSON.stringify(loaded)}\n`)
}
process.on('exit', report)
process.on('SIGUSR2', report)
