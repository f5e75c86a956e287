import { ssz } from '@lodestar/types'
import { pbkdf2 } from '@noble/hashes/pbkdf2.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../../crypto/index.js'
import type { SignerError } from '../errors.js'
import { deriveKeyFromPath, getBls, signingKeyPath, withdrawalKeyPath } from '../keys/index.js'
import {
  buildDepositData,
  type DepositDatum,
  type DepositNetwork,
  depositDataFileName,
  serializeDepositDataFile,
  verifyDepositDatum,
} from './depositData.js'
import { blsWithdrawalCredentials, executionWithdrawalCredentials } from './withdrawalCredentials.js'

// Vectors: sigp/lighthouse validator_manager/test_vectors (generate.py runs ethereum/staking-deposit-cli
// `existing-mnemonic` with this mnemonic and an empty mnemonic password; the hoodi/0x02 files were produced by
// ethstaker-deposit-cli 1.3.0). Files: mainnet_first_0_count_2_eth1_true/…1715584107.json,
// mainnet_first_1024_count_3_eth1_false/…1715584103.json (HEAD 2e0eb6d), holesky_first_0_count_1_eth1_false/
// …1715584111.json, hoodi_first_0_count_1_prefix_0x00_eth1_false/…1785211404.json (commit 2e93bda),
// hoodi_first_0_count_2_prefix_0x02_eth1_true/…1785211449.json (commit ca6d0c0).
const MNEMONIC = 'test test test test test test test test test test test waste'
const ADDRESS = '0x0f51bb10119727a7e5eA3538074fb341F56B09Ad'
const seed = pbkdf2(sha512, MNEMONIC.normalize('NFKD'), 'mnemonic', { c: 2048, dkLen: 64 })

type Credentials = { kind: 'bls' } | { kind: 'exec'; prefix: 0x01 | 0x02 }

function generate(
  network: DepositNetwork,
  first: number,
  count: number,
  cred: Credentials,
  depositCliVersion: string,
): DepositDatum[] {
  const out: DepositDatum[] = []
  for (let i = first; i < first + count; i++) {
    const secretKey = deriveKeyFromPath(seed, signingKeyPath(i))
    const wc =
      cred.kind === 'bls'
        ? blsWithdrawalCredentials(getBls().publicKey(deriveKeyFromPath(seed, withdrawalKeyPath(i)).expose()))
        : executionWithdrawalCredentials(ADDRESS, cred.prefix)
    out.push(buildDepositData({ secretKey, withdrawalCredentials: wc, amountGwei: 32e9, network, depositCliVersion }))
  }
  return out
}

const MAINNET_0_2_ETH1 =
  '[{"pubkey": "88b6b3a9b391fa5593e8bce8d06102df1a56248368086929709fbb4a8570dc6a560febeef8159b19789e9c1fd13572f0", "withdrawal_credentials": "0100000000000000000000000f51bb10119727a7e5ea3538074fb341f56b09ad", "amount": 32000000000, "signature": "a8461b58a5a5a0573c4af37da6ee4ba63e35894cffad6797d4a2c80f8f2c79d2c30c0de0299d8edde76e0c3f3e6d4f1e03cc377969f56d8760717d6e86f9316da9375573ce7bb87a8520daedb13c49284377f7a4f64a70aa2ca44b1581d47e20", "deposit_message_root": "62967565d11471da4af7769911926cd1826124048036b25616216f99bc320f13", "deposit_data_root": "d26d642a880ff8a109260fe69681840f6e1868c8c1cd2163a1db5a094e8db03a", "fork_version": "00000000", "network_name": "mainnet", "deposit_cli_version": "2.7.0"}, {"pubkey": "a33ab9d93fb53c4f027944aaa11a13be0c150b7cc2e379d85d1ed4db38d178b4e4ebeae05832158b8c746c1961da00ce", "withdrawal_credentials": "0100000000000000000000000f51bb10119727a7e5ea3538074fb341f56b09ad", "amount": 32000000000, "signature": "93a398c09143203beb94c9223c7e18f36e5ea36090875284b222c2fcb16982e6f2e26f27ca9d30e3c6f6b5ad44857fc50f531925f4736810712f68a9d7a9c0eb664a851180f3b7d2e44a35717d43b3d3e4fd555354fa1dfa92f451870f36084d", "deposit_message_root": "ce110433298ffb78d827d67dcc13655344a139cb7e3ce10b341937c0a76b25b7", "deposit_data_root": "7c7617a2c11870ec49e975b3691b9f822d63938df38555161e23aa245b150c66", "fork_version": "00000000", "network_name": "mainnet", "deposit_cli_version": "2.7.0"}]'

