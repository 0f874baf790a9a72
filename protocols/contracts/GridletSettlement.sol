// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

/// @title GridletSettlement
/// @notice Pays the trades of one gridlet market: a registry of households, an ERC-20 escrow with internal balances,
///         and `settle`, which pays one market interval at most once, from orders the households signed themselves.
/// @dev Calldata of `settle` is packed (see docs/settlement.md, "Batch encoding"):
///      - `orders`: 64 bytes per order, two words:
///          word0 = quantityWh (uint64) | limitPrice (uint128) | nonce (uint64)
///          word1 = account (address) | expiry (uint64) | 3 zero bytes | side (uint8)
///        sorted by strictly ascending EIP-712 order id (so an order cannot appear twice).
///      - `signatures`: 65 bytes per order, r || s || v, in the order of `orders`.
///      - `trades`: 28 bytes per trade: buyOrder (uint16) | sellOrder (uint16) | quantityWh (uint64) | price (uint128),
///        order indices point into `orders`; amount = floor(quantityWh * price / 1000) is computed here.
///      Market id and interval are not in the calldata: they are taken from this contract and the `interval`
///      argument when hashing, so an order signed for another market, interval, chain or contract fails its signature.
///      Storage touched per batch: one word for the interval's root and one word per distinct account.
contract GridletSettlement is AccessControl, EIP712 {
    using SafeERC20 for IERC20;

    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    bytes32 public constant ORDER_TYPEHASH = keccak256(
        "Order(bytes32 market,uint64 interval,uint8 side,uint64 quantityWh,uint128 limitPrice,address account,uint64 nonce,uint64 expiry)"
    );

    uint256 internal constant ORDER_BYTES = 64;
    uint256 internal constant SIGNATURE_BYTES = 65;
    uint256 internal constant TRADE_BYTES = 28;
    uint256 internal constant REGISTERED = 1 << 255;
    uint256 internal constant BALANCE_MASK = type(uint128).max;
    uint256 internal constant MASK64 = type(uint64).max;
    uint256 internal constant SIDE_BUY = 0;
    uint256 internal constant SIDE_SELL = 1;

    /// @notice The escrowed ERC-20.
    IERC20 public immutable token;
    /// @notice The market id (bytes32) every order of this contract is signed for.
    bytes32 public immutable market;
    /// @notice Seconds between a withdrawal request and the withdrawal, so signed buy orders can still be paid.
    uint64 public immutable withdrawalDelay;

    /// account => registered flag (bit 255) | escrow balance (bits 0..127). One slot, so that the settle path reads
    /// and writes each account once for both the membership check and the balance change.
    mapping(address account => uint256) private _accounts;
    /// @notice Meter id of a registered account (0 if not registered).
    mapping(address account => bytes32) public meterOf;
    /// @notice Registered account of a meter id (address(0) if none).
    mapping(bytes32 meterId => address) public accountOfMeter;
    /// @notice Root of a settled interval: keccak256(orderIds || trades); 0 while not settled.
    mapping(uint64 interval => bytes32) public settledRoot;
    /// account => requested amount (bits 0..127) | ready at, unix seconds (bits 128..191).
    mapping(address account => uint256) private _withdrawals;

    event HouseholdRegistered(address indexed account, bytes32 indexed meterId);
    event HouseholdRemoved(address indexed account, bytes32 indexed meterId);
    event HouseholdKeyRotated(bytes32 indexed meterId, address indexed oldAccount, address indexed newAccount);
    event Deposited(address indexed account, address indexed from, uint256 amount);
    event WithdrawalRequested(address indexed account, uint256 amount, uint64 readyAt);
    event Withdrawn(address indexed account, uint256 amount);
    event Settled(uint64 indexed interval, bytes32 root, uint256 trades, uint256 totalAmount, address submitter);

    // Registry and escrow errors.
    error ZeroAddress();
    error ZeroMeterId();
    error AlreadyRegistered(address account);
    error MeterInUse(bytes32 meterId);
    error NotRegistered(address account);
    error BalanceOverflow(address account);
    error NoWithdrawalRequested(address account);
    error WithdrawalNotReady(address account, uint64 readyAt);

    // Settlement errors: each names the offending order or trade by its index in the batch.
    error AlreadySettled(uint64 interval, bytes32 root);
    error UnauthorizedSubmitter(address submitter);
    error MalformedBatch();
    error InvalidSide(uint256 order);
    error OrderExpired(uint256 order);
    error DuplicateOrder(uint256 order);
    error OrdersNotSorted(uint256 order);
    error InvalidSignature(uint256 order);
    error OrderIndexOutOfRange(uint256 trade);
    error ZeroQuantity(uint256 trade);
    error NotABuyOrder(uint256 trade);
    error NotASellOrder(uint256 trade);
    error PriceAboveBuyerLimit(uint256 trade);
    error PriceBelowSellerLimit(uint256 trade);
    error Overfilled(uint256 order);
    error UnfilledOrder(uint256 order);
    error NotBudgetBalanced(uint256 declared, uint256 computed);
    error UnregisteredAccount(uint256 order, address account);
    error InsufficientBalance(uint256 order, address account, uint256 balance, uint256 needed);

    constructor(IERC20 token_, bytes32 market_, uint64 withdrawalDelay_, address admin, address operator)
        EIP712("gridlet", "1")
    {
        if (address(token_) == address(0) || admin == address(0) || operator == address(0)) revert ZeroAddress();
        token = token_;
        market = market_;
        withdrawalDelay = withdrawalDelay_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(OPERATOR_ROLE, operator);
    }

    // ---------------------------------------------------------------- registry (operator)

    /// @notice Registers a household: `account` signs its orders, `meterId` names its meter.
    function register(address account, bytes32 meterId) external onlyRole(OPERATOR_ROLE) {
        if (account == address(0)) revert ZeroAddress();
        if (meterId == 0) revert ZeroMeterId();
        if (meterOf[account] != 0) revert AlreadyRegistered(account);
        if (accountOfMeter[meterId] != address(0)) revert MeterInUse(meterId);
        meterOf[account] = meterId;
        accountOfMeter[meterId] = account;
        _accounts[account] |= REGISTERED;
        emit HouseholdRegistered(account, meterId);
    }

    /// @notice Removes a household from the market. Its escrow balance stays withdrawable by the account.
    function remove(address account) external onlyRole(OPERATOR_ROLE) {
        bytes32 meterId = meterOf[account];
        if (meterId == 0) revert NotRegistered(account);
        delete meterOf[account];
        delete accountOfMeter[meterId];
        _accounts[account] &= ~REGISTERED;
        emit HouseholdRemoved(account, meterId);
    }

    /// @notice Moves a household's registration (its meter) to a new key. The escrow balance is NOT moved: it stays
    ///         with the old account, which alone can withdraw it, so the operator can never take a household's money.
    function rotateKey(address oldAccount, address newAccount) external onlyRole(OPERATOR_ROLE) {
        bytes32 meterId = meterOf[oldAccount];
        if (meterId == 0) revert NotRegistered(oldAccount);
        if (newAccount == address(0)) revert ZeroAddress();
        if (meterOf[newAccount] != 0) revert AlreadyRegistered(newAccount);
        delete meterOf[oldAccount];
        _accounts[oldAccount] &= ~REGISTERED;
        meterOf[newAccount] = meterId;
        accountOfMeter[meterId] = newAccount;
        _accounts[newAccount] |= REGISTERED;
        emit HouseholdKeyRotated(meterId, oldAccount, newAccount);
    }

    // ---------------------------------------------------------------- escrow (households)

    /// @notice Deposits `amount` tokens of the caller into the caller's escrow balance (needs an ERC-20 approval).
    function deposit(uint256 amount) external {
        depositFor(msg.sender, amount);
    }

    /// @notice Deposits `amount` tokens of the caller into `account`'s escrow balance.
    function depositFor(address account, uint256 amount) public {
        if (account == address(0)) revert ZeroAddress();
        uint256 slot = _accounts[account];
        uint256 balance = (slot & BALANCE_MASK) + amount;
        if (balance > BALANCE_MASK) revert BalanceOverflow(account);
        _accounts[account] = (slot & ~BALANCE_MASK) | balance;
        token.safeTransferFrom(msg.sender, address(this), amount);
        emit Deposited(account, msg.sender, amount);
    }

    /// @notice Announces a withdrawal of up to `amount`; it can be executed `withdrawalDelay` seconds later. Until
    ///         then the balance keeps paying for the caller's signed buy orders. A new request replaces the old one.
    function requestWithdrawal(uint128 amount) external {
        uint64 readyAt = uint64(block.timestamp) + withdrawalDelay;
        _withdrawals[msg.sender] = uint256(amount) | (uint256(readyAt) << 128);
        emit WithdrawalRequested(msg.sender, amount, readyAt);
    }

    /// @notice Executes the caller's ready withdrawal request, paying out at most the current balance.
    function withdraw() external returns (uint256 amount) {
        uint256 request = _withdrawals[msg.sender];
        if (request == 0) revert NoWithdrawalRequested(msg.sender);
        uint64 readyAt = uint64(request >> 128);
        if (block.timestamp < readyAt) revert WithdrawalNotReady(msg.sender, readyAt);
        delete _withdrawals[msg.sender];
        uint256 slot = _accounts[msg.sender];
        uint256 balance = slot & BALANCE_MASK;
        amount = request & BALANCE_MASK;
        if (amount > balance) amount = balance;
        _accounts[msg.sender] = slot - amount;
        token.safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, amount);
    }

    // ---------------------------------------------------------------- settlement

    /// @notice Pays every trade of one interval, or nothing: any bad order or trade reverts the whole call.
    /// @param interval Market interval id (the `interval` field every order is signed with).
    /// @param trades Packed trades, 28 bytes each (see contract doc).
    /// @param orders Packed orders, 64 bytes each, strictly ascending by EIP-712 id, each filled by some trade.
    /// @param signatures 65-byte signatures r || s || v of `orders`, same order.
    /// @param totalAmount Sum of all trade amounts as cleared off chain; must equal the sum computed here.
    /// @return root keccak256(orderIds || trades), stored as the interval's settlement root.
    function settle(
        uint64 interval,
        bytes calldata trades,
        bytes calldata orders,
        bytes calldata signatures,
        uint256 totalAmount
    ) external returns (bytes32 root) {
        bytes32 previous = settledRoot[interval];
        if (previous != 0) revert AlreadySettled(interval, previous);
        if (_accounts[msg.sender] & REGISTERED == 0) revert UnauthorizedSubmitter(msg.sender);
        uint256 n = orders.length / ORDER_BYTES;
        if (
            n == 0 || n > 0xffff || orders.length != n * ORDER_BYTES || signatures.length != n * SIGNATURE_BYTES
                || trades.length == 0 || trades.length % TRADE_BYTES != 0
        ) revert MalformedBatch();

        bytes32[] memory ids = _verifyOrders(interval, orders, signatures, n);
        // Per order, two words of memory: filled quantity (Wh) and amount paid or received.
        uint256[] memory tally = new uint256[](2 * n);
        uint256 computed = _applyTrades(trades, orders, n, tally);
        if (computed != totalAmount) revert NotBudgetBalanced(totalAmount, computed);
        _moveBalances(orders, n, tally);

        root = keccak256(abi.encodePacked(ids, trades));
        settledRoot[interval] = root;
        emit Settled(interval, root, trades.length / TRADE_BYTES, computed, msg.sender);
    }

    /// @dev Checks side, expiry, order (strictly ascending ids) and signature of each order; returns the ids.
    ///      The hot path is assembly with one combined failure flag; `_orderFailure` names the failure.
    function _verifyOrders(uint64 interval, bytes calldata orders, bytes calldata signatures, uint256 n)
        internal
        view
        returns (bytes32[] memory ids)
    {
        ids = new bytes32[](n);
        bytes32 domain = _domainSeparatorV4();
        bytes32 typehash = ORDER_TYPEHASH;
        bytes32 market_ = market;
        bytes32 prev;
        for (uint256 i; i < n; ++i) {
            bytes32 id;
            address account;
            uint8 v;
            bytes32 r;
            bytes32 s;
            bool bad;
            assembly ("memory-safe") {
                let p := add(orders.offset, shl(6, i))
                let w0 := calldataload(p)
                let w1 := calldataload(add(p, 0x20))
                let side := and(w1, 0xff)
                let expiry := and(shr(32, w1), 0xffffffffffffffff)
                account := shr(96, w1)
                // Scratch space above the free memory pointer, not allocated: reused by every iteration.
                let m := mload(0x40)
                mstore(m, typehash)
                mstore(add(m, 0x20), market_)
                mstore(add(m, 0x40), interval)
                mstore(add(m, 0x60), side)
                mstore(add(m, 0x80), shr(192, w0)) // quantityWh
                mstore(add(m, 0xa0), and(shr(64, w0), 0xffffffffffffffffffffffffffffffff)) // limitPrice
                mstore(add(m, 0xc0), account)
                mstore(add(m, 0xe0), and(w0, 0xffffffffffffffff)) // nonce
                mstore(add(m, 0x100), expiry)
                let structHash := keccak256(m, 0x120)
                // EIP-712 digest: keccak256("\x19\x01" || domainSeparator || structHash).
                mstore(m, shl(240, 0x1901))
                mstore(add(m, 0x02), domain)
                mstore(add(m, 0x22), structHash)
                id := keccak256(m, 0x42)
                bad := or(or(gt(side, SIDE_SELL), lt(expiry, timestamp())), iszero(gt(id, prev)))
                prev := id
                mstore(add(add(ids, 0x20), shl(5, i)), id)
                let q := add(signatures.offset, mul(i, SIGNATURE_BYTES))
                r := calldataload(q)
                s := calldataload(add(q, 0x20))
                v := byte(0, calldataload(add(q, 0x40)))
            }
            if (bad) _orderFailure(orders, ids, i);
            (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(id, v, r, s);
            if (err != ECDSA.RecoverError.NoError || signer != account) revert InvalidSignature(i);
        }
    }

    /// @dev Slow path: names why order `i` failed the combined check of `_verifyOrders`.
    function _orderFailure(bytes calldata orders, bytes32[] memory ids, uint256 i) private view {
        (, uint256 w1) = _orderWords(orders, i);
        if (w1 & 0xff > SIDE_SELL) revert InvalidSide(i);
        if ((w1 >> 32) & MASK64 < block.timestamp) revert OrderExpired(i);
        if (ids[i] == ids[i - 1]) revert DuplicateOrder(i);
        revert OrdersNotSorted(i);
    }

    /// @dev Checks each trade against its two orders (index, side, limit price) and adds its quantity and amount
    ///      to both orders' tallies; returns the total amount. Assembly with one combined failure flag: this loop
    ///      runs once per trade; `_tradeFailure` names the failure.
    function _applyTrades(bytes calldata trades, bytes calldata orders, uint256 n, uint256[] memory tally)
        internal
        pure
        returns (uint256 total)
    {
        uint256 failedAt = type(uint256).max;
        assembly ("memory-safe") {
            let base := add(tally, 0x20)
            let mask128 := 0xffffffffffffffffffffffffffffffff
            let end := add(trades.offset, trades.length)
            for { let p := trades.offset } lt(p, end) { p := add(p, TRADE_BYTES) } {
                let w := shr(32, calldataload(p))
                let b := shr(208, w)
                let s := and(shr(192, w), 0xffff)
                let q := and(shr(128, w), 0xffffffffffffffff)
                let price := and(w, mask128)
                // Out-of-range indices read zeros or other calldata here; the flag stops before any memory write.
                let bp := add(orders.offset, shl(6, b))
                let sp := add(orders.offset, shl(6, s))
                let bad := or(or(iszero(lt(b, n)), iszero(lt(s, n))), iszero(q))
                bad := or(bad, and(calldataload(add(bp, 0x20)), 0xff)) // buy order's side must be 0
                bad := or(bad, gt(price, and(shr(64, calldataload(bp)), mask128)))
                bad := or(bad, iszero(eq(and(calldataload(add(sp, 0x20)), 0xff), SIDE_SELL)))
                bad := or(bad, lt(price, and(shr(64, calldataload(sp)), mask128)))
                if bad {
                    failedAt := div(sub(p, trades.offset), TRADE_BYTES)
                    break
                }
                // q < 2^64, price < 2^128, fewer than 2^16 trades: no sum here can overflow 256 bits.
                let amount := div(mul(q, price), 1000)
                let tb := add(base, shl(6, b))
                mstore(tb, add(mload(tb), q))
                mstore(add(tb, 0x20), add(mload(add(tb, 0x20)), amount))
                let ts := add(base, shl(6, s))
                mstore(ts, add(mload(ts), q))
                mstore(add(ts, 0x20), add(mload(add(ts, 0x20)), amount))
                total := add(total, amount)
            }
        }
        if (failedAt != type(uint256).max) _tradeFailure(trades, orders, n, failedAt);
    }

    /// @dev Slow path: names why trade `t` failed the combined check of `_applyTrades`.
    function _tradeFailure(bytes calldata trades, bytes calldata orders, uint256 n, uint256 t) private pure {
        uint256 w;
        assembly ("memory-safe") {
            w := shr(32, calldataload(add(trades.offset, mul(t, TRADE_BYTES))))
        }
        uint256 b = w >> 208;
        uint256 s = (w >> 192) & 0xffff;
        uint256 price = w & BALANCE_MASK;
        if (b >= n || s >= n) revert OrderIndexOutOfRange(t);
        if ((w >> 128) & MASK64 == 0) revert ZeroQuantity(t);
        (uint256 bw0, uint256 bw1) = _orderWords(orders, b);
        if (bw1 & 0xff != SIDE_BUY) revert NotABuyOrder(t);
        if (price > (bw0 >> 64) & BALANCE_MASK) revert PriceAboveBuyerLimit(t);
        (uint256 sw0, uint256 sw1) = _orderWords(orders, s);
        if (sw1 & 0xff != SIDE_SELL) revert NotASellOrder(t);
        revert PriceBelowSellerLimit(t);
    }

    /// @dev Checks every order is filled, by no more than its quantity; then credits sellers (pass 0), then debits
    ///      buyers (pass 1), so an account that sells and buys in one interval is checked on its net balance. Each
    ///      account's slot (registered flag + balance) is read cold once and written once; later touches are warm.
    function _moveBalances(bytes calldata orders, uint256 n, uint256[] memory tally) internal {
        uint256 failedAt = type(uint256).max;
        assembly ("memory-safe") {
            let base := add(tally, 0x20)
            let mask128 := 0xffffffffffffffffffffffffffffffff
            mstore(0x20, _accounts.slot)
            for { let pass := 0 } lt(pass, 2) { pass := add(pass, 1) } {
                for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                    let p := add(orders.offset, shl(6, i))
                    let w1 := calldataload(add(p, 0x20))
                    let t := add(base, shl(6, i))
                    let bad := 0
                    if iszero(pass) {
                        let f := mload(t)
                        bad := or(iszero(f), gt(f, shr(192, calldataload(p))))
                    }
                    if eq(and(w1, 0xff), sub(SIDE_SELL, pass)) {
                        mstore(0, shr(96, w1))
                        let key := keccak256(0, 0x40)
                        let v := sload(key)
                        let amount := mload(add(t, 0x20))
                        bad := or(bad, iszero(shr(255, v)))
                        switch pass
                        case 0 {
                            bad := or(bad, gt(add(and(v, mask128), amount), mask128))
                            v := add(v, amount)
                        }
                        default {
                            bad := or(bad, lt(and(v, mask128), amount))
                            v := sub(v, amount)
                        }
                        if iszero(bad) { sstore(key, v) }
                    }
                    if bad {
                        failedAt := i
                        break
                    }
                }
                if lt(failedAt, n) { break }
            }
        }
        if (failedAt != type(uint256).max) _balanceFailure(orders, tally, failedAt);
    }

    /// @dev Slow path: names why order `i` failed in `_moveBalances` (storage holds the credits applied so far).
    function _balanceFailure(bytes calldata orders, uint256[] memory tally, uint256 i) private view {
        (uint256 w0, uint256 w1) = _orderWords(orders, i);
        uint256 f = tally[2 * i];
        if (f == 0) revert UnfilledOrder(i);
        if (f > w0 >> 192) revert Overfilled(i);
        address account = address(uint160(w1 >> 96));
        uint256 slot = _accounts[account];
        if (slot & REGISTERED == 0) revert UnregisteredAccount(i, account);
        if (w1 & 0xff == SIDE_SELL) revert BalanceOverflow(account);
        revert InsufficientBalance(i, account, slot & BALANCE_MASK, tally[2 * i + 1]);
    }

    function _orderWords(bytes calldata orders, uint256 i) private pure returns (uint256 w0, uint256 w1) {
        assembly ("memory-safe") {
            let p := add(orders.offset, mul(i, ORDER_BYTES))
            w0 := calldataload(p)
            w1 := calldataload(add(p, 0x20))
        }
    }

    function _signature(bytes calldata signatures, uint256 i) private pure returns (uint8 v, bytes32 r, bytes32 s) {
        assembly ("memory-safe") {
            let p := add(signatures.offset, mul(i, SIGNATURE_BYTES))
            r := calldataload(p)
            s := calldataload(add(p, 0x20))
            v := byte(0, calldataload(add(p, 0x40)))
        }
    }

    // ---------------------------------------------------------------- views

    function isRegistered(address account) external view returns (bool) {
        return _accounts[account] & REGISTERED != 0;
    }

    /// @notice Escrow balance of `account`, in token units.
    function balanceOf(address account) external view returns (uint256) {
        return _accounts[account] & BALANCE_MASK;
    }

    /// @notice Pending withdrawal request of `account` (amount 0 if none).
    function withdrawalOf(address account) external view returns (uint256 amount, uint64 readyAt) {
        uint256 request = _withdrawals[account];
        return (request & BALANCE_MASK, uint64(request >> 128));
    }

    function isSettled(uint64 interval) external view returns (bool) {
        return settledRoot[interval] != 0;
    }

    /// @notice The EIP-712 domain separator orders are signed under.
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }
}
