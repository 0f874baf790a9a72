// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

/// @title GridletSettlement
/// @notice Pays the trades of one gridlet market: a registry of households, an ERC-20 escrow with internal balances,
///         and `settle`, which pays one market interval at most once, from orders the households signed themselves.
/// @dev Every account ever registered gets a household index (1, 2, ...) and one storage slot
///      `address (bits 96..255) | registered (bit 95) | escrow balance (bits 0..94)`, element `index` of a fixed
///      array (slot = base + index, no hashing), so that `settle` reads and writes each household once for the
///      signer, the membership check and the balance change.
///      Calldata of `settle` is packed (docs/settlement.md, "Batch encoding"):
///      - `orders`: 45 bytes per order: side (uint8) | limitPrice (uint128) | quantityWh (uint64) | nonce (uint64) |
///        expiry (uint64) | household index (uint32), sorted by strictly ascending EIP-712 order id
///        (so an order cannot appear twice). The order's `account` is the household's registered address.
///      - `signatures`: 65 bytes per order, r || s || v, in the order of `orders`.
///      - `trades`: 20 bytes per trade: buyOrder (uint16) | sellOrder (uint16) | quantityWh (uint32) | price (uint96),
///        order indices into `orders`; amount = floor(quantityWh * price / 1000) is computed here.
///      Market id and interval are not in the calldata: they are taken from this contract and the `interval`
///      argument when hashing, so an order signed for another market, interval, chain or contract fails its signature.
contract GridletSettlement is AccessControl, EIP712 {
    using SafeERC20 for IERC20;

    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    bytes32 public constant ORDER_TYPEHASH = keccak256(
        "Order(bytes32 market,uint64 interval,uint8 side,uint64 quantityWh,uint128 limitPrice,address account,uint64 nonce,uint64 expiry)"
    );

    uint256 internal constant ORDER_BYTES = 45;
    uint256 internal constant SIGNATURE_BYTES = 65;
    uint256 internal constant TRADE_BYTES = 20;
    uint256 internal constant REGISTERED = 0x800000000000000000000000; // 1 << 95
    uint256 internal constant BALANCE_MASK = 0x7fffffffffffffffffffffff; // (1 << 95) - 1
    uint256 internal constant MASK64 = 0xffffffffffffffff;
    uint256 internal constant MASK128 = 0xffffffffffffffffffffffffffffffff;
    /// side 1 (sell) above a 128-bit limit price, as `_applyTrades` reads an order's first 17 bytes.
    uint256 internal constant SELL_FLAG = 0x100000000000000000000000000000000; // 1 << 128
    /// `_accounts` value: household index (bits 0..31) | registered (bit 255).
    uint256 internal constant ACCOUNT_REGISTERED = 1 << 255;
    uint256 internal constant INDEX_MASK = 0xffffffff;
    /// Fixed memory of `settle` for hashing and ecrecover (see `_verifyAndPay`): [BUF, BUF_END).
    uint256 internal constant BUF = 0x80;
    uint256 internal constant BUF_END = 0x280;
    uint256 internal constant SIDE_BUY = 0;
    uint256 internal constant SIDE_SELL = 1;
    /// secp256k1 order / 2: a larger s is the malleable twin of a valid signature (rejected, as OZ ECDSA does).
    uint256 internal constant HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    /// @notice The escrowed ERC-20.
    IERC20 public immutable token;
    /// @notice The market id (bytes32) every order of this contract is signed for.
    bytes32 public immutable market;
    /// @notice Seconds between a withdrawal request and the withdrawal, so signed buy orders can still be paid.
    uint64 public immutable withdrawalDelay;

    /// @notice Number of household indices handed out (index 0 is never used).
    uint32 public householdCount;
    /// household index => address | registered | balance (see contract doc).
    uint256[4294967296] private _households;
    /// account => household index (0: never registered; an index stays with its account for good) | registered.
    mapping(address account => uint256) private _accounts;
    /// @notice Meter id of a registered account (0 if not registered).
    mapping(address account => bytes32) public meterOf;
    /// @notice Registered account of a meter id (address(0) if none).
    mapping(bytes32 meterId => address) public accountOfMeter;
    /// Settled intervals as a bitmap: bit (interval % 256) of word (interval / 256). One word per 256 intervals,
    /// so settling costs a warm rewrite of an existing word most of the time. Roots are in the `Settled` event.
    mapping(uint256 word => uint256) private _settled;
    /// account => requested amount (bits 0..127) | ready at, unix seconds (bits 128..191).
    mapping(address account => uint256) private _withdrawals;

    event HouseholdRegistered(address indexed account, bytes32 indexed meterId, uint256 household);
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
    error UnknownAccount(address account);
    error BalanceOverflow(address account);
    error NoWithdrawalRequested(address account);
    error WithdrawalNotReady(address account, uint64 readyAt);

    // Settlement errors: each names the offending order or trade by its index in the batch.
    error AlreadySettled(uint64 interval);
    error UnauthorizedSubmitter(address submitter);
    error MalformedBatch();
    error OrderExpired(uint256 order);
    error UnregisteredAccount(uint256 order, address account);
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
        _register(account, meterId);
        emit HouseholdRegistered(account, meterId, _accounts[account] & INDEX_MASK);
    }

    /// @notice Removes a household from the market. Its escrow balance stays withdrawable by the account.
    function remove(address account) external onlyRole(OPERATOR_ROLE) {
        bytes32 meterId = _unregister(account);
        emit HouseholdRemoved(account, meterId);
    }

    /// @notice Moves a household's registration (its meter) to a new key. The escrow balance is NOT moved: it stays
    ///         with the old account, which alone can withdraw it, so the operator can never take a household's money.
    function rotateKey(address oldAccount, address newAccount) external onlyRole(OPERATOR_ROLE) {
        bytes32 meterId = _unregister(oldAccount);
        _register(newAccount, meterId);
        emit HouseholdKeyRotated(meterId, oldAccount, newAccount);
    }

    function _register(address account, bytes32 meterId) private {
        if (account == address(0)) revert ZeroAddress();
        if (meterId == 0) revert ZeroMeterId();
        if (meterOf[account] != 0) revert AlreadyRegistered(account);
        if (accountOfMeter[meterId] != address(0)) revert MeterInUse(meterId);
        meterOf[account] = meterId;
        accountOfMeter[meterId] = account;
        uint256 index = _accounts[account] & INDEX_MASK;
        if (index == 0) {
            index = ++householdCount; // checked: reverts after 2^32 - 1 households, the width of the index field
            _households[index] = uint256(uint160(account)) << 96;
        }
        _accounts[account] = index | ACCOUNT_REGISTERED;
        _households[index] |= REGISTERED;
    }

    function _unregister(address account) private returns (bytes32 meterId) {
        meterId = meterOf[account];
        if (meterId == 0) revert NotRegistered(account);
        delete meterOf[account];
        delete accountOfMeter[meterId];
        uint256 index = _accounts[account] & INDEX_MASK;
        _accounts[account] = index;
        _households[index] &= ~REGISTERED;
    }

    // ---------------------------------------------------------------- escrow (households)

    /// @notice Deposits `amount` tokens of the caller into the caller's escrow balance (needs an ERC-20 approval).
    function deposit(uint256 amount) external {
        depositFor(msg.sender, amount);
    }

    /// @notice Deposits `amount` tokens of the caller into the escrow balance of `account` (registered now or before).
    function depositFor(address account, uint256 amount) public {
        uint256 index = _accounts[account] & INDEX_MASK;
        if (index == 0) revert UnknownAccount(account);
        uint256 slot = _households[index];
        if ((slot & BALANCE_MASK) + amount > BALANCE_MASK) revert BalanceOverflow(account);
        _households[index] = slot + amount;
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
        uint256 index = _accounts[msg.sender] & INDEX_MASK;
        uint256 slot = _households[index];
        uint256 balance = slot & BALANCE_MASK;
        amount = request & MASK128;
        if (amount > balance) amount = balance;
        if (index != 0) _households[index] = slot - amount;
        token.safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, amount);
    }

    // ---------------------------------------------------------------- settlement

    /// @notice Pays every trade of one interval, or nothing: any bad order or trade reverts the whole call.
    ///         Only a registered household may submit.
    /// @param interval Market interval id (the `interval` field every order is signed with).
    /// @param trades Packed trades, 20 bytes each (see contract doc).
    /// @param orders Packed orders, 45 bytes each, strictly ascending by EIP-712 id, each filled by some trade.
    /// @param signatures 65-byte signatures r || s || v of `orders`, same order.
    /// @param totalAmount Sum of all trade amounts as cleared off chain; must equal the sum computed here.
    /// @return root keccak256(orderIds || trades), the interval's settlement root, emitted in `Settled`.
    function settle(
        uint64 interval,
        bytes calldata trades,
        bytes calldata orders,
        bytes calldata signatures,
        uint256 totalAmount
    ) external returns (bytes32 root) {
        // The hashing buffer sits at a fixed address (BUF), so the per-order loop addresses it with constants: it
        // must be the first memory settle allocates (checked, as a guard against a compiler that reserves memory).
        assembly ("memory-safe") {
            if iszero(eq(mload(0x40), BUF)) { revert(0, 0) }
            mstore(0x40, BUF_END)
        }
        uint256 settledWord = _settled[interval >> 8];
        uint256 bit = 1 << (interval & 0xff);
        if (settledWord & bit != 0) revert AlreadySettled(interval);
        if (_accounts[msg.sender] & ACCOUNT_REGISTERED == 0) revert UnauthorizedSubmitter(msg.sender);
        uint256 n = orders.length / ORDER_BYTES;
        if (
            n == 0 || n > 0xffff || orders.length != n * ORDER_BYTES || signatures.length != n * SIGNATURE_BYTES
                || trades.length == 0 || trades.length % TRADE_BYTES != 0
        ) revert MalformedBatch();

        // One memory word per order: first its tally (filled Wh | amount << 64), then, once the order is verified
        // and paid, its id; the trades are copied right behind the ids, so the root is hashed in place.
        uint256 words;
        assembly ("memory-safe") {
            words := mload(0x40)
            calldatacopy(words, calldatasize(), shl(5, n)) // zeroes
            mstore(0x40, add(add(words, shl(5, n)), and(add(trades.length, 31), not(31))))
        }
        uint256 computed = _applyTrades(trades, orders, n, words);
        if (computed != totalAmount) revert NotBudgetBalanced(totalAmount, computed);
        _verifyAndPay(interval, orders, signatures, n, words);

        assembly ("memory-safe") {
            let idsEnd := add(words, shl(5, n))
            calldatacopy(idsEnd, trades.offset, trades.length)
            root := keccak256(words, add(shl(5, n), trades.length))
        }
        _settled[interval >> 8] = settledWord | bit;
        emit Settled(interval, root, trades.length / TRADE_BYTES, computed, msg.sender);
    }

    /// @dev One pass over the orders: checks expiry, registration, order (strictly ascending ids), fill (every
    ///      order filled, by at most its quantity) and signature, then moves the order's amount on its household
    ///      slot, which it reads once (cold) for the signer, the membership check and the balance. A debit the
    ///      balance does not cover yet is deferred until every credit is in, so an account that sells and buys in
    ///      one interval is checked on its net balance. One assembly loop with one combined failure flag (it runs
    ///      once per order and dominates the gas of `settle`); `_orderFailure` names a failure.
    ///      The signature check calls the ecrecover precompile under the rules of OpenZeppelin's
    ///      `ECDSA.tryRecover`: s in the lower half order, v in {27, 28}, a non-zero signer (here: the account).
    ///      The side of an order (0 or 1) is checked by `_applyTrades` for every trade that fills it.
    function _verifyAndPay(
        uint64 interval,
        bytes calldata orders,
        bytes calldata signatures,
        uint256 n,
        uint256 words
    ) internal {
        bytes32 domain = _domainSeparatorV4();
        bytes32 typehash = ORDER_TYPEHASH;
        bytes32 market_ = market;
        uint256 failedAt = type(uint256).max;
        uint256 overflowAt = type(uint256).max;
        uint256 deferredCount;
        // Deferred debits, `amount << 16 | order` each, behind the root buffer (memory only touched when used).
        uint256 deferred;
        assembly ("memory-safe") {
            deferred := mload(0x40)
            // Struct words at BUF (the first three are the same for every order), digest input at BUF + 0x120,
            // ecrecover input (digest, v, r, s) at BUF + 0x180.
            mstore(BUF, typehash)
            mstore(add(BUF, 0x20), market_)
            mstore(add(BUF, 0x40), interval)
            mstore(add(BUF, 0x120), shl(240, 0x1901))
            mstore(add(BUF, 0x122), domain)
            let prev := 0
            let q := signatures.offset
            let p := orders.offset
            let end := add(words, shl(5, n))
            for { let w := words } lt(w, end) { w := add(w, 0x20) } {
                // a: side (1) | limitPrice (16) | quantityWh (8) | ...; b: ... | nonce (8) | expiry (8) | household (4)
                let a := calldataload(p)
                let b := calldataload(add(p, 13))
                let key := add(_households.slot, and(b, 0xffffffff))
                let slot := sload(key)
                let account := shr(96, slot)
                let side := shr(248, a)
                let quantity := and(shr(160, b), MASK64)
                let expiry := and(shr(32, b), MASK64)
                mstore(add(BUF, 0x60), side)
                mstore(add(BUF, 0x80), quantity)
                mstore(add(BUF, 0xa0), and(shr(120, a), MASK128)) // limitPrice
                mstore(add(BUF, 0xc0), account)
                mstore(add(BUF, 0xe0), and(shr(96, b), MASK64)) // nonce
                mstore(add(BUF, 0x100), expiry)
                // EIP-712 digest: keccak256("\x19\x01" || domainSeparator || structHash).
                mstore(add(BUF, 0x142), keccak256(BUF, 0x120))
                let id := keccak256(add(BUF, 0x120), 0x42)
                mstore(add(BUF, 0x180), id)
                mstore(add(BUF, 0x1a0), shr(248, calldataload(add(q, 0x40)))) // v
                calldatacopy(add(BUF, 0x1c0), q, 0x40) // r, s
                // The precompile returns nothing for an invalid signature (e.g. v not 27 or 28): signer stays 0.
                mstore(0, 0)
                pop(staticcall(gas(), 0x01, add(BUF, 0x180), 0x80, 0, 0x20))
                let tally := mload(w)
                let filled := and(tally, MASK64)
                let bad := or(lt(expiry, timestamp()), iszero(and(slot, REGISTERED)))
                bad := or(bad, or(iszero(gt(id, prev)), gt(filled, quantity)))
                bad := or(bad, or(iszero(filled), gt(mload(add(BUF, 0x1e0)), HALF_ORDER)))
                if or(bad, xor(mload(0), account)) {
                    failedAt := shr(5, sub(w, words))
                    break
                }
                mstore(w, id)
                prev := id
                let amount := shr(64, tally)
                switch side
                case 0 {
                    // buy: debit now if covered, else after all credits
                    switch lt(and(slot, BALANCE_MASK), amount)
                    case 0 { sstore(key, sub(slot, amount)) }
                    default {
                        mstore(add(deferred, shl(5, deferredCount)), or(shl(16, amount), shr(5, sub(w, words))))
                        deferredCount := add(deferredCount, 1)
                    }
                }
                default {
                    // sell: credit (the slot value is current: read in this iteration, written by no one since)
                    if gt(add(and(slot, BALANCE_MASK), amount), BALANCE_MASK) {
                        overflowAt := shr(5, sub(w, words))
                        break
                    }
                    sstore(key, add(slot, amount))
                }
                p := add(p, ORDER_BYTES)
                q := add(q, SIGNATURE_BYTES)
            }
            mstore(0x40, add(deferred, shl(5, deferredCount)))
        }
        if (failedAt != type(uint256).max) _orderFailure(orders, words, failedAt);
        if (overflowAt != type(uint256).max) {
            (, uint256 b) = _orderWords(orders, overflowAt);
            revert BalanceOverflow(address(uint160(_households[b & 0xffffffff] >> 96)));
        }
        for (uint256 k; k < deferredCount; ++k) {
            uint256 entry;
            assembly ("memory-safe") {
                entry := mload(add(deferred, shl(5, k)))
            }
            _payDeferred(orders, entry & 0xffff, entry >> 16);
        }
    }

    /// @dev Debits a buy order whose balance did not cover it before all credits were in.
    function _payDeferred(bytes calldata orders, uint256 i, uint256 amount) private {
        (, uint256 b) = _orderWords(orders, i);
        uint256 index = b & 0xffffffff;
        uint256 slot = _households[index];
        if (slot & BALANCE_MASK < amount) {
            revert InsufficientBalance(i, address(uint160(slot >> 96)), slot & BALANCE_MASK, amount);
        }
        _households[index] = slot - amount;
    }

    /// @dev Slow path: names why order `i` failed the combined check of `_verifyAndPay`. Memory still holds the
    ///      ids of the orders before `i`, the tally of `i` and, in the ecrecover input, the id of `i`.
    function _orderFailure(bytes calldata orders, uint256 words, uint256 i) private view {
        (, uint256 b) = _orderWords(orders, i);
        uint256 id;
        uint256 prev;
        uint256 tally;
        assembly ("memory-safe") {
            id := mload(add(BUF, 0x180))
            tally := mload(add(words, shl(5, i)))
            if i { prev := mload(add(words, shl(5, sub(i, 1)))) }
        }
        if ((b >> 32) & MASK64 < block.timestamp) revert OrderExpired(i);
        uint256 slot = _households[b & 0xffffffff];
        if (slot & REGISTERED == 0) revert UnregisteredAccount(i, address(uint160(slot >> 96)));
        if (i > 0 && id == prev) revert DuplicateOrder(i);
        if (i > 0 && id < prev) revert OrdersNotSorted(i);
        if (tally & MASK64 == 0) revert UnfilledOrder(i);
        if (tally & MASK64 > (b >> 160) & MASK64) revert Overfilled(i);
        revert InvalidSignature(i);
    }

    /// @dev Checks each trade against its two orders (index, side, limit price) and adds its quantity and amount
    ///      to both orders' tallies (`filled | amount << 64`: at most 2^16 trades of < 2^32 Wh, so the filled sum
    ///      never reaches bit 64); returns the total amount. Assembly with one combined failure flag: this loop
    ///      runs once per trade; `_tradeFailure` names a failure.
    function _applyTrades(bytes calldata trades, bytes calldata orders, uint256 n, uint256 words)
        internal
        pure
        returns (uint256 total)
    {
        uint256 failedAt = type(uint256).max;
        assembly ("memory-safe") {
            let last := sub(n, 1)
            let end := add(trades.offset, trades.length)
            for { let p := trades.offset } lt(p, end) { p := add(p, TRADE_BYTES) } {
                let w := calldataload(p)
                let b := shr(240, w)
                let s := and(shr(224, w), 0xffff)
                let q := and(shr(192, w), 0xffffffff)
                let price := and(shr(96, w), 0xffffffffffffffffffffffff)
                // side << 128 | limitPrice of each order. Out-of-range indices read zeros or other calldata here;
                // the flag stops before any memory write.
                let bl := shr(120, calldataload(add(orders.offset, mul(b, ORDER_BYTES))))
                let sl := shr(120, calldataload(add(orders.offset, mul(s, ORDER_BYTES))))
                let bad := or(or(gt(b, last), gt(s, last)), iszero(q))
                // buy order: side 0 and price <= limit
                bad := or(bad, or(shr(128, bl), gt(price, bl)))
                // sell order: side 1 and limit <= price, in one compare (another side wraps or exceeds)
                bad := or(bad, gt(sub(sl, SELL_FLAG), price))
                if bad {
                    failedAt := div(sub(p, trades.offset), TRADE_BYTES)
                    break
                }
                // q < 2^32, price < 2^96, fewer than 2^16 trades: no sum here can overflow its field.
                let amount := div(mul(q, price), 1000)
                let d := or(shl(64, amount), q)
                let tb := add(words, shl(5, b))
                mstore(tb, add(mload(tb), d))
                let ts := add(words, shl(5, s))
                mstore(ts, add(mload(ts), d))
                total := add(total, amount)
            }
        }
        if (failedAt != type(uint256).max) _tradeFailure(trades, orders, n, failedAt);
    }

    /// @dev Slow path: names why trade `t` failed the combined check of `_applyTrades`.
    function _tradeFailure(bytes calldata trades, bytes calldata orders, uint256 n, uint256 t) private pure {
        uint256 w;
        assembly ("memory-safe") {
            w := calldataload(add(trades.offset, mul(t, TRADE_BYTES)))
        }
        uint256 b = w >> 240;
        uint256 s = (w >> 224) & 0xffff;
        uint256 price = (w >> 96) & type(uint96).max;
        if (b >= n || s >= n) revert OrderIndexOutOfRange(t);
        if ((w >> 192) & type(uint32).max == 0) revert ZeroQuantity(t);
        (uint256 ba,) = _orderWords(orders, b);
        if (ba >> 248 != SIDE_BUY) revert NotABuyOrder(t);
        if (price > (ba >> 120) & MASK128) revert PriceAboveBuyerLimit(t);
        (uint256 sa,) = _orderWords(orders, s);
        if (sa >> 248 != SIDE_SELL) revert NotASellOrder(t);
        revert PriceBelowSellerLimit(t);
    }

    /// @dev The two words of order record `i`: a = side | limitPrice | quantityWh | ..., b (13 bytes on) =
    ///      ... | nonce | expiry | household.
    function _orderWords(bytes calldata orders, uint256 i) private pure returns (uint256 a, uint256 b) {
        assembly ("memory-safe") {
            let p := add(orders.offset, mul(i, ORDER_BYTES))
            a := calldataload(p)
            b := calldataload(add(p, 13))
        }
    }

    // ---------------------------------------------------------------- views

    function isRegistered(address account) external view returns (bool) {
        return _accounts[account] & ACCOUNT_REGISTERED != 0;
    }

    /// @notice Household index of an account (0: never registered). An index stays with its account for good.
    function indexOf(address account) external view returns (uint256) {
        return _accounts[account] & INDEX_MASK;
    }

    /// @notice Escrow balance of `account`, in token units.
    function balanceOf(address account) external view returns (uint256) {
        uint256 index = _accounts[account] & INDEX_MASK;
        return index == 0 ? 0 : _households[index] & BALANCE_MASK;
    }

    /// @notice Account of a household index (address(0) if unused).
    function accountOf(uint256 household) external view returns (address) {
        return household > INDEX_MASK ? address(0) : address(uint160(_households[household] >> 96));
    }

    /// @notice Pending withdrawal request of `account` (amount 0 if none).
    function withdrawalOf(address account) external view returns (uint256 amount, uint64 readyAt) {
        uint256 request = _withdrawals[account];
        return (request & BALANCE_MASK, uint64(request >> 128));
    }

    function isSettled(uint64 interval) external view returns (bool) {
        return _settled[interval >> 8] & (1 << (interval & 0xff)) != 0;
    }

    /// @notice The EIP-712 domain separator orders are signed under.
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }
}
