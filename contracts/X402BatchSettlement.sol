// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IDepositCollector} from "./IDepositCollector.sol";

/// @title X402BatchSettlement
/// @notice Unidirectional payment channels for the x402 `batch-settlement` scheme (EVM binding), written for Ledgerline
///         from the scheme's specification and ABI-compatible with what npm package x402/evm 2.27's client, server scheme and
///         facilitator call (docs/design/x402-batch-settlement.md §1.4–1.5).
///
///         A payer deposits once into a channel; each request is paid by a *cumulative* voucher (channelId,
///         maxClaimableAmount) signed by the payer side; the receiver side claims any cumulative total up to the latest
///         signed ceiling and settles claimed funds to the receiver in batches. The payer's escape hatch is a timed
///         withdrawal of what is not yet claimed; the receiver side can refund the unused deposit at any time.
///
///         Accounting per channel: `balance` is what is escrowed for it (deposits minus refunds and withdrawals,
///         claimed or not); `totalClaimed` ≤ `balance` is the receiver side's cumulative entitlement. Claiming moves
///         no tokens: it moves entitlement to `receivers[receiver][token].totalClaimed`, and `settle` transfers the
///         part not yet settled. Hence this contract's balance of a token is always
///         Σ_channels (balance − totalClaimed) + Σ_receivers (totalClaimed − totalSettled) for that token.
///
///         Identity: `channelId` is the EIP-712 hash of the `ChannelConfig` under this contract's domain
///         ("x402 Batch Settlement", "1", chainId, address(this)), so it is bound to the chain and the deployment.
///         No storage is written at construction: the runtime code can be copied to the canonical address on a local
///         chain (anvil_setCode) and OpenZeppelin's EIP712 recomputes the domain for the new address.
contract X402BatchSettlement is EIP712, Multicall, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    struct ChannelConfig {
        address payer;
        /// @dev Signs vouchers by plain ECDSA when non-zero; zero means the payer signs (ERC-1271 allowed).
        address payerAuthorizer;
        address receiver;
        /// @dev Claims and refunds on the receiver's behalf (directly or by EIP-712 signature).
        address receiverAuthorizer;
        address token;
        uint40 withdrawDelay;
        bytes32 salt;
    }

    struct ChannelState {
        uint128 balance;
        uint128 totalClaimed;
    }

    struct WithdrawalState {
        uint128 amount;
        /// @dev 0: no withdrawal pending.
        uint40 initiatedAt;
    }

    struct ReceiverState {
        uint128 totalClaimed;
        uint128 totalSettled;
    }

    struct Voucher {
        ChannelConfig channel;
        uint128 maxClaimableAmount;
    }

    /// @dev `totalClaimed` is cumulative, not a delta: a row at or below what is already claimed is a no-op, which is
    ///      what makes a replayed voucher harmless.
    struct VoucherClaim {
        Voucher voucher;
        bytes signature;
        uint128 totalClaimed;
    }

    uint40 public constant MIN_WITHDRAW_DELAY = 15 minutes;
    uint40 public constant MAX_WITHDRAW_DELAY = 30 days;

    bytes32 public constant CHANNEL_CONFIG_TYPEHASH = keccak256(
        "ChannelConfig(address payer,address payerAuthorizer,address receiver,address receiverAuthorizer,address token,uint40 withdrawDelay,bytes32 salt)"
    );
    bytes32 public constant VOUCHER_TYPEHASH = keccak256("Voucher(bytes32 channelId,uint128 maxClaimableAmount)");
    bytes32 public constant REFUND_TYPEHASH = keccak256("Refund(bytes32 channelId,uint256 nonce,uint128 amount)");
    bytes32 public constant CLAIM_ENTRY_TYPEHASH =
        keccak256("ClaimEntry(bytes32 channelId,uint128 maxClaimableAmount,uint128 totalClaimed)");
    bytes32 public constant CLAIM_BATCH_TYPEHASH = keccak256(
        "ClaimBatch(ClaimEntry[] claims)ClaimEntry(bytes32 channelId,uint128 maxClaimableAmount,uint128 totalClaimed)"
    );

    // The four public mappings below are the only state npm package x402/evm reads: names, key order and member order are
    // part of the interface.
    mapping(bytes32 channelId => ChannelState) public channels;
    /// @notice Replay counter of `Refund` signatures; advanced by every refund (signed or direct), even one that
    ///         finds nothing left to refund.
    mapping(bytes32 channelId => uint256) public refundNonce;
    mapping(bytes32 channelId => WithdrawalState) public pendingWithdrawals;
    mapping(address receiver => mapping(address token => ReceiverState)) public receivers;

    event ChannelCreated(bytes32 indexed channelId, ChannelConfig config);
    event ChannelClosed(bytes32 indexed channelId, ChannelConfig config);
    event Deposited(bytes32 indexed channelId, address indexed sender, uint128 amount, uint128 newBalance);
    event Claimed(bytes32 indexed channelId, address indexed sender, uint128 claimAmount, uint128 newTotalClaimed);
    event Settled(address indexed receiver, address indexed token, address indexed sender, uint128 amount);
    event Refunded(bytes32 indexed channelId, address indexed sender, uint128 amount);
    event WithdrawInitiated(bytes32 indexed channelId, uint128 amount, uint40 finalizeAfter);
    event WithdrawFinalized(bytes32 indexed channelId, address indexed sender, uint128 amount);

    /// @notice A zero payer, receiver, receiver authorizer or token; or `initiateWithdraw` by anyone but the payer side
    ///         (kept as the specification's reference behaves, so tests written against it agree).
    error InvalidChannel();
    error ZeroDeposit();
    error DepositOverflow();
    /// @notice A voucher, claim-batch or refund signature that is not the required signer's.
    error InvalidSignature();
    /// @notice A row of a signed claim batch whose receiver authorizer is not the batch signer.
    error NotReceiverAuthorizer();
    error NotAuthorizedToClaim();
    error NotAuthorizedToRefund();
    /// @notice A claim above the voucher's signed cumulative ceiling.
    error ClaimExceedsCeiling();
    /// @notice A claim above what the channel holds.
    error ClaimExceedsBalance();
    error WithdrawalAlreadyPending();
    error WithdrawalNotPending();
    error NotAuthorizedToFinalizeWithdraw();
    error WithdrawDelayNotElapsed();
    error NothingToWithdraw();
    error WithdrawAmountExceedsAvailable();
    error WithdrawDelayOutOfRange();
    error EmptyBatch();
    /// @notice The collector did not deliver exactly the deposit (failed pull, fee-on-transfer token, …).
    error DepositCollectionFailed();
    error InvalidCollector();
    error InvalidRefundNonce();
    error ZeroRefund();

    constructor() EIP712("x402 Batch Settlement", "1") {}

    // ---------------------------------------------------------------------------------------------------------------
    // Deposit
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Escrows `amount` into the channel `config` names, pulled from the payer by `collector`. Anyone may call
    ///         (the collector's authorization is the payer's consent); the only trust placed in the collector is
    ///         checked: this contract's token balance must grow by exactly `amount`.
    function deposit(ChannelConfig calldata config, uint128 amount, address collector, bytes calldata collectorData)
        external
        nonReentrant
    {
        if (
            config.payer == address(0) || config.receiver == address(0) || config.receiverAuthorizer == address(0)
                || config.token == address(0)
        ) revert InvalidChannel();
        if (config.withdrawDelay < MIN_WITHDRAW_DELAY || config.withdrawDelay > MAX_WITHDRAW_DELAY) {
            revert WithdrawDelayOutOfRange();
        }
        if (amount == 0) revert ZeroDeposit();
        if (collector == address(0)) revert InvalidCollector();

        bytes32 channelId = getChannelId(config);
        ChannelState storage ch = channels[channelId];
        uint128 before = ch.balance;
        if (amount > type(uint128).max - before) revert DepositOverflow();
        ch.balance = before + amount;

        IERC20 token = IERC20(config.token);
        uint256 held = token.balanceOf(address(this));
        IDepositCollector(collector).collect(config.payer, config.token, amount, channelId, collectorData);
        if (token.balanceOf(address(this)) != held + amount) revert DepositCollectionFailed();

        if (before == 0 && ch.totalClaimed == 0) emit ChannelCreated(channelId, config);
        emit Deposited(channelId, msg.sender, amount, before + amount);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Claim and settle
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Applies voucher claims sent by the receiver side: for every row, `msg.sender` is that channel's
    ///         receiver or receiver authorizer.
    function claim(VoucherClaim[] calldata voucherClaims) external nonReentrant {
        uint256 n = voucherClaims.length;
        if (n == 0) revert EmptyBatch();
        for (uint256 i = 0; i < n; ++i) {
            ChannelConfig calldata c = voucherClaims[i].voucher.channel;
            if (msg.sender != c.receiver && msg.sender != c.receiverAuthorizer) revert NotAuthorizedToClaim();
            _claim(voucherClaims[i]);
        }
    }

    /// @notice Applies voucher claims authorized by the receiver authorizer's EIP-712 `ClaimBatch` signature; anyone
    ///         may relay. Every row must name the same receiver authorizer as the first.
    function claimWithSignature(VoucherClaim[] calldata voucherClaims, bytes calldata authorizerSignature)
        external
        nonReentrant
    {
        uint256 n = voucherClaims.length;
        if (n == 0) revert EmptyBatch();
        address authorizer = voucherClaims[0].voucher.channel.receiverAuthorizer;
        if (!SignatureChecker.isValidSignatureNow(authorizer, getClaimBatchDigest(voucherClaims), authorizerSignature)) {
            revert InvalidSignature();
        }
        for (uint256 i = 0; i < n; ++i) {
            if (voucherClaims[i].voucher.channel.receiverAuthorizer != authorizer) revert NotReceiverAuthorizer();
            _claim(voucherClaims[i]);
        }
    }

    /// @notice Transfers to `receiver` everything claimed for it in `token` and not yet settled. Permissionless: the
    ///         funds can only go to the receiver.
    function settle(address receiver, address token) external nonReentrant {
        ReceiverState storage rs = receivers[receiver][token];
        uint128 claimed = rs.totalClaimed;
        uint128 amount = claimed - rs.totalSettled;
        if (amount == 0) return;
        rs.totalSettled = claimed;
        IERC20(token).safeTransfer(receiver, amount);
        emit Settled(receiver, token, msg.sender, amount);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Timed withdrawal (the payer's escape hatch)
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Starts a withdrawal of up to `amount` of the unclaimed balance, final after the channel's
    ///         `withdrawDelay`. Only recorded claims reserve funds: the receiver side must claim its vouchers before.
    function initiateWithdraw(ChannelConfig calldata config, uint128 amount) external nonReentrant {
        if (msg.sender != config.payer && msg.sender != config.payerAuthorizer) revert InvalidChannel();
        if (amount == 0) revert NothingToWithdraw();
        bytes32 channelId = getChannelId(config);
        WithdrawalState storage ws = pendingWithdrawals[channelId];
        if (ws.initiatedAt != 0) revert WithdrawalAlreadyPending();
        ChannelState storage ch = channels[channelId];
        if (amount > ch.balance - ch.totalClaimed) revert WithdrawAmountExceedsAvailable();
        uint40 now40 = uint40(block.timestamp);
        ws.amount = amount;
        ws.initiatedAt = now40;
        emit WithdrawInitiated(channelId, amount, now40 + config.withdrawDelay);
    }

    /// @notice Completes a pending withdrawal once its delay has passed: pays the payer the pending amount, capped at
    ///         what is unclaimed *now*.
    function finalizeWithdraw(ChannelConfig calldata config) external nonReentrant {
        if (msg.sender != config.payer && msg.sender != config.payerAuthorizer) revert NotAuthorizedToFinalizeWithdraw();
        bytes32 channelId = getChannelId(config);
        WithdrawalState storage ws = pendingWithdrawals[channelId];
        uint256 initiatedAt = ws.initiatedAt;
        if (initiatedAt == 0) revert WithdrawalNotPending();
        if (block.timestamp < initiatedAt + config.withdrawDelay) revert WithdrawDelayNotElapsed();

        ChannelState storage ch = channels[channelId];
        uint128 available = ch.balance - ch.totalClaimed;
        uint128 amount = ws.amount < available ? ws.amount : available;
        delete pendingWithdrawals[channelId];
        ch.balance -= amount;

        emit WithdrawFinalized(channelId, msg.sender, amount);
        if (ch.balance == 0 && ch.totalClaimed == 0) emit ChannelClosed(channelId, config);
        if (amount > 0) IERC20(config.token).safeTransfer(config.payer, amount);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Cooperative refund
    // ---------------------------------------------------------------------------------------------------------------

    /// @notice Refunds up to `amount` of the unclaimed balance to the payer, sent by the receiver side.
    function refund(ChannelConfig calldata config, uint128 amount) external nonReentrant {
        if (msg.sender != config.receiver && msg.sender != config.receiverAuthorizer) revert NotAuthorizedToRefund();
        _refund(config, getChannelId(config), amount);
    }

    /// @notice Refunds up to `amount` of the unclaimed balance to the payer with the receiver authorizer's EIP-712
    ///         `Refund` signature over the channel's current `refundNonce`; anyone may relay.
    function refundWithSignature(
        ChannelConfig calldata config,
        uint128 amount,
        uint256 nonce,
        bytes calldata receiverAuthorizerSignature
    ) external nonReentrant {
        bytes32 channelId = getChannelId(config);
        if (nonce != refundNonce[channelId]) revert InvalidRefundNonce();
        if (
            !SignatureChecker.isValidSignatureNow(
                config.receiverAuthorizer, getRefundDigest(channelId, nonce, amount), receiverAuthorizerSignature
            )
        ) revert InvalidSignature();
        _refund(config, channelId, amount);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------------

    function getChannelId(ChannelConfig calldata config) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(CHANNEL_CONFIG_TYPEHASH, config)));
    }

    function getVoucherDigest(bytes32 channelId, uint128 maxClaimableAmount) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(VOUCHER_TYPEHASH, channelId, maxClaimableAmount)));
    }

    function getRefundDigest(bytes32 channelId, uint256 nonce, uint128 amount) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(REFUND_TYPEHASH, channelId, nonce, amount)));
    }

    /// @notice The EIP-712 digest of `ClaimBatch(ClaimEntry[] claims)` over the rows (an array is hashed as the
    ///         keccak of its members' struct hashes, concatenated).
    function getClaimBatchDigest(VoucherClaim[] calldata voucherClaims) public view returns (bytes32) {
        uint256 n = voucherClaims.length;
        bytes32[] memory entries = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            VoucherClaim calldata vc = voucherClaims[i];
            entries[i] = keccak256(
                abi.encode(
                    CLAIM_ENTRY_TYPEHASH, getChannelId(vc.voucher.channel), vc.voucher.maxClaimableAmount, vc.totalClaimed
                )
            );
        }
        return _hashTypedDataV4(keccak256(abi.encode(CLAIM_BATCH_TYPEHASH, keccak256(abi.encodePacked(entries)))));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------------------------

    /// @dev Raises the channel's cumulative claim to `vc.totalClaimed` if that is higher, within the signed ceiling and
    ///      the channel's balance, on a valid payer-side signature.
    function _claim(VoucherClaim calldata vc) private {
        ChannelConfig calldata c = vc.voucher.channel;
        bytes32 channelId = getChannelId(c);
        ChannelState storage ch = channels[channelId];
        uint128 already = ch.totalClaimed;
        uint128 target = vc.totalClaimed;
        if (target <= already) return;
        uint128 ceiling = vc.voucher.maxClaimableAmount;
        if (target > ceiling) revert ClaimExceedsCeiling();
        if (target > ch.balance) revert ClaimExceedsBalance();

        bytes32 digest = getVoucherDigest(channelId, ceiling);
        if (c.payerAuthorizer != address(0)) {
            (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, vc.signature);
            if (err != ECDSA.RecoverError.NoError || signer != c.payerAuthorizer) revert InvalidSignature();
        } else if (!SignatureChecker.isValidSignatureNow(c.payer, digest, vc.signature)) {
            revert InvalidSignature();
        }

        uint128 delta = target - already;
        ch.totalClaimed = target;
        receivers[c.receiver][c.token].totalClaimed += delta;
        emit Claimed(channelId, msg.sender, delta, target);
    }

    /// @dev Advances the refund nonce, then refunds `min(amount, balance − totalClaimed)` to the payer, shrinking (or
    ///      cancelling) a pending withdrawal by what was refunded.
    function _refund(ChannelConfig calldata config, bytes32 channelId, uint128 amount) private {
        if (amount == 0) revert ZeroRefund();
        unchecked {
            ++refundNonce[channelId];
        }
        ChannelState storage ch = channels[channelId];
        uint128 available = ch.balance - ch.totalClaimed;
        uint128 paid = amount < available ? amount : available;
        if (paid == 0) return;
        ch.balance -= paid;

        WithdrawalState storage ws = pendingWithdrawals[channelId];
        if (ws.initiatedAt != 0) {
            if (paid >= ws.amount) delete pendingWithdrawals[channelId];
            else ws.amount -= paid;
        }

        emit Refunded(channelId, msg.sender, paid);
        if (ch.balance == 0 && ch.totalClaimed == 0) emit ChannelClosed(channelId, config);
        IERC20(config.token).safeTransfer(config.payer, paid);
    }
}
