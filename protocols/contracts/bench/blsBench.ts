/**
 * Measurement-only BLS12-381 aggregate attestation (min-pk: keys in G1, signatures in G2) against
 * GridletBlsBench.sol: keys, signatures and EIP-2537 encodings made with @noble/curves, the gas measured on anvil.
 * Used by bench/gas.ts (the `attest-bls-*` cases) and test/chain/bls.test.ts; gridlet itself signs with secp256k1.
 */
import type { WeierstrassPoint } from '@noble/curves/abstract/weierstrass.js'
import { bls12_381 } from '@noble/curves/bls12-381.js'
import {
  type Account,
  type Chain,
  concatHex,
  type Hex,
  hexToBytes,
  keccak256,
  numberToHex,
  type PublicClient,
  type Transport,
  toHex,
  type WalletClient,
} from 'viem'
import { gridletBlsBench } from './artifacts.js'

type Fp2 = { c0: bigint; c1: bigint }
type G1 = WeierstrassPoint<bigint>
type G2 = WeierstrassPoint<Fp2>
type Wallet = WalletClient<Transport, Chain, Account>

/** The proof-of-possession suite's DST (the contract hashes with the same one). */
export const BLS_DST = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_'
const scheme = bls12_381.longSignatures

export interface BlsHousehold {
  readonly secretKey: Uint8Array
  readonly publicKey: G1
}

/** An aggregate attestation as the contract takes it. */
export interface BlsAttestation {
  /** Bit i set = household i signed. */
  readonly bitmap: bigint
  /** The aggregate signature, G2 in EIP-2537 encoding (256 bytes). */
  readonly signature: Hex
  /** The signers' keys in bitmap order, 128 bytes each (for `verifyCalldata`). */
  readonly keys: Hex
}

/** One EIP-2537 field element: 64 bytes big-endian (16 leading zero bytes). */
const fp = (x: bigint): Hex => numberToHex(x, { size: 64 })

/** A G1 point in EIP-2537 encoding (x ‖ y, 128 bytes). */
export function encodeG1(p: G1): Hex {
  const { x, y } = p.toAffine()
  return concatHex([fp(x), fp(y)])
}

/** A G2 point in EIP-2537 encoding (x.c0 ‖ x.c1 ‖ y.c0 ‖ y.c1, 256 bytes). */
export function encodeG2(p: G2): Hex {
  const { x, y } = p.toAffine()
  return concatHex([fp(x.c0), fp(x.c1), fp(y.c0), fp(y.c1)])
}

/** `n` deterministic BLS key pairs (household i's 48-byte seed from keccak256 of "gridlet-bls-<i>-{0,1}"). */
export function blsHouseholds(n: number): BlsHousehold[] {
  const seed = (i: number) =>
    hexToBytes(concatHex([keccak256(toHex(`gridlet-bls-${i}-0`)), keccak256(toHex(`gridlet-bls-${i}-1`))])).slice(0, 48)
  return Array.from({ length: n }, (_, i) => scheme.keygen(seed(i)))
}

/** The message point H(root) on G2, as the contract computes it. */
export function hashRoot(root: Hex): G2 {
  return scheme.hash(hexToBytes(root), BLS_DST)
}

/** The households at `signers` (indices) each sign `root`; their signatures aggregated into one. */
export function signAggregate(
  households: readonly BlsHousehold[],
  signers: readonly number[],
  root: Hex,
): BlsAttestation {
  const sorted = [...new Set(signers)].sort((a, b) => a - b)
  const message = hashRoot(root)
  const signature = scheme.aggregateSignatures(sorted.map((i) => scheme.sign(message, households[i]!.secretKey)))
  return {
    bitmap: sorted.reduce((bits, i) => bits | (1n << BigInt(i)), 0n),
    signature: encodeG2(signature),
    keys: concatHex(sorted.map((i) => encodeG1(households[i]!.publicKey))),
  }
}

/** Deploys GridletBlsBench and stores the households' keys (index = position). */
export async function deployBlsBench(
  wallet: Wallet,
  pub: PublicClient,
  households: readonly BlsHousehold[],
): Promise<Hex> {
  const deployed = await pub.waitForTransactionReceipt({
    hash: await wallet.deployContract({ abi: gridletBlsBench.abi, bytecode: gridletBlsBench.bytecode }),
  })
  const address = deployed.contractAddress!
  const words = (p: G1) => {
    const h = encodeG1(p).slice(2)
    return [0, 1, 2, 3].map((w) => `0x${h.slice(w * 64, w * 64 + 64)}` as Hex) as [Hex, Hex, Hex, Hex]
  }
  const hash = await wallet.writeContract({
    address,
    abi: gridletBlsBench.abi,
    functionName: 'setKeys',
    args: [0n, households.map((h) => words(h.publicKey))],
  })
  await pub.waitForTransactionReceipt({ hash })
  return address
}

/** Intrinsic gas of any transaction, left out so the figure is the verification alone (like `gasPerSigner`). */
const TX_BASE_GAS = 21_000n

/**
 * Sends one verification and returns its gas without the 21,000 transaction base (calldata and execution
 * included). `keys: 'stored'` reads the signers' keys from storage (4 cold slots each), `'calldata'` takes them from
 * calldata and checks each against its stored hash (1 cold slot).
 */
export async function verifyGas(
  wallet: Wallet,
  pub: PublicClient,
  bench: Hex,
  root: Hex,
  attestation: BlsAttestation,
  keys: 'stored' | 'calldata',
): Promise<bigint> {
  const { bitmap, signature } = attestation
  const common = { address: bench, abi: gridletBlsBench.abi } as const
  // Gas estimation runs the call first, so a refused signature throws here with the contract's custom error.
  const hash =
    keys === 'stored'
      ? await wallet.writeContract({ ...common, functionName: 'verifyStored', args: [root, bitmap, signature] })
      : await wallet.writeContract({
          ...common,
          functionName: 'verifyCalldata',
          args: [root, bitmap, attestation.keys, signature],
        })
  const receipt = await pub.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success') throw new Error(`BLS verification reverted: ${receipt.transactionHash}`)
  return receipt.gasUsed - TX_BASE_GAS
}