const MAINNET_1024_3 =
  '[{"pubkey": "92ca8dddba4ae7ada6584c377fc53fb978ad9d5ee8db585b18e226c27682b326b3c68e10f5d99a453e233268c144e0ef", "withdrawal_credentials": "00dd4f8bfd1a48be288c2af8bb7315f6198900b5b3f56df010420d5328e682cb", "amount": 32000000000, "signature": "a0a96851892b257c032284928641021e58e0bcd277c3da5a2c41bcce6633d144781e4761261138277b5a8cf0ead59cce073e5a3bbc4704a37abf8cd1e290dc52e56cb0c334303945ebbb79be453c8177937e44e08f980679f1a2997fe58d2d86", "deposit_message_root": "5421d9177b4d035e6525506509ab702c5f458c53458dad437097b37cb8209b43", "deposit_data_root": "2bedaf48f8315d8631defc97c1c4c05a8152e2dc3fe779fc8e800dd67bd839a2", "fork_version": "00000000", "network_name": "mainnet", "deposit_cli_version": "2.7.0"}, {"pubkey": "86474cd2874663445ef0ee02aca81b2b942a383fd4c7085fa675388e26c67afc0fef44a8666d46f571723e349ae4a0cb", "withdrawal_credentials": "001c31aa161ed1d3c481c1ee8f3ad1853217296a15877917fe3c2f680580ac01", "amount": 32000000000, "signature": "b469179ad8ba9d6ad71b99a3c7ae662d9b77cca3ee53b20ab2eb20beee31874ad47224e94e75578fa6ecd30c1d40a0b300053817f934169d84425691edf13216445fbc6dd9b0953ad3af20c834fba63c1f50c0b0f92dd8bf383cd2cc8e0431f1", "deposit_message_root": "279271f7065c83868c37021c32c014516b21e6188fb2cee4e8543c5d38427698", "deposit_data_root": "69862477671957ab0b3f1167c5cd550c107132a0079eb70eaa4bc5c5fe06b5a0", "fork_version": "00000000", "network_name": "mainnet", "deposit_cli_version": "2.7.0"}, {"pubkey": "997e27aa262238beb01464434694a466321b5270297bdfdb944b65a3b6617b6ce2613628ac35a8f4cf2e9b4b55c46ef8", "withdrawal_credentials": "0097fffee9cf9fd91a6fa89af90e73f1cb8b8a043e742afaeb2e57b83b0845fe", "amount": 32000000000, "signature": "a8b05626657ce5b1801e0824aaeb21de2e1a11bc16cad6100ac911bcb873aaf7e7282f1f8465df4aaea998a1a4e1645f075e7e65f8c6b8688b0162f86be2128541f91fc9feb628bcab3b4afec1f7aeccaba04aaa54dc17c738233d360f94b97e", "deposit_message_root": "187e177721bfdd8ea13cb52c8de2dead29164a0e093efb640457a0e6ac918191", "deposit_data_root": "34ef32901d793cd9a0a3d93e7ee40e7be9abe6fb26f0b49a86b8ff29dc649930", "fork_version": "00000000", "network_name": "mainnet", "deposit_cli_version": "2.7.0"}]'

const HOLESKY_0_1 =
  '[{"pubkey": "88b6b3a9b391fa5593e8bce8d06102df1a56248368086929709fbb4a8570dc6a560febeef8159b19789e9c1fd13572f0", "withdrawal_credentials": "0049b6188ed20314309f617dd4030b8ddfac3c6e65759a03c226a13b2fe4cc72", "amount": 32000000000, "signature": "846c83b1ec80038974ded0ef5b89d86c862a7bd4559c10528cd4bb6a48e71987f17a963bc6165a6f51c8b87474e64b450b549ce2d14a25bea3c86c241f3740f3d3edc3dc36fddbeadb1ec8969d7193da602270fea8dd31d3e64674aa2090b73d", "deposit_message_root": "a9bc1d21cc009d9b10782a07213e37592c0d235463ed0117dec755758da90d51", "deposit_data_root": "cdfe14518026e99b9dfa8a029054349e37d4632ee2bbed7c2f5af19a01912368", "fork_version": "01017000", "network_name": "holesky", "deposit_cli_version": "2.7.0"}]'

