// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title GridletBlsBench: measurement only, never deployed by gridlet.
/// @notice Verifies one aggregate BLS12-381 signature of the households set in `bitmap` over a 32-byte root, with the
/// EIP-2537 precompiles, so bench/gas.ts can compare its gas with one ecrecover per attesting household
/// (GridletSettlement). Scheme: min-pk (public keys in G1, signatures and the message point in G2, the Ethereum
/// consensus layout): per signer it reads 4 slots and does one G1ADD (375), where min-sig would read 8 slots and do a
/// G2ADD (600); min-sig saves ~37,000 gas once per batch (MAP_FP_TO_G1 instead of MAP_FP2_TO_G2) but loses ~8,600 per
/// signer, so min-pk is cheaper from 5 signers on.
/// The message is hashed to G2 entirely on chain (RFC 9380 hash_to_curve: expand_message_xmd with SHA-256, reduction
/// mod p with the MODEXP precompile, MAP_FP2_TO_G2 twice, G2ADD), with the proof-of-possession suite's DST (the
/// registry would have to check a proof of possession at registration against rogue keys: not done here).
/// No quorum rule either: an empty bitmap with the point at infinity as signature verifies, so a settlement contract
/// using this would have to require the emitted signer count to reach its quorum (a few gas, left out here).
contract GridletBlsBench {
    /// EIP-2537 precompiles (Prague).
    uint256 private constant G1ADD = 0x0b;
    uint256 private constant G2ADD = 0x0d;
    uint256 private constant PAIRING = 0x0f;
    uint256 private constant MAP_FP2_TO_G2 = 0x11;
    uint256 private constant MODEXP = 0x05;

    bytes private constant DST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
    /// The base field modulus p, 48 bytes big-endian.
    bytes private constant P =
        hex"1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab";

    /// -G1 generator, EIP-2537 encoding (x, y as 64-byte words with 16 leading zero bytes).
    bytes32 private constant NEG_G1_X0 = 0x0000000000000000000000000000000017f1d3a73197d7942695638c4fa9ac0f;
    bytes32 private constant NEG_G1_X1 = 0xc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb;
    bytes32 private constant NEG_G1_Y0 = 0x00000000000000000000000000000000114d1d6855d545a8aa7d76c8cf2e21f2;
    bytes32 private constant NEG_G1_Y1 = 0x67816aef1db507c96655b9d5caac42364e6f38ba0ecb751bad54dcd6b939c2ca;

    /// Household index => G1 public key in EIP-2537 encoding (4 words), as a registry would store it.
    mapping(uint256 => bytes32[4]) private keys;
    /// Household index => keccak256 of the same 128 bytes, for the variant that takes the keys from calldata.
    mapping(uint256 => bytes32) private keyHashes;

    event Verified(bytes32 indexed root, uint256 signers);

    error InvalidSignature();
    error UnknownKey(uint256 index);
    error WrongKeyLength();
    error PrecompileFailed(uint256 precompile);

    /// Stores household keys from index `first` on (bench setup; a registry would check a proof of possession).
    function setKeys(uint256 first, bytes32[4][] calldata pks) external {
        for (uint256 j; j < pks.length; ++j) {
            keys[first + j] = pks[j];
            keyHashes[first + j] = keccak256(abi.encodePacked(pks[j]));
        }
    }

    /// Verifies `signature` (G2, 256 bytes EIP-2537 encoding) as the aggregate of the households in `bitmap` (bit i =
    /// household i) over `root`, their keys read from storage (4 cold slots each).
    function verifyStored(bytes32 root, uint256 bitmap, bytes calldata signature) external {
        uint256 buf = _buffer(signature);
        uint256 signers;
        for (uint256 i; bitmap != 0; ++i) {
            if (bitmap & 1 != 0) {
                bytes32[4] storage k = keys[i];
                (bytes32 k0, bytes32 k1, bytes32 k2, bytes32 k3) = (k[0], k[1], k[2], k[3]);
                if (k0 | k1 == 0) revert UnknownKey(i);
                assembly ("memory-safe") {
                    let pk := add(buf, 512)
                    mstore(pk, k0)
                    mstore(add(pk, 32), k1)
                    mstore(add(pk, 64), k2)
                    mstore(add(pk, 96), k3)
                }
                _addG1(buf);
                ++signers;
            }
            bitmap >>= 1;
        }
        _check(buf, root);
        emit Verified(root, signers);
    }

    /// Same check with the signers' keys (128 bytes each, in bitmap order) in calldata, each checked against its
    /// stored hash (1 cold slot per signer instead of 4).
    function verifyCalldata(bytes32 root, uint256 bitmap, bytes calldata pks, bytes calldata signature) external {
        uint256 buf = _buffer(signature);
        uint256 signers;
        for (uint256 i; bitmap != 0; ++i) {
            if (bitmap & 1 != 0) {
                if (pks.length < (signers + 1) * 128) revert WrongKeyLength();
                bytes32 h = keyHashes[i];
                bytes32 got;
                assembly ("memory-safe") {
                    let pk := add(buf, 512)
                    calldatacopy(pk, add(pks.offset, mul(signers, 128)), 128)
                    got := keccak256(pk, 128)
                }
                if (h == 0 || got != h) revert UnknownKey(i);
                _addG1(buf);
                ++signers;
            }
            bitmap >>= 1;
        }
        if (pks.length != signers * 128) revert WrongKeyLength();
        _check(buf, root);
        emit Verified(root, signers);
    }

    /// The message point: RFC 9380 hash_to_curve(root) onto G2 (EIP-2537 encoding, 256 bytes).
    function hashToG2(bytes32 root) external view returns (bytes memory point) {
        point = new bytes(768); // the point, then the 512 bytes of scratch _hashToG2 uses
        uint256 out;
        assembly ("memory-safe") {
            out := add(point, 32)
        }
        _hashToG2(root, out);
        assembly ("memory-safe") {
            mstore(point, 256)
        }
    }

    /// Pairing buffer, 1,280 bytes: [-G1 (128) | signature (256) | aggregate key (128) | message (256) | scratch (512)].
    /// The aggregate starts at infinity (zeros); each key to add is written at +512.
    function _buffer(bytes calldata signature) private pure returns (uint256 buf) {
        if (signature.length != 256) revert InvalidSignature();
        assembly ("memory-safe") {
            buf := mload(0x40)
            mstore(0x40, add(buf, 1280))
            mstore(buf, NEG_G1_X0)
            mstore(add(buf, 32), NEG_G1_X1)
            mstore(add(buf, 64), NEG_G1_Y0)
            mstore(add(buf, 96), NEG_G1_Y1)
            calldatacopy(add(buf, 128), signature.offset, 256)
            mstore(add(buf, 384), 0)
            mstore(add(buf, 416), 0)
            mstore(add(buf, 448), 0)
            mstore(add(buf, 480), 0)
        }
    }

    /// aggregate (at +384) += key (at +512).
    function _addG1(uint256 buf) private view {
        bool ok;
        assembly ("memory-safe") {
            ok := staticcall(gas(), G1ADD, add(buf, 384), 256, add(buf, 384), 128)
        }
        if (!ok) revert PrecompileFailed(G1ADD);
    }

    /// e(-G1, signature) · e(aggregate, H(root)) == 1, i.e. e(aggregate, H(root)) == e(G1, signature).
    function _check(uint256 buf, bytes32 root) private view {
        _hashToG2(root, buf + 512);
        bool ok;
        uint256 result;
        assembly ("memory-safe") {
            ok := staticcall(gas(), PAIRING, buf, 768, 0, 32)
            result := mload(0)
        }
        if (!ok) revert PrecompileFailed(PAIRING);
        if (result != 1) revert InvalidSignature();
    }

    /// Writes H(root) at `out` and uses the 512 bytes after it as scratch.
    function _hashToG2(bytes32 root, uint256 out) private view {
        bytes32[8] memory uniform = _expandMessageXmd(root);
        // hash_to_field(root, 2) over Fp2: u0 = (e0, e1), u1 = (e2, e3), e_j = OS2IP(uniform[64j..64j+64]) mod p.
        for (uint256 j; j < 4; ++j) _modP(uniform[2 * j], uniform[2 * j + 1], out + 64 * j);
        bool ok;
        assembly ("memory-safe") {
            // MAP_FP2_TO_G2 includes cofactor clearing, so map(u0) + map(u1) is hash_to_curve.
            ok := staticcall(gas(), MAP_FP2_TO_G2, out, 128, add(out, 256), 256)
            ok := and(ok, staticcall(gas(), MAP_FP2_TO_G2, add(out, 128), 128, add(out, 512), 256))
            ok := and(ok, staticcall(gas(), G2ADD, add(out, 256), 512, out, 256))
        }
        if (!ok) revert PrecompileFailed(MAP_FP2_TO_G2);
    }

    /// RFC 9380 expand_message_xmd(root, DST, 256) with SHA-256: 8 blocks of 32 bytes.
    function _expandMessageXmd(bytes32 root) private pure returns (bytes32[8] memory uniform) {
        bytes memory dstPrime = abi.encodePacked(DST, uint8(DST.length));
        bytes32 b0 = sha256(abi.encodePacked(bytes32(0), bytes32(0), root, uint16(256), uint8(0), dstPrime));
        bytes32 b = sha256(abi.encodePacked(b0, uint8(1), dstPrime));
        uniform[0] = b;
        for (uint256 i = 2; i <= 8; ++i) {
            b = sha256(abi.encodePacked(b0 ^ b, uint8(i), dstPrime));
            uniform[i - 1] = b;
        }
    }

    /// Writes (hi ‖ lo) mod p at `out` as a 64-byte EIP-2537 field element (MODEXP with exponent 1).
    function _modP(bytes32 hi, bytes32 lo, uint256 out) private view {
        bytes memory input = abi.encodePacked(uint256(64), uint256(1), uint256(48), hi, lo, uint8(1), P);
        bool ok;
        assembly ("memory-safe") {
            mstore(out, 0)
            ok := staticcall(gas(), MODEXP, add(input, 32), mload(input), add(out, 16), 48)
        }
        if (!ok) revert PrecompileFailed(MODEXP);
    }
}
