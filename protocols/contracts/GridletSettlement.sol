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
///      `address (bits 96..255) | registered (bit 95) | escrow balance (bits 0..94)`, so that `settle` reads and
///      writes each household once for the signer, the membership check and the balance change.
///      Calldata of `settle` is packed (docs/settlement.md, "Batch encoding"):
///      - `orders`: 45 bytes per order: quantityWh (uint64) | limitPrice (uint128) | nonce (uint64) |
///        expiry (uint64) | household index (uint32) | side (uint8), sorted by strictly ascending EIP-712 order id
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
    mapping(uint256 household => uint256) private _households;
    /// @notice Household index of an account (0: never registered). An index stays with its account for good.
    mapping(address account => uint256) public indexOf;
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
    error InvalidSide(uint256 order);
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
        emit HouseholdRegistered(account, meterId, indexOf[account]);
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
        uint256 index = indexOf[account];
        if (index == 0) {
            index = ++householdCount; // checked: reverts after 2^32 - 1 households, the width of the index field
            indexOf[account] = index;
            _households[index] = uint256(uint160(account)) << 96;
        }
        _households[index] |= REGISTERED;
    }

    function _unregister(address account) private returns (bytes32 meterId) {
        meterId = meterOf[account];
        if (meterId == 0) revert NotRegistered(account);
        delete meterOf[account];
        delete accountOfMeter[meterId];
        _households[indexOf[account]] &= ~REGISTERED;
    }

    // ---------------------------------------------------------------- escrow (households)

    /// @notice Deposits `amount` tokens of the caller into the caller's escrow balance (needs an ERC-20 approval).
    function deposit(uint256 amount) external {
        depositFor(msg.sender, amount);
    }

    /// @notice Deposits `amount` tokens of the caller into the escrow balance of `account` (registered now or before).
    function depositFor(address account, uint256 amount) public {
        uint256 index = indexOf[account];
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
        uint256 index = indexOf[msg.sender];
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
        uint256 settledWord = _settled[interval >> 8];
        uint256 bit = 1 << (interval & 0xff);
        if (settledWord & bit != 0) revert AlreadySettled(interval);
        if (_households[indexOf[msg.sender]] & REGISTERED == 0) revert UnauthorizedSubmitter(msg.sender);
        uint256 n = orders.length / ORDER_BYTES;
        if (
            n == 0 || n > 0xffff || orders.length != n * ORDER_BYTES || signatures.length != n * SIGNATURE_BYTES
                || trades.length == 0 || trades.length % TRADE_BYTES != 0
        ) revert MalformedBatch();

        // Per order, two words of memory: filled quantity (Wh) and amount paid or received; then the trades are
        // checked against the order fields in calldata, and one pass over the orders verifies and pays them.
        uint256[] memory tally = new uint256[](2 * n);
        uint256 computed = _applyTrades(trades, orders, n, tally);
        if (computed != totalAmount) revert NotBudgetBalanced(totalAmount, computed);
        bytes32[] memory ids = _verifyAndPay(interval, orders, signatures, n, tally);

        root = keccak256(abi.encodePacked(ids, trades));
        _settled[interval >> 8] = settledWord | bit;
        emit Settled(interval, root, trades.length / TRADE_BYTES, computed, msg.sender);
    }

    /// @dev One pass over the orders: checks side, expiry, registration, order (strictly ascending ids), fill
    ///      (every order filled, by at most its quantity) and signature, then moves the order's amount on its
    ///      household slot, which it reads once (cold) for the signer, the membership check and the balance. A debit
    ///      the balance does not cover yet is deferred until every credit is in, so an account that sells and buys
    ///      in one interval is checked on its net balance. One assembly loop with one combined failure flag (it runs
    ///      once per order and dominates the gas of `settle`); `_orderFailure` names a failure.
    ///      The signature check calls the ecrecover precompile under the rules of OpenZeppelin's
    ///      `ECDSA.tryRecover`: s in the lower half order, v in {27, 28}, a non-zero signer (here: the account).
    function _verifyAndPay(
        uint64 interval,
        bytes calldata orders,
        bytes calldata signatures,
        uint256 n,
        uint256[] memory tally
    ) internal returns (bytes32[] memory ids) {
        ids = new bytes32[](n);
        bytes32 domain = _domainSeparatorV4();
        bytes32 typehash = ORDER_TYPEHASH;
        bytes32 market_ = market;
        uint256 failedAt = type(uint256).max;
        uint256 overflowAt = type(uint256).max;
        bool deferred;
        assembly ("memory-safe") {
            // Buffers reused by every order: struct words at m, digest input at m + 0x120, ecrecover input at
            // m + 0x180. The first three struct words and the digest prefix are the same for every order.
            let m := mload(0x40)
            mstore(0x40, add(m, 0x200))
            mstore(m, typehash)
            mstore(add(m, 0x20), market_)
            mstore(add(m, 0x40), interval)
            mstore(add(m, 0x120), shl(240, 0x1901))
            mstore(add(m, 0x122), domain)
            let e := add(m, 0x180)
            let prev := 0
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let p := add(orders.offset, mul(i, ORDER_BYTES))
                let w0 := calldataload(p)
                let w1 := calldataload(add(p, 0x20)) // expiry | household | side | (next record)
                let side := and(shr(152, w1), 0xff)
                let expiry := shr(192, w1)
                mstore(0, and(shr(160, w1), 0xffffffff))
                mstore(0x20, _households.slot)
                let key := keccak256(0, 0x40)
                let slot := sload(key)
                let account := shr(96, slot)
                mstore(add(m, 0x60), side)
                mstore(add(m, 0x80), shr(192, w0)) // quantityWh
                mstore(add(m, 0xa0), and(shr(64, w0), MASK128)) // limitPrice
                mstore(add(m, 0xc0), account)
                mstore(add(m, 0xe0), and(w0, MASK64)) // nonce
                mstore(add(m, 0x100), expiry)
                // EIP-712 digest: keccak256("\x19\x01" || domainSeparator || structHash).
                mstore(add(m, 0x142), keccak256(m, 0x120))
                let id := keccak256(add(m, 0x120), 0x42)
                mstore(add(add(ids, 0x20), shl(5, i)), id)
                let q := add(signatures.offset, mul(i, SIGNATURE_BYTES))
                let s := calldataload(add(q, 0x20))
                mstore(e, id)
                mstore(add(e, 0x20), byte(0, calldataload(add(q, 0x40)))) // v
                mstore(add(e, 0x40), calldataload(q)) // r
                mstore(add(e, 0x60), s)
                // The precompile returns nothing for an invalid signature (e.g. v not 27 or 28): signer stays 0.
                mstore(0, 0)
                pop(staticcall(gas(), 0x01, e, 0x80, 0, 0x20))
                let t := add(add(tally, 0x20), shl(6, i))
                let filled := mload(t)
                let bad := or(gt(side, SIDE_SELL), lt(expiry, timestamp()))
                bad := or(bad, or(iszero(and(slot, REGISTERED)), iszero(gt(id, prev))))
                bad := or(bad, or(iszero(filled), gt(filled, shr(192, w0))))
                bad := or(bad, or(gt(s, HALF_ORDER), iszero(eq(mload(0), account))))
                if bad {
                    failedAt := i
                    break
                }
                prev := id
                let amount := mload(add(t, 0x20))
                switch side
                case 1 {
                    // sell: credit (the slot value is current: read in this iteration, written by no one since)
                    if gt(add(and(slot, BALANCE_MASK), amount), BALANCE_MASK) {
                        overflowAt := i
                        break
                    }
                    sstore(key, add(slot, amount))
                }
                default {
                    // buy: debit now if covered, else after all credits (marked by setting bit 255 of `filled`)
                    switch lt(and(slot, BALANCE_MASK), amount)
                    case 0 { sstore(key, sub(slot, amount)) }
                    default {
                        mstore(t, or(filled, shl(255, 1)))
                        deferred := 1
                    }
                }
            }
        }
        if (failedAt != type(uint256).max) _orderFailure(orders, ids, tally, failedAt);
        if (overflowAt != type(uint256).max) {
            (, uint256 w1) = _orderWords(orders, overflowAt);
            revert BalanceOverflow(address(uint160(_households[(w1 >> 160) & 0xffffffff] >> 96)));
        }
        if (deferred) _payDeferred(orders, n, tally);
    }

    /// @dev Debits the buy orders whose balance did not cover them before all credits were in.
    function _payDeferred(bytes calldata orders, uint256 n, uint256[] memory tally) private {
        for (uint256 i; i < n; ++i) {
            if (tally[2 * i] >> 255 == 0) continue;
            (, uint256 w1) = _orderWords(orders, i);
            uint256 index = (w1 >> 160) & 0xffffffff;
            uint256 slot = _households[index];
            uint256 amount = tally[2 * i + 1];
            if (slot & BALANCE_MASK < amount) {
                revert InsufficientBalance(i, address(uint160(slot >> 96)), slot & BALANCE_MASK, amount);
            }
            _households[index] = slot - amount;
        }
    }

    /// @dev Slow path: names why order `i` failed the combined check of `_verifyAndPay`.
    function _orderFailure(bytes calldata orders, bytes32[] memory ids, uint256[] memory tally, uint256 i)
        private
        view
    {
        (uint256 w0, uint256 w1) = _orderWords(orders, i);
        if ((w1 >> 152) & 0xff > SIDE_SELL) revert InvalidSide(i);
        if (w1 >> 192 < block.timestamp) revert OrderExpired(i);
        uint256 slot = _households[(w1 >> 160) & 0xffffffff];
        if (slot & REGISTERED == 0) revert UnregisteredAccount(i, address(uint160(slot >> 96)));
        if (i > 0 && ids[i] == ids[i - 1]) revert DuplicateOrder(i);
        if (i > 0 && ids[i] < ids[i - 1]) revert OrdersNotSorted(i);
        if (tally[2 * i] == 0) revert UnfilledOrder(i);
        if (tally[2 * i] > w0 >> 192) revert Overfilled(i);
        revert InvalidSignature(i);
    }

    /// @dev Checks each trade against its two orders (index, side, limit price) and adds its quantity and amount
    ///      to both orders' tallies; returns the total amount. Assembly with one combined failure flag: this loop
    ///      runs once per trade; `_tradeFailure` names a failure.
    function _applyTrades(bytes calldata trades, bytes calldata orders, uint256 n, uint256[] memory tally)
        internal
        pure
        returns (uint256 total)
    {
        uint256 failedAt = type(uint256).max;
        assembly ("memory-safe") {
            let base := add(tally, 0x20)
            let end := add(trades.offset, trades.length)
            for { let p := trades.offset } lt(p, end) { p := add(p, TRADE_BYTES) } {
                let w := shr(96, calldataload(p))
                let b := shr(144, w)
                let s := and(shr(128, w), 0xffff)
                let q := and(shr(96, w), 0xffffffff)
                let price := and(w, 0xffffffffffffffffffffffff)
                // Out-of-range indices read zeros or other calldata here; the flag stops before any memory write.
                let bp := add(orders.offset, mul(b, ORDER_BYTES))
                let sp := add(orders.offset, mul(s, ORDER_BYTES))
                let bad := or(or(iszero(lt(b, n)), iszero(lt(s, n))), iszero(q))
                bad := or(bad, and(shr(152, calldataload(add(bp, 0x20))), 0xff)) // buy order: side 0
                bad := or(bad, gt(price, and(shr(64, calldataload(bp)), MASK128)))
                bad := or(bad, iszero(eq(and(shr(152, calldataload(add(sp, 0x20))), 0xff), SIDE_SELL)))
                bad := or(bad, lt(price, and(shr(64, calldataload(sp)), MASK128)))
                if bad {
                    failedAt := div(sub(p, trades.offset), TRADE_BYTES)
                    break
                }
                // q < 2^32, price < 2^96, fewer than 2^16 trades: no sum here can overflow 256 bits.
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
            w := shr(96, calldataload(add(trades.offset, mul(t, TRADE_BYTES))))
        }
        uint256 b = w >> 144;
        uint256 s = (w >> 128) & 0xffff;
        uint256 price = w & type(uint96).max;
        if (b >= n || s >= n) revert OrderIndexOutOfRange(t);
        if ((w >> 96) & type(uint32).max == 0) revert ZeroQuantity(t);
        (uint256 bw0, uint256 bw1) = _orderWords(orders, b);
        if ((bw1 >> 152) & 0xff != SIDE_BUY) revert NotABuyOrder(t);
        if (price > (bw0 >> 64) & MASK128) revert PriceAboveBuyerLimit(t);
        (, uint256 sw1) = _orderWords(orders, s);
        if ((sw1 >> 152) & 0xff != SIDE_SELL) revert NotASellOrder(t);
        revert PriceBelowSellerLimit(t);
    }

    function _orderWords(bytes calldata orders, uint256 i) private pure returns (uint256 w0, uint256 w1) {
        assembly ("memory-safe") {
            let p := add(orders.offset, mul(i, ORDER_BYTES))
            w0 := calldataload(p)
            w1 := calldataload(add(p, 0x20))
        }
    }

    // ---------------------------------------------------------------- views

    function isRegistered(address account) external view returns (bool) {
        return _households[indexOf[account]] & REGISTERED != 0;
    }

    /// @notice Escrow balance of `account`, in token units.
    function balanceOf(address account) external view returns (uint256) {
        uint256 index = indexOf[account];
        return index == 0 ? 0 : _households[index] & BALANCE_MASK;
    }

    /// @notice Account of a household index (address(0) if unused).
    function accountOf(uint256 household) external view returns (address) {
        return address(uint160(_households[household] >> 96));
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