const HOODI_0_1 =
  '[{"pubkey": "88b6b3a9b391fa5593e8bce8d06102df1a56248368086929709fbb4a8570dc6a560febeef8159b19789e9c1fd13572f0", "withdrawal_credentials": "0049b6188ed20314309f617dd4030b8ddfac3c6e65759a03c226a13b2fe4cc72", "amount": 32000000000, "signature": "8fb558fb2a8032f6c05d0ac698fe2f584c2eb3763eafaf8e25cbe90783b31703374c8cab3bb60760ad386075173615a600b013b14fd7c9112986062ab4dbd69205fa3b5ffd1c09442bd45e81acd4bda33b8b02445504e57eb9f32d4cbe264b46", "deposit_message_root": "a9bc1d21cc009d9b10782a07213e37592c0d235463ed0117dec755758da90d51", "deposit_data_root": "83d168a57f460b009298c723a548601349dc58a874e943d01e37597821745156", "fork_version": "10000910", "network_name": "hoodi", "deposit_cli_version": "1.3.0"}]'

const HOODI_0_2_0X02 =
  '[{"pubkey": "88b6b3a9b391fa5593e8bce8d06102df1a56248368086929709fbb4a8570dc6a560febeef8159b19789e9c1fd13572f0", "withdrawal_credentials": "0200000000000000000000000f51bb10119727a7e5ea3538074fb341f56b09ad", "amount": 32000000000, "signature": "b4f4fc854e5ad32537345e10d8f44c6777299a2052c7349556ae581b81aa84fd61e04f94fc75ae36c47e2a507569ee94140d4e169c30e9e1fd37a763b74b86d37fb69626929fa5e2af87991c593cdd1fbd090d4336bd8034dddd7b1e842d7615", "deposit_message_root": "aaf9657acb2afbf35942a2d9086564e48ef8a78b9697eed2810cf80de1452b40", "deposit_data_root": "8146fed8c2a9326b57698fb4ce6390a381ba51b90e793e9f2637a68537900cbb", "fork_version": "10000910", "network_name": "hoodi", "deposit_cli_version": "1.3.0"}, {"pubkey": "a33ab9d93fb53c4f027944aaa11a13be0c150b7cc2e379d85d1ed4db38d178b4e4ebeae05832158b8c746c1961da00ce", "withdrawal_credentials": "0200000000000000000000000f51bb10119727a7e5ea3538074fb341f56b09ad", "amount": 32000000000, "signature": "a259ba4494b36fa32e6ac0eb19effdbd5c20ad3398bc69f777375ae96dbded15ad66934f2a71400b94055d0d1759a7be15baa5d085500b07653f6192ae3c31d96619cdf886800f2cc2f0b1b85e8e1774cc85ca42abfc7f1386d4035675ecbbaa", "deposit_message_root": "01f08b8ea18b1d32cee06660f5a2863286a1abc0ea92fc3bcb86552d8f296a13", "deposit_data_root": "94ebfd542174f6d2d0427572aac83b9bd7548173fe299382c237a1e6b3f82ce6", "fork_version": "10000910", "network_name": "hoodi", "deposit_cli_version": "1.3.0"}]'

describe('deposit_data.json vs staking-deposit-cli output (Lighthouse vectors)', () => {
  it('mainnet, keys 0-1, 0x01 execution credentials: byte-identical file', () => {
    expect(serializeDepositDataFile(generate('mainnet', 0, 2, { kind: 'exec', prefix: 0x01 }, '2.7.0'))).toBe(
      MAINNET_0_2_ETH1,
    )
  })

  it('mainnet, keys 1024-1026, 0x00 BLS credentials: byte-identical file', () => {
    expect(serializeDepositDataFile(generate('mainnet', 1024, 3, { kind: 'bls' }, '2.7.0'))).toBe(MAINNET_1024_3)
  })

  it('holesky, key 0, 0x00', () => {
    expect(serializeDepositDataFile(generate('holesky', 0, 1, { kind: 'bls' }, '2.7.0'))).toBe(HOLESKY_0_1)
  })

  it('hoodi, key 0, 0x00 and keys 0-1 with 0x02 compounding credentials (ethstaker-deposit-cli 1.3.0)', () => {
    expect(serializeDepositDataFile(generate('hoodi', 0, 1, { kind: 'bls' }, '1.3.0'))).toBe(HOODI_0_1)
    expect(serializeDepositDataFile(generate('hoodi', 0, 2, { kind: 'exec', prefix: 0x02 }, '1.3.0'))).toBe(
      HOODI_0_2_0X02,
    )
  })

  it('every vector entry verifies (roots + signature under its fork version)', () => {
    for (const file of [MAINNET_0_2_ETH1, MAINNET_1024_3, HOLESKY_0_1, HOODI_0_1, HOODI_0_2_0X02]) {
      for (const d of JSON.parse(file) as DepositDatum[]) expect(verifyDepositDatum(d)).toEqual([])
    }
  })
})

