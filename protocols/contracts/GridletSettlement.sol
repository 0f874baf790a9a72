// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title GridletSettlement
/// @notice Pays the trades of one gridlet market: a registry of households, an ERC-20 escrow with internal balances,
///         and `settle`, which pays one market interval at most once, from orders the households signed themselves,
///         and only the result a quorum of the households registered for that interval signed (attested
///         settlement), within the interval's settlement window.
/// @dev Every account ever registered gets a household index (1, 2, ...) and one storage slot
///      `address (bits 96..255) | registered (bit 95) | escrow balance (bits 0..94)`, element `index` of a fixed
///      array (slot = base + index, no hashing), so that `settle` reads and writes each household once for the
///      signer, the membership check and the balance change.
///      The registry is kept per interval, as the nodes follow it (docs/protocol.md, "Registry"): every change takes
///      effect at its `registryBoundary`; checkpoints keyed by boundary hold the registered count (the quorum base
///      of each interval) and each household's membership. `settle(k)` counts the quorum of k and accepts orders and
///      attestations of households registered for k only.
///      Calldata of `settle` is packed (docs/settlement.md, "Batch encoding"):
///      - `orders`: 45 bytes per order: side (uint8) | limitPrice (uint128) | quantityWh (uint64) | nonce (uint64) |
///        expiry (uint64) | household index (uint32), sorted by strictly ascending EIP-712 order id
///        (so an order cannot appear twice). The order's `account` is the household's registered address.
///      - `signatures`: 65 bytes per order, r || s || v, in the order of `orders`.
///      - `trades`: 20 bytes per trade: buyOrder (uint16) | sellOrder (uint16) | quantityWh (uint32) | price (uint96),
///        order indices into `orders`, in the canonical order of the clearing result; amount =
///        floor(quantityWh * price / 1000) is computed here.
///      - `attestations`: 101 bytes each: household index (uint32) | setHash | r | s | v, by strictly ascending
///        household index: signatures of EIP-712 `Result(market, interval, setHash, root)` (what nodes gossip as
///        result announcements), where `root` is the result root the contract recomputes from the batch
///        (docs/protocol.md, "Result root"). Each carries its own setHash: households that froze different message
///        sets but cleared the same result count for it, as they do in the p2p tally (which counts roots).
///      A fee market (deployed with a fee recipient) settles with `settleWithFees` instead, whose trades are 29 bytes:
///      the 20 above | level (uint8: 0 same feeder, 1 same transformer, 2 upstream) | feePerWh (uint64); the buyer
///      pays fee = quantityWh * feePerWh on top of the amount, accrued for the recipient, and the root is v2.
///      Market id and interval are not in the calldata: they are taken from this contract and the `interval`
///      argument when hashing, so an order signed for another market, interval, chain or contract fails its signature.
contract GridletSettlement is AccessControl, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using Checkpoints for Checkpoints.Trace208;

    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    bytes32 public constant ORDER_TYPEHASH = keccak256(
        "Order(bytes32 market,uint64 interval,uint8 side,uint64 quantityWh,uint128 limitPrice,address account,uint64 nonce,uint64 expiry)"
    );

    bytes32 public constant RESULT_TYPEHASH = keccak256("Result(bytes32 market,uint64 interval,bytes32 setHash,bytes32 root)");
    /// "gridlet/result/v1", left-aligned: the tag of the result root.
    bytes32 internal constant RESULT_TAG = "gridlet/result/v1";
    /// "gridlet/result/v2": the tag of a fee market's result root (fee recipient, level and fee per trade).
    bytes32 internal constant RESULT_TAG_V2 = "gridlet/result/v2";
    /// How long a ready withdrawal request can be executed before it expires (and stops reserving its amount).
    uint64 public constant WITHDRAWAL_VALIDITY = 1 days;

    uint256 internal constant ORDER_BYTES = 45;
    uint256 internal constant ATTESTATION_BYTES = 101;
    uint256 internal constant SIGNATURE_BYTES = 65;
    uint256 internal constant TRADE_BYTES = 20;
    uint256 internal constant FEE_TRADE_BYTES = 29;
    /// Root bytes per trade: v1 (ids, quantity, price, amount), v2 adds level u8 || fee u128.
    uint256 internal constant ROOT_TRADE_BYTES = 120;
    uint256 internal constant ROOT_FEE_TRADE_BYTES = 137;
    uint256 internal constant MAX_LEVEL = 2;
    uint256 internal constant REGISTERED = 0x800000000000000000000000; // 1 << 95
    uint256 internal constant BALANCE_MASK = 0x7fffffffffffffffffffffff; // (1 << 95) - 1
    uint256 internal constant MASK64 = 0xffffffffffffffff;
    uint256 internal constant MASK128 = 0xffffffffffffffffffffffffffffffff;
    uint256 internal constant MASK96 = 0xffffffffffffffffffffffff;
    /// side 1 (sell) above a 128-bit limit price, as `_applyTrades` reads an order's first 17 bytes.
    uint256 internal constant SELL_FLAG = 0x100000000000000000000000000000000; // 1 << 128
    /// `_accounts` value: household index (bits 0..31) | registered (bit 255).
    uint256 internal constant ACCOUNT_REGISTERED = 1 << 255;
    uint256 internal constant INDEX_MASK = 0xffffffff;
    /// Fixed memory of `settle` for hashing and ecrecover (see `_verifyAndPay`): [BUF, BUF_END). Above the area the
    /// compiler may reserve at 0x80 for stack variables it moves to memory (checked on entry).
    uint256 internal constant BUF = 0x400;
    uint256 internal constant BUF_END = 0x600;
    uint256 internal constant SIDE_BUY = 0;
    uint256 internal constant SIDE_SELL = 1;
    /// secp256k1 order / 2: a larger s is the malleable twin of a valid signature (rejected, as OZ ECDSA does).
    uint256 internal constant HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    /// @notice The escrowed ERC-20.
    IERC20 public immutable token;
    /// @notice The market id (bytes32) every order of this contract is signed for.
    bytes32 public immutable market;
    /// @notice Seconds between a withdrawal request and the withdrawal, so signed buy orders can still be paid: more
    ///         than interval length + gate closure + settle delay + settlement window (checked), so every interval
    ///         whose escrow reference block (the gate closure of the interval before it) lies before a request can
    ///         be settled before the requested money leaves.
    uint64 public immutable withdrawalDelay;
    /// @notice Market interval length in seconds: interval k starts at k * intervalLength (unix, UTC aligned).
    uint32 public immutable intervalLength;
    /// @notice Seconds before an interval's start when its order book closes (on-chain cancels for an interval end at
    ///         the gate closure of the interval before it).
    uint32 public immutable gateClosure;
    /// @notice Seconds after an interval's start before it can be settled (not before the nodes decided it).
    uint32 public immutable settleDelay;
    /// @notice Seconds after the earliest settlement time during which an interval can still be settled.
    uint32 public immutable settlementWindow;

    /// @notice Market timing fixed at deployment (docs/settlement.md, "Time").
    struct Timing {
        uint32 intervalLength;
        uint32 gateClosure;
        uint32 settleDelay;
        uint32 settlementWindow;
        uint64 withdrawalDelay;
    }

    /// @notice Who is paid the network fees of a fee market (e.g. the grid operator); address(0): a plain market,
    ///         which settles only fee-less (v1) batches through `settle`.
    address public immutable feeRecipient;
    /// @notice The highest network fee per Wh a trade may carry, token units (0 in a plain market).
    uint128 public immutable maxFeePerWh;

    /// @notice Network fees fixed at deployment (docs/settlement.md, "Fees"); recipient 0 = a plain market.
    struct Fees {
        address recipient;
        uint128 maxFeePerWh;
    }

    /// @notice Fees paid by buyers and not yet withdrawn by `feeRecipient`, token units.
    uint256 public feesAccrued;

    /// @notice Number of household indices handed out (index 0 is never used).
    uint32 public householdCount;
    /// @notice Number of households registered now (the registry of the intervals from the latest boundary on).
    uint32 public registeredCount;
    /// The latest boundary at which a household joined (register, rotate). Every household registered now is
    /// registered for every interval from it on, so `settle` reads membership checkpoints only for intervals before
    /// it and for households no longer registered.
    uint64 private _joinBoundary;
    /// household index => address | registered | balance (see contract doc).
    uint256[4294967296] private _households;
    /// account => household index (0: never registered; an index stays with its account for good) | registered.
    mapping(address account => uint256) private _accounts;
    /// @notice Meter id of a registered account (0 if not registered).
    mapping(address account => bytes32) public meterOf;
    /// @notice Registered account of a meter id (address(0) if none).
    mapping(bytes32 meterId => address) public accountOfMeter;
    /// Interval flags, 128 intervals per word (word interval / 128, bit b = interval % 128): bit b = settled,
    /// bit 128 + b = some household cancelled an order of the interval on chain. One slot read tells `settle` both,
    /// so the per-order cancel checks run only for intervals that have cancels. Roots are in the `Settled` event.
    mapping(uint256 word => uint256) private _settled;
    /// account => requested amount (bits 0..127) | ready at (bits 128..191) | expires at (bits 192..255), unix s.
    mapping(address account => uint256) private _withdrawals;
    /// account => interval => order id => cancelled on chain (per interval: a cancel counts only for the interval
    /// it names, whose deadline it met).
    mapping(address account => mapping(uint64 interval => mapping(bytes32 orderId => bool))) private _cancelledOrders;
    /// account => interval => every nonce below this is cancelled on chain.
    mapping(address account => mapping(uint64 interval => uint256)) private _nonceFloor;
    /// registry boundary => number of households registered for the intervals from it on (the quorum base).
    Checkpoints.Trace208 private _registeredAt;
    /// household index => registry boundary => registered (1) or not (0) for the intervals from it on.
    mapping(uint256 household => Checkpoints.Trace208) private _membership;

    event HouseholdRegistered(address indexed account, bytes32 indexed meterId, uint256 household);
    event HouseholdRemoved(address indexed account, bytes32 indexed meterId);
    event HouseholdKeyRotated(bytes32 indexed meterId, address indexed oldAccount, address indexed newAccount);
    event Deposited(address indexed account, address indexed from, uint256 amount);
    event WithdrawalRequested(address indexed account, uint256 amount, uint64 readyAt, uint64 expiresAt);
    event OrderCancelledOnChain(address indexed account, uint64 indexed interval, bytes32 orderId);
    event NoncesCancelled(address indexed account, uint64 indexed interval, uint64 upTo);
    event Withdrawn(address indexed account, uint256 amount);
    /// @dev `root` is the result root (docs/protocol.md) the attesting households signed.
    event Settled(uint64 indexed interval, bytes32 root, uint256 trades, uint256 totalAmount, address submitter);
    /// @dev Emitted by `settleWithFees` after `Settled`: the interval's fees, now in `feesAccrued`.
    event FeesAccrued(uint64 indexed interval, uint256 fees);
    event FeesWithdrawn(address indexed recipient, uint256 amount);

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
    error WithdrawalExpired(address account, uint64 expiresAt);
    error BadTiming();
    error BadFees();
    error NotFeeRecipient(address caller);
    error CancelTooLate(uint64 interval, uint256 closedAt);

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
    error TooEarly(uint64 interval, uint256 earliest);
    error SettlementWindowClosed(uint64 interval, uint256 deadline);
    error LimitPriceTooHigh(uint256 order);
    error OrderCancelled(uint256 order);
    error NoQuorum(uint256 have, uint256 need);
    error AttestationNotSorted(uint256 attestation);
    error AttesterNotRegistered(uint256 attestation);
    error InvalidAttestation(uint256 attestation);
    // Fee market errors.
    error FeesRequired();
    error NotAFeeMarket();
    error FeeAboveMax(uint256 trade);
    error FeeAboveBuyerLimit(uint256 trade);
    error InvalidFeeLevel(uint256 trade);

    constructor(
        IERC20 token_,
        bytes32 market_,
        Timing memory timing,
        address admin,
        address operator,
        Fees memory fees
    ) EIP712("gridlet", "1") {
        if (address(token_) == address(0) || admin == address(0) || operator == address(0)) revert ZeroAddress();
        if (
            timing.intervalLength == 0
                || uint256(timing.withdrawalDelay)
                    <= uint256(timing.intervalLength) + timing.gateClosure + timing.settleDelay + timing.settlementWindow
        ) revert BadTiming();
        if (fees.recipient == address(0) && fees.maxFeePerWh != 0) revert BadFees();
        feeRecipient = fees.recipient;
        maxFeePerWh = fees.maxFeePerWh;
        token = token_;
        market = market_;
        withdrawalDelay = timing.withdrawalDelay;
        intervalLength = timing.intervalLength;
        gateClosure = timing.gateClosure;
        settleDelay = timing.settleDelay;
        settlementWindow = timing.settlementWindow;
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
        uint48 boundary = SafeCast.toUint48(registryBoundary(block.timestamp));
        _membership[index].push(boundary, 1);
        _registeredAt.push(boundary, ++registeredCount);
        if (boundary > _joinBoundary) _joinBoundary = boundary;
    }

    function _unregister(address account) private returns (bytes32 meterId) {
        meterId = meterOf[account];
        if (meterId == 0) revert NotRegistered(account);
        delete meterOf[account];
        delete accountOfMeter[meterId];
        uint256 index = _accounts[account] & INDEX_MASK;
        _accounts[account] = index;
        _households[index] &= ~REGISTERED;
        // Intervals before the boundary were (or are being) cleared with this household in every node's registry:
        // they stay payable, so a removal never makes an agreed interval revert `UnregisteredAccount`.
        uint48 boundary = SafeCast.toUint48(registryBoundary(block.timestamp));
        _membership[index].push(boundary, 0);
        _registeredAt.push(boundary, --registeredCount);
    }

    /// @notice The first interval whose registry includes a change (register, remove, rotate) made at block time
    ///         `timestamp`: the interval after the next one whose book is still open, so every node has at least
    ///         one interval length to see the event before that book closes (docs/protocol.md, "Registry").
    function registryBoundary(uint256 timestamp) public view returns (uint64) {
        return uint64((timestamp + gateClosure) / intervalLength + 2);
    }

    /// @notice For an account no longer registered: the first interval in which its orders are refused (0 if it
    ///         is registered or never was registered). Orders of earlier intervals it was registered for stay payable.
    function activeUntil(address account) external view returns (uint64) {
        uint256 a = _accounts[account];
        if (a & ACCOUNT_REGISTERED != 0) return 0;
        (bool exists, uint48 boundary,) = _membership[a & INDEX_MASK].latestCheckpoint();
        return exists ? boundary : 0;
    }

    /// @notice Whether `account` is registered for `interval`: after every registry change whose boundary is at or
    ///         before it (`registryAt` in src/chain/registryAt.ts). What `settle` requires of orders and attesters.
    function isRegisteredFor(address account, uint64 interval) external view returns (bool) {
        uint256 index = _accounts[account] & INDEX_MASK;
        return index != 0 && _isMember(index, interval);
    }

    /// @notice Number of households registered for `interval` (the base of its quorum).
    function registeredFor(uint64 interval) public view returns (uint256) {
        return _registeredAt.upperLookupRecent(_key(interval));
    }

    /// @notice The quorum `settle(interval)` needs: floor(n / 2) + 1 with n the households registered for the
    ///         interval (docs/protocol.md, "Quorum"), as the nodes' agreement counts it.
    function quorumAt(uint64 interval) public view returns (uint256) {
        return registeredFor(interval) / 2 + 1;
    }

    /// @dev Before the latest joining boundary some households registered now were not registered yet: their
    ///      membership is then looked up (the slow path), as it always is for households no longer registered.
    function _recent(uint64 interval) private view returns (bool) {
        return interval < _joinBoundary;
    }

    function _isMember(uint256 index, uint64 interval) private view returns (bool) {
        return _membership[index].upperLookupRecent(_key(interval)) != 0;
    }

    /// @dev Checkpoint key of an interval: boundaries are uint48 (checked when written), a later interval sees the
    ///      latest checkpoint.
    function _key(uint64 interval) private pure returns (uint48) {
        return interval > type(uint48).max ? type(uint48).max : uint48(interval);
    }

    // ---------------------------------------------------------------- escrow (households)

    /// @notice Deposits `amount` tokens of the caller into the caller's escrow balance (needs an ERC-20 approval).
    function deposit(uint256 amount) external {
        depositFor(msg.sender, amount);
    }

    /// @notice Deposits `amount` tokens of the caller into the escrow balance of `account` (registered now or before).
    ///         Credits what the contract received (its token balance delta), so a fee-on-transfer token cannot
    ///         credit more than it paid; reentry (a token calling back during the transfer) is refused.
    function depositFor(address account, uint256 amount) public nonReentrant {
        uint256 index = _accounts[account] & INDEX_MASK;
        if (index == 0) revert UnknownAccount(account);
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        uint256 slot = _households[index];
        if ((slot & BALANCE_MASK) + received > BALANCE_MASK) revert BalanceOverflow(account);
        _households[index] = slot + received;
        emit Deposited(account, msg.sender, received);
    }

    /// @notice Announces a withdrawal of up to `amount`: executable from `withdrawalDelay` seconds on, for
    ///         `WITHDRAWAL_VALIDITY` seconds, then it expires. From now until it expires the amount is reserved:
    ///         `availableOf` no longer counts it, so nodes stop clearing new buy orders against it, while `settle`
    ///         can still pay intervals cleared before (the delay outlasts their settlement window). A new request
    ///         replaces the old one; amount 0 cancels.
    function requestWithdrawal(uint128 amount) external {
        uint64 readyAt = uint64(block.timestamp) + withdrawalDelay;
        uint64 expiresAt = readyAt + WITHDRAWAL_VALIDITY;
        _withdrawals[msg.sender] =
            amount == 0 ? 0 : uint256(amount) | (uint256(readyAt) << 128) | (uint256(expiresAt) << 192);
        emit WithdrawalRequested(msg.sender, amount, readyAt, expiresAt);
    }

    /// @notice Executes the caller's ready, unexpired withdrawal request, paying out at most the current balance.
    function withdraw() external nonReentrant returns (uint256 amount) {
        uint256 request = _withdrawals[msg.sender];
        if (request == 0) revert NoWithdrawalRequested(msg.sender);
        uint64 readyAt = uint64(request >> 128);
        uint64 expiresAt = uint64(request >> 192);
        if (block.timestamp < readyAt) revert WithdrawalNotReady(msg.sender, readyAt);
        if (block.timestamp > expiresAt) revert WithdrawalExpired(msg.sender, expiresAt);
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

    // ---------------------------------------------------------------- on-chain cancel (households)

    /// @notice Cancels one of the caller's orders (by EIP-712 id) of `interval`: `settle` then refuses it. Only
    ///         until the interval's reference point (the gate closure of the interval before it), so that every
    ///         cancel that counts is in the state of the reference block the nodes' escrow snapshot reads
    ///         (docs/protocol.md, "Escrow cover"): the nodes leave cancelled orders out of the clearing, and an agreed
    ///         result cannot be made unpayable afterwards.
    function cancelOrder(uint64 interval, bytes32 orderId) external {
        _checkCancel(interval);
        _cancelledOrders[msg.sender][interval][orderId] = true;
        emit OrderCancelledOnChain(msg.sender, interval, orderId);
    }

    /// @notice Cancels every order of the caller for `interval` with a nonce <= `upTo` (same deadline as
    ///         `cancelOrder`). The floor only rises.
    function cancelNonces(uint64 interval, uint64 upTo) external {
        _checkCancel(interval);
        if (_nonceFloor[msg.sender][interval] > upTo) return;
        _nonceFloor[msg.sender][interval] = uint256(upTo) + 1;
        emit NoncesCancelled(msg.sender, interval, upTo);
    }

    /// @dev Registered caller, at or before the interval's reference point (start - intervalLength - gateClosure);
    ///      flags the interval as having cancels.
    function _checkCancel(uint64 interval) private {
        if (_accounts[msg.sender] & ACCOUNT_REGISTERED == 0) revert NotRegistered(msg.sender);
        uint256 start = uint256(interval) * intervalLength;
        uint256 lead = uint256(intervalLength) + gateClosure;
        if (start < lead || block.timestamp > start - lead) {
            revert CancelTooLate(interval, start < lead ? 0 : start - lead);
        }
        _settled[interval >> 7] |= 1 << (128 + (interval & 127));
    }

    // ---------------------------------------------------------------- settlement

    /// @notice Pays every trade of one interval, or nothing: any bad order, trade or attestation reverts the whole
    ///         call. Only a registered household may submit, only from the interval's start + `settleDelay` until
    ///         `settlementWindow` seconds later, and only with the signatures of a quorum of the households
    ///         registered for the interval (`quorumAt`) over the result this batch is; every order's and attester's
    ///         household must be registered for the interval (`isRegisteredFor`).
    /// @param interval Market interval id (the `interval` field every order is signed with).
    /// @param trades Packed trades, 20 bytes each (see contract doc), in the clearing result's order.
    /// @param orders Packed orders, 45 bytes each, strictly ascending by EIP-712 id, each filled by some trade.
    /// @param signatures 65-byte signatures r || s || v of `orders`, same order.
    /// @param totalAmount Sum of all trade amounts as cleared off chain; must equal the sum computed here.
    /// @param rule Clearing rule code of the result (k-da 0, pay-as-bid 1, sdr 2, mmr 3), part of the root.
    /// @param clearingPrice Uniform clearing price of the result (0 if none), part of the root.
    /// @param attestations 101 bytes each: household index (uint32) | setHash | r | s | v, strictly ascending index.
    /// @return root The result root recomputed from the batch (docs/protocol.md), emitted in `Settled`.
    function settle(
        uint64 interval,
        bytes calldata trades,
        bytes calldata orders,
        bytes calldata signatures,
        uint256 totalAmount,
        uint8 rule,
        uint128 clearingPrice,
        bytes calldata attestations
    ) external returns (bytes32 root) {
        if (feeRecipient != address(0)) revert FeesRequired();
        (uint256 n, uint256 words, uint256 flags) = _open(interval, trades, orders, signatures, attestations, TRADE_BYTES);
        {
            uint256 computed = _applyTrades(trades, orders, n, words);
            if (computed != totalAmount) revert NotBudgetBalanced(totalAmount, computed);
        }
        _verifyAndPay(interval, orders, signatures, n, words);
        if (flags & (1 << (128 + (interval & 127))) != 0) _checkCancelled(interval, orders, n, words);
        root = _resultRoot(interval, trades, words, rule, clearingPrice);
        _close(interval, root, attestations, flags);
        emit Settled(interval, root, trades.length / TRADE_BYTES, totalAmount, msg.sender);
    }

    /// @notice `settle` of a fee market: the same checks and payments, with 29-byte trades that carry each trade's
    ///         network level and fee per Wh (see contract doc). Each fee per Wh is at most `maxFeePerWh`, each level
    ///         at most 2; a buyer pays price + 1000 * feePerWh per kWh at most its limit (the core's individual
    ///         rationality after fees) and is debited amount + fee = floor(quantityWh * price / 1000) +
    ///         quantityWh * feePerWh; sellers are credited the amount; the fees accrue to `feeRecipient`
    ///         (`withdrawFees`). The attestations must sign the v2 root with this contract's `feeRecipient`.
    /// @param totalAmount Sum of the trade amounts (fees excluded), as in `settle`.
    function settleWithFees(
        uint64 interval,
        bytes calldata trades,
        bytes calldata orders,
        bytes calldata signatures,
        uint256 totalAmount,
        uint8 rule,
        uint128 clearingPrice,
        bytes calldata attestations
    ) external returns (bytes32 root) {
        if (feeRecipient == address(0)) revert NotAFeeMarket();
        (uint256 n, uint256 words, uint256 flags) =
            _open(interval, trades, orders, signatures, attestations, FEE_TRADE_BYTES);
        uint256 fees;
        {
            uint256 computed;
            (computed, fees) = _applyFeeTrades(trades, orders, n, words);
            if (computed != totalAmount) revert NotBudgetBalanced(totalAmount, computed);
        }
        _verifyAndPay(interval, orders, signatures, n, words);
        if (flags & (1 << (128 + (interval & 127))) != 0) _checkCancelled(interval, orders, n, words);
        root = _feeResultRoot(interval, trades, words, rule, clearingPrice);
        _close(interval, root, attestations, flags);
        feesAccrued += fees;
        emit Settled(interval, root, trades.length / FEE_TRADE_BYTES, totalAmount, msg.sender);
        emit FeesAccrued(interval, fees);
    }

    /// @notice Pays the accrued fees out to `feeRecipient`; only it may call.
    function withdrawFees() external nonReentrant returns (uint256 amount) {
        if (msg.sender != feeRecipient || msg.sender == address(0)) revert NotFeeRecipient(msg.sender);
        amount = feesAccrued;
        feesAccrued = 0;
        token.safeTransfer(msg.sender, amount);
        emit FeesWithdrawn(msg.sender, amount);
    }

    /// @dev The checks of `settle` before any trade is read (fixed hashing buffer, not settled, window, submitter,
    ///      batch shape, quorum count); returns the order count, the zeroed per-order words and the interval flags.
    function _open(
        uint64 interval,
        bytes calldata trades,
        bytes calldata orders,
        bytes calldata signatures,
        bytes calldata attestations,
        uint256 tradeBytes
    ) private view returns (uint256 n, uint256 words, uint256 flags) {
        // The hashing buffer sits at a fixed address (BUF), so the per-order loop addresses it with constants: no
        // memory may be allocated there before (checked, as a guard against a compiler that reserves more).
        assembly ("memory-safe") {
            if gt(mload(0x40), BUF) { revert(0, 0) }
            mstore(0x40, BUF_END)
        }
        flags = _settled[interval >> 7];
        if (flags & (1 << (interval & 127)) != 0) revert AlreadySettled(interval);
        _checkWindow(interval);
        if (_accounts[msg.sender] & ACCOUNT_REGISTERED == 0) revert UnauthorizedSubmitter(msg.sender);
        n = orders.length / ORDER_BYTES;
        if (
            n == 0 || n > 0xffff || orders.length != n * ORDER_BYTES || signatures.length != n * SIGNATURE_BYTES
                || trades.length == 0 || trades.length % tradeBytes != 0
                || attestations.length % ATTESTATION_BYTES != 0
        ) revert MalformedBatch();
        _checkQuorum(interval, attestations.length / ATTESTATION_BYTES);
        // One memory word per order: first its tally (filled Wh | amount << 64), then, once the order is verified
        // and paid, its id, which the result root reads.
        assembly ("memory-safe") {
            words := mload(0x40)
            calldatacopy(words, calldatasize(), shl(5, n)) // zeroes
            mstore(0x40, add(words, shl(5, n)))
        }
    }

    /// @dev Checks the attestations over the recomputed root and marks the interval settled.
    function _close(uint64 interval, bytes32 root, bytes calldata attestations, uint256 flags) private {
        _verifyAttestations(interval, root, attestations);
        _settled[interval >> 7] = flags | (1 << (interval & 127));
    }

    /// @dev Settlement only in [start + settleDelay, start + settleDelay + settlementWindow] (block time).
    function _checkWindow(uint64 interval) private view {
        uint256 earliest = uint256(interval) * intervalLength + settleDelay;
        if (block.timestamp < earliest) revert TooEarly(interval, earliest);
        if (block.timestamp > earliest + settlementWindow) {
            revert SettlementWindowClosed(interval, earliest + settlementWindow);
        }
    }

    /// @dev The quorum of the households registered for the interval (counted per interval, as the nodes do).
    function _checkQuorum(uint64 interval, uint256 have) private view {
        uint256 need = quorumAt(interval);
        if (have < need) revert NoQuorum(have, need);
    }

    /// @dev Slow path, only for a batch with an order of a household no longer registered, or for an interval before
    ///      the latest joining boundary: refuses an order whose household is not registered for the interval.
    function _checkMembers(uint64 interval, bytes calldata orders, uint256 n) private view {
        for (uint256 i; i < n; ++i) {
            (, uint256 b) = _orderWords(orders, i);
            uint256 index = b & 0xffffffff;
            if (!_isMember(index, interval)) revert UnregisteredAccount(i, address(uint160(_households[index] >> 96)));
        }
    }

    /// @dev Slow path, only for intervals with on-chain cancels: refuses an order its household cancelled.
    function _checkCancelled(uint64 interval, bytes calldata orders, uint256 n, uint256 words) private view {
        for (uint256 i; i < n; ++i) {
            (, uint256 b) = _orderWords(orders, i);
            address account = address(uint160(_households[b & 0xffffffff] >> 96));
            bytes32 id;
            assembly ("memory-safe") {
                id := mload(add(words, shl(5, i)))
            }
            if (_cancelledOrders[account][interval][id] || (b >> 96) & MASK64 < _nonceFloor[account][interval]) {
                revert OrderCancelled(i);
            }
        }
    }

    /// @dev The result root (docs/protocol.md, "Result root") of this batch, hashed in fresh memory:
    ///      "gridlet/result/v1" || interval u64 || rule u8 || clearingPrice u128 || volumeWh u128 ||
    ///      tradeCount u32 || per trade: buyId 32 || sellId 32 || quantityWh u64 || price u128 || amount u256.
    ///      Ids come from `words` (filled by `_verifyAndPay`), amounts are recomputed, volume = sum of quantities.
    function _resultRoot(uint64 interval, bytes calldata trades, uint256 words, uint8 rule, uint128 clearingPrice)
        private
        pure
        returns (bytes32 root)
    {
        assembly ("memory-safe") {
            let buf := mload(0x40)
            // Header fields left-aligned, in ascending offsets (each store only clobbers bytes written later).
            mstore(buf, RESULT_TAG)
            mstore(add(buf, 17), shl(192, interval))
            mstore(add(buf, 25), shl(248, rule))
            mstore(add(buf, 26), shl(128, clearingPrice))
            mstore(add(buf, 58), shl(224, div(trades.length, TRADE_BYTES)))
            let o := add(buf, 62)
            let volume := 0
            let end := add(trades.offset, trades.length)
            for { let p := trades.offset } lt(p, end) { p := add(p, TRADE_BYTES) } {
                let w := calldataload(p)
                let q := and(shr(192, w), 0xffffffff)
                let price := and(shr(96, w), MASK96)
                mstore(o, mload(add(words, shl(5, shr(240, w)))))
                mstore(add(o, 32), mload(add(words, shl(5, and(shr(224, w), 0xffff)))))
                mstore(add(o, 64), shl(192, q))
                mstore(add(o, 72), shl(128, price))
                mstore(add(o, 88), div(mul(q, price), 1000))
                volume := add(volume, q)
                o := add(o, ROOT_TRADE_BYTES)
            }
            // volumeWh (bytes 42..58): patched in now that it is known, keeping the bytes behind it.
            let v := mload(add(buf, 42))
            mstore(add(buf, 42), or(shl(128, volume), and(v, MASK128)))
            root := keccak256(buf, sub(o, buf))
        }
    }

    /// @dev The v2 result root of a fee batch (docs/protocol.md, "Result root"): "gridlet/result/v2", the v1 header,
    ///      `feeRecipient` (20 bytes), and per trade the v1 fields || level u8 || fee u128 (fee = quantityWh *
    ///      feePerWh), as src/core/market/resultRoot.ts hashes a grid clearing's result. A loop of its own, like
    ///      `_applyFeeTrades`: a shared one would add a branch per trade to the plain market's gas.
    function _feeResultRoot(uint64 interval, bytes calldata trades, uint256 words, uint8 rule, uint128 clearingPrice)
        private
        view
        returns (bytes32 root)
    {
        address recipient = feeRecipient;
        assembly ("memory-safe") {
            let buf := mload(0x40)
            mstore(buf, RESULT_TAG_V2)
            mstore(add(buf, 17), shl(192, interval))
            mstore(add(buf, 25), shl(248, rule))
            mstore(add(buf, 26), shl(128, clearingPrice))
            mstore(add(buf, 58), shl(224, div(trades.length, FEE_TRADE_BYTES)))
            mstore(add(buf, 62), shl(96, recipient))
            let o := add(buf, 82)
            let volume := 0
            let end := add(trades.offset, trades.length)
            for { let p := trades.offset } lt(p, end) { p := add(p, FEE_TRADE_BYTES) } {
                let w := calldataload(p)
                let q := and(shr(192, w), 0xffffffff)
                let price := and(shr(96, w), MASK96)
                mstore(o, mload(add(words, shl(5, shr(240, w)))))
                mstore(add(o, 32), mload(add(words, shl(5, and(shr(224, w), 0xffff)))))
                mstore(add(o, 64), shl(192, q))
                mstore(add(o, 72), shl(128, price))
                mstore(add(o, 88), div(mul(q, price), 1000))
                mstore(add(o, 120), shl(248, and(shr(88, w), 0xff))) // level
                mstore(add(o, 121), shl(128, mul(q, and(shr(24, w), MASK64)))) // fee
                volume := add(volume, q)
                o := add(o, ROOT_FEE_TRADE_BYTES)
            }
            let v := mload(add(buf, 42))
            mstore(add(buf, 42), or(shl(128, volume), and(v, MASK128)))
            root := keccak256(buf, sub(o, buf))
        }
    }

    /// @dev Checks the attestations: strictly ascending household index, each household registered for the interval
    ///      (looked up only when `recent` or the household is no longer registered), each a
    ///      valid signature (low s, v in {27, 28}) of EIP-712 `Result(market, interval, setHash, root)` by the
    ///      household's account, with the attestation's own setHash. The quorum count was checked on entry. Each
    ///      attestation costs two keccaks, one slot read (warm when the household also trades) and one ecrecover.
    function _verifyAttestations(uint64 interval, bytes32 root, bytes calldata attestations)
        private
        view
    {
        bytes32 domain = _domainSeparatorV4();
        bytes32 typehash = RESULT_TYPEHASH;
        bytes32 market_ = market;
        uint256 failedAt = type(uint256).max;
        bool lookup = _recent(interval);
        assembly ("memory-safe") {
            mstore(BUF, typehash)
            mstore(add(BUF, 0x20), market_)
            mstore(add(BUF, 0x40), interval)
            mstore(add(BUF, 0x80), root)
            mstore(add(BUF, 0xa0), shl(240, 0x1901))
            mstore(add(BUF, 0xa2), domain)
            // struct at BUF (setHash at BUF + 0x60 per attestation), digest input at BUF + 0xa0, ecrecover input
            // (digest, v, r, s) at BUF + 0x100
            let prev := 0
            let end := add(attestations.offset, attestations.length)
            for { let p := attestations.offset } lt(p, end) { p := add(p, ATTESTATION_BYTES) } {
                let index := shr(224, calldataload(p))
                let slot := sload(add(_households.slot, index))
                mstore(add(BUF, 0x60), calldataload(add(p, 4))) // setHash
                mstore(add(BUF, 0xc2), keccak256(BUF, 0xa0))
                mstore(add(BUF, 0x100), keccak256(add(BUF, 0xa0), 0x42))
                mstore(add(BUF, 0x120), shr(248, calldataload(add(p, 100)))) // v
                calldatacopy(add(BUF, 0x140), add(p, 36), 0x40) // r, s
                mstore(0, 0)
                pop(staticcall(gas(), 0x01, add(BUF, 0x100), 0x80, 0, 0x20))
                // An unused index has no account: ecrecover's 0 for an invalid signature must not match it.
                let bad := or(iszero(gt(index, prev)), iszero(shr(96, slot)))
                bad := or(bad, gt(mload(add(BUF, 0x160)), HALF_ORDER))
                lookup := or(lookup, iszero(and(slot, REGISTERED)))
                if or(bad, xor(mload(0), shr(96, slot))) {
                    failedAt := div(sub(p, attestations.offset), ATTESTATION_BYTES)
                    break
                }
                prev := index
            }
        }
        if (failedAt != type(uint256).max) {
            uint256 index;
            uint256 prev;
            assembly ("memory-safe") {
                let p := add(attestations.offset, mul(failedAt, ATTESTATION_BYTES))
                index := shr(224, calldataload(p))
                if failedAt { prev := shr(224, calldataload(sub(p, ATTESTATION_BYTES))) }
            }
            if (failedAt > 0 && index <= prev) revert AttestationNotSorted(failedAt);
            if (!_isMember(index, interval)) revert AttesterNotRegistered(failedAt);
            revert InvalidAttestation(failedAt);
        }
        if (lookup) _checkAttesters(interval, attestations);
    }

    /// @dev Slow path of `_verifyAttestations`: refuses an attester not registered for the interval.
    function _checkAttesters(uint64 interval, bytes calldata attestations) private view {
        for (uint256 i; i < attestations.length / ATTESTATION_BYTES; ++i) {
            uint256 index;
            assembly ("memory-safe") {
                index := shr(224, calldataload(add(attestations.offset, mul(i, ATTESTATION_BYTES))))
            }
            if (!_isMember(index, interval)) revert AttesterNotRegistered(i);
        }
    }

    /// @dev One pass over the orders: checks expiry, registration, order (strictly ascending ids), fill (every
    ///      order filled, by at most its quantity) and signature, then moves the order's amount on its household
    ///      slot, which it reads once (cold) for the signer, the membership check and the balance. A debit the
    ///      balance does not cover yet is deferred until every credit is in, so an account that sells and buys in
    ///      one interval is checked on its net balance. One assembly loop with one combined failure flag (it runs
    ///      once per order and dominates the gas of `settle`); `_orderFailure` names a failure. The
    ///      households' membership for the interval is looked up (`_checkMembers`) only when some order's household
    ///      is no longer registered, or the interval is before the latest joining boundary.
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
        bool lookup = _recent(interval);
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
                let bad := lt(expiry, timestamp())
                // A household no longer registered (or an unused index) is looked up by `_checkMembers`.
                lookup := or(lookup, iszero(and(slot, REGISTERED)))
                bad := or(bad, or(iszero(gt(id, prev)), gt(filled, quantity)))
                bad := or(bad, or(iszero(filled), gt(mload(add(BUF, 0x1e0)), HALF_ORDER)))
                bad := or(bad, shr(96, mload(add(BUF, 0xa0)))) // limit price >= 2^96
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
        if (failedAt != type(uint256).max) _orderFailure(interval, orders, words, failedAt);
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
        if (lookup) _checkMembers(interval, orders, n);
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
    function _orderFailure(uint64 interval, bytes calldata orders, uint256 words, uint256 i) private view {
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
        (uint256 a,) = _orderWords(orders, i);
        if ((a >> 120) & MASK128 > MASK96) revert LimitPriceTooHigh(i);
        if (!_isMember(b & 0xffffffff, interval)) {
            revert UnregisteredAccount(i, address(uint160(_households[b & 0xffffffff] >> 96)));
        }
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
        if (failedAt != type(uint256).max) _tradeFailure(trades, orders, n, failedAt, TRADE_BYTES, true);
    }

    /// @dev Slow path: names why trade `t` failed the combined check of `_applyTrades`.
    ///      With `last` false it returns when trade `t` passes them (the fee checks of `_applyFeeTrades` follow).
    function _tradeFailure(
        bytes calldata trades,
        bytes calldata orders,
        uint256 n,
        uint256 t,
        uint256 tradeBytes,
        bool last
    ) private pure {
        uint256 w;
        assembly ("memory-safe") {
            w := calldataload(add(trades.offset, mul(t, tradeBytes)))
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
        if (last || price < (sa >> 120) & MASK128) revert PriceBelowSellerLimit(t);
    }

    /// @dev `_applyTrades` for 29-byte fee trades: also checks level <= 2, feePerWh <= `maxFeePerWh` and the buyer's
    ///      price + 1000 * feePerWh <= its limit; the buyer's tally gets amount + fee, the seller's the amount.
    ///      Returns the total amount and the total fee (q < 2^32, feePerWh < 2^64: no sum can overflow).
    function _applyFeeTrades(bytes calldata trades, bytes calldata orders, uint256 n, uint256 words)
        internal
        view
        returns (uint256 total, uint256 fees)
    {
        uint256 failedAt = type(uint256).max;
        uint256 maxFee = maxFeePerWh;
        assembly ("memory-safe") {
            let last := sub(n, 1)
            let end := add(trades.offset, trades.length)
            for { let p := trades.offset } lt(p, end) { p := add(p, FEE_TRADE_BYTES) } {
                let w := calldataload(p)
                let b := shr(240, w)
                let s := and(shr(224, w), 0xffff)
                let q := and(shr(192, w), 0xffffffff)
                let price := and(shr(96, w), MASK96)
                let level := and(shr(88, w), 0xff)
                let perWh := and(shr(24, w), MASK64)
                let bl := shr(120, calldataload(add(orders.offset, mul(b, ORDER_BYTES))))
                let sl := shr(120, calldataload(add(orders.offset, mul(s, ORDER_BYTES))))
                let bad := or(or(gt(b, last), gt(s, last)), iszero(q))
                bad := or(bad, or(gt(level, MAX_LEVEL), gt(perWh, maxFee)))
                // buy order: side 0 and price + 1000 * feePerWh <= limit (< 2^97: no overflow)
                bad := or(bad, or(shr(128, bl), gt(add(price, mul(perWh, 1000)), bl)))
                bad := or(bad, gt(sub(sl, SELL_FLAG), price))
                if bad {
                    failedAt := div(sub(p, trades.offset), FEE_TRADE_BYTES)
                    break
                }
                let amount := div(mul(q, price), 1000)
                let fee := mul(q, perWh)
                let tb := add(words, shl(5, b))
                mstore(tb, add(mload(tb), or(shl(64, add(amount, fee)), q)))
                let ts := add(words, shl(5, s))
                mstore(ts, add(mload(ts), or(shl(64, amount), q)))
                total := add(total, amount)
                fees := add(fees, fee)
            }
        }
        if (failedAt != type(uint256).max) {
            uint256 w;
            assembly ("memory-safe") {
                w := calldataload(add(trades.offset, mul(failedAt, FEE_TRADE_BYTES)))
            }
            if ((w >> 88) & 0xff > MAX_LEVEL) revert InvalidFeeLevel(failedAt);
            if ((w >> 24) & MASK64 > maxFee) revert FeeAboveMax(failedAt);
            // The fee-less checks first (index, quantity, sides, limits at the bare price), then the fee's part.
            _tradeFailure(trades, orders, n, failedAt, FEE_TRADE_BYTES, false);
            revert FeeAboveBuyerLimit(failedAt);
        }
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
    function withdrawalOf(address account) external view returns (uint256 amount, uint64 readyAt, uint64 expiresAt) {
        uint256 request = _withdrawals[account];
        return (request & MASK128, uint64(request >> 128), uint64(request >> 192));
    }

    /// @notice Escrow balance minus the amount an unexpired withdrawal request reserves: what new buy orders may
    ///         count on (the input of the nodes' escrow rule before clearing).
    function availableOf(address account) public view returns (uint256) {
        uint256 index = _accounts[account] & INDEX_MASK;
        uint256 balance = index == 0 ? 0 : _households[index] & BALANCE_MASK;
        uint256 request = _withdrawals[account];
        uint256 reserved = block.timestamp > uint64(request >> 192) ? 0 : request & MASK128;
        return reserved >= balance ? 0 : balance - reserved;
    }

    /// @notice `availableOf` of each account, in one call: the escrow snapshot the nodes' pre-clearing rule reads at
    ///         an interval's reference block (docs/protocol.md, "Escrow cover").
    function availableOfMany(address[] calldata accounts) external view returns (uint256[] memory available) {
        available = new uint256[](accounts.length);
        for (uint256 i; i < accounts.length; ++i) {
            available[i] = availableOf(accounts[i]);
        }
    }

    /// @notice Whether `settle` refuses the order `orderId` (nonce `nonce`) of `account` in `interval`.
    function isCancelled(address account, uint64 interval, bytes32 orderId, uint64 nonce)
        external
        view
        returns (bool)
    {
        return _cancelledOrders[account][interval][orderId] || nonce < _nonceFloor[account][interval];
    }

    /// @notice The quorum of the intervals from the latest registry boundary on: floor(registeredCount / 2) + 1
    ///         (docs/protocol.md, "Quorum"). `settle(k)` needs `quorumAt(k)`.
    function quorum() external view returns (uint256) {
        return registeredCount / 2 + 1;
    }

    /// @notice First and last block time at which `interval` can be settled.
    function settlementTimes(uint64 interval) external view returns (uint256 earliest, uint256 deadline) {
        earliest = uint256(interval) * intervalLength + settleDelay;
        deadline = earliest + settlementWindow;
    }

    /// @notice Flags of intervals 128·word .. 128·word + 127: bit b settled, bit 128 + b has on-chain cancels. One
    ///         call tells the escrow snapshot which of 128 intervals were settled at its reference block.
    function settledWord(uint256 word) external view returns (uint256) {
        return _settled[word];
    }

    function isSettled(uint64 interval) external view returns (bool) {
        return _settled[interval >> 7] & (1 << (interval & 127)) != 0;
    }

    /// @notice The EIP-712 domain separator orders are signed under.
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }
}