describe('deposit data for networks without a vector', () => {
  it('sepolia and a custom network: roots recomputed with Lodestar types, signature verifies', () => {
    for (const network of ['sepolia', { name: 'devnet-7', genesisForkVersion: fromHex('10000099') }] as const) {
      const [d] = generate(network, 5, 1, { kind: 'exec', prefix: 0x01 }, '2.8.0') as [DepositDatum]
      const expectedVersion = network === 'sepolia' ? '90000069' : '10000099'
      expect(d.fork_version).toBe(expectedVersion)
      expect(d.network_name).toBe(network === 'sepolia' ? 'sepolia' : 'devnet-7')
      const msg = {
        pubkey: fromHex(d.pubkey),
        withdrawalCredentials: fromHex(d.withdrawal_credentials),
        amount: d.amount,
      }
      expect(toHex(ssz.phase0.DepositMessage.hashTreeRoot(msg))).toBe(d.deposit_message_root)
      expect(toHex(ssz.phase0.DepositData.hashTreeRoot({ ...msg, signature: fromHex(d.signature) }))).toBe(
        d.deposit_data_root,
      )
      expect(verifyDepositDatum(d)).toEqual([])
      expect(verifyDepositDatum({ ...d, fork_version: '00000000' })).toEqual(['signature'])
    }
  })

  it('published deposit data from other tools verifies', () => {
    // ethstaker-deposit-cli docs/src/deposit_data_file.md example (fork_version 01017000 = Holesky genesis)
    const ethstakerDoc: DepositDatum = {
      pubkey: '962195958e742b8dc5b2a25adede82fc5cd661827cb1e1237025e3d7847801aa5584d5bfdc6893413264cccfbff54128',
      withdrawal_credentials: '0007a213a9a50ddf7e00e53267af1c131ed82fec947f1c9656b54f9a20f7a87f',
      amount: 32000000000,
      signature:
        'a2d56afe4540d5b506aea614848a0838b66c8707a91aa73cdb0e7b59d819f16be64881b5b621184b1668f4f1d024094a1861c5af783ded675b5763047c069c5eb805649f7c04656c96b31b0bccc34ed93c8fcd8f2e4a9e5c03453f305089d765',
      deposit_message_root: 'f9bdb1e800b8f9f0db98c77271745e3c6140f18bf420543bda84fa92c393ddc7',
      deposit_data_root: '7cda08cd57c303f8af720b10a0852408bc31e015cb552f0029fc1024b8a1d615',
      fork_version: '01017000',
      network_name: 'hoodi',
      deposit_cli_version: '1.2.2',
    }
    expect(verifyDepositDatum(ethstakerDoc)).toEqual([])
    expect(verifyDepositDatum({ ...ethstakerDoc, amount: 31000000000 })).toEqual([
      'deposit_message_root',
      'deposit_data_root',
      'signature',
    ])
  })
})

describe('withdrawal credentials and validation', () => {
  it('builds 0x00/0x01/0x02 credentials', () => {
    expect(toHex(executionWithdrawalCredentials(ADDRESS))).toBe(
      '0100000000000000000000000f51bb10119727a7e5ea3538074fb341f56b09ad',
    )
    expect(toHex(executionWithdrawalCredentials(fromHex(ADDRESS), 0x02)).slice(0, 2)).toBe('02')
    expect(blsWithdrawalCredentials(new Uint8Array(48).fill(1))[0]).toBe(0)
    expect(() => executionWithdrawalCredentials('0x1234')).toThrow(RangeError)
    expect(() => blsWithdrawalCredentials(new Uint8Array(32))).toThrow(RangeError)
  })

  it('refuses amounts outside the CLI bounds', () => {
    const secretKey = deriveKeyFromPath(seed, signingKeyPath(0))
    const wc01 = executionWithdrawalCredentials(ADDRESS)
    const wc02 = executionWithdrawalCredentials(ADDRESS, 0x02)
    const build = (amountGwei: number, wc = wc01) =>
      buildDepositData({ secretKey, withdrawalCredentials: wc, amountGwei, network: 'mainnet' })
    for (const bad of [0, 999_999_999, 33e9, 1.5e9 + 0.5]) {
      let code: string | undefined
      try {
        build(bad)
      } catch (e) {
        code = (e as SignerError).code
      }
      expect(code, String(bad)).toBe('SIGNER_BAD_PAYLOAD')
    }
    expect(build(2048e9, wc02).amount).toBe(2048e9)
    expect(build(1e9).deposit_cli_version).toBe('2.8.0')
    expect(() =>
      buildDepositData({ secretKey, withdrawalCredentials: wc01, amountGwei: 32e9, network: 'goerli' as 'mainnet' }),
    ).toThrow(RangeError)
  })

  it('names the file like the CLI', () => {
    expect(depositDataFileName(1715584107_999)).toBe('deposit_data-1715584107.json')
  })
})
