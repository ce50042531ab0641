// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ModelRegistry} from "./ModelRegistry.sol";
import {IEIP3009} from "./IEIP3009.sol";
import {EpochRoots} from "./EpochRoots.sol";
import {MarketParams} from "./MarketParams.sol";

/// @notice OPEN's record of what a used EIP-3009 nonce did (see OpenToken.authorizationUse).
interface IAuthorizationUse {
    function authorizationUse(address authorizer, bytes32 nonce) external view returns (bytes32);
}

/// @title InferenceMarket
/// @notice Escrowed payments for inferences, the on-chain fee split at settlement, refunds of unsettled
///         requests; operators' stakes (OperatorStakes), optimistic contributor epochs (EpochRoots) and the
///         governed parameters (MarketParams) come from its bases.
///
///         Accounting (every wei accounted for; the token balance of this contract is always
///         >= totalEscrow + totalCredits + (totalContributorPool - claimedTotal) + totalStaked + totalDisputeBonds):
///         - pay: price moves into escrow (`totalEscrow`), with the fee schedule in force.
///         - settle: escrow → credits (protocol, operator, builder) + the contributor pool.
///           Per-token models (ModelRegistry rates ≠ 0) escrow the payer's ceiling (`maxPrice`, the quote at
///           max_tokens, at least the fixed fee); the operator settles the charge actually served and
///           `ceiling - charged` goes straight back to the payer.
///         - refund: escrow → back to the payer.
///         - epochs/claim: claims never exceed the latest final root's total, which never exceeds the pool.
///
///         A request is keyed by (payer, requestHash): nobody can block someone else's request by using its hash
///         first. Settle and refund name the request hash as well as the id, so after a reorg renumbers requests
///         an operator's call cannot land on a different payer's request.
contract InferenceMarket is EpochRoots {
    using SafeERC20 for IERC20;

    bytes32 public constant TRANSFER_WITH_AUTHORIZATION_TYPEHASH = keccak256(
        "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );

    enum RequestStatus {
        None,
        Paid,
        Settled,
        Refunded
    }

    /// @dev Packed into four slots (three at payment, one more at settlement).
    struct Request {
        address payer;
        uint64 paidAt;
        RequestStatus status;
        uint16 builderBps;
        address builder;
        uint32 feeVersion;
        uint64 modelId;
        uint256 price;
        bytes32 requestHash;
        /// @notice The operator that submitted the authorization (it alone settles), then the one that settled.
        address operator;
    }

    ModelRegistry public immutable models;

    uint256 public requestCount;
    mapping(uint256 requestId => Request) private _requests;
    mapping(bytes32 key => uint256 requestId) private _requestIdByKey;
    /// @notice Authorizations this market opened a request from, submitted or adopted (keccak256(from, nonce)):
    ///         the token only says a nonce paid the market, not whether a request was opened from it already.
    mapping(bytes32 key => bool) public openedAuthorizations;

    /// @notice Sum of prices of requests that are Paid (neither settled nor refunded).
    uint256 public totalEscrow;

    event InferencePaid(
        uint256 indexed requestId,
        uint256 indexed modelId,
        address indexed payer,
        bytes32 requestHash,
        uint256 price,
        address builder,
        uint16 builderBps,
        bool viaAuthorization
    );
    event InferenceSettled(
        uint256 indexed requestId,
        uint256 indexed modelId,
        address indexed operator,
        address builder,
        address protocolTreasury,
        bytes32 outputHash,
        bytes32 attributionHash,
        uint256 price,
        uint256 protocolFee,
        uint256 operatorFee,
        uint256 builderFee,
        uint256 contributorPool
    );
    /// @notice The part of a per-token request's ceiling it was not charged, transferred back to its payer.
    event UnusedCeilingReturned(uint256 indexed requestId, address indexed payer, uint256 amount);
    event InferenceRefunded(uint256 indexed requestId, address indexed payer, uint256 amount, address by);
    /// @notice An authorization someone submitted to the token directly was opened as the payer's request.
    event AuthorizationAdopted(uint256 indexed requestId, address indexed payer, bytes32 nonce);
    event SurplusSwept(address indexed to, uint256 amount);

    error UnknownModel(uint256 modelId);
    error ModelInactive(uint256 modelId);
    error PriceAboveMax(uint256 price, uint256 maxPrice);
    error PriceMismatch(uint256 price, uint256 value);
    error RequestHashUsed(bytes32 requestHash);
    error ZeroRequestHash();
    error RequestNotPaid(uint256 requestId);
    error RequestHashMismatch(uint256 requestId, bytes32 requestHash);
    error NotRequestOperator(uint256 requestId, address operator);
    error NotRefundableYet(uint256 requestId, uint256 refundableAt);
    error AuthorizationNotToMarket(address from, bytes32 nonce);
    error AuthorizationAlreadyOpened(address from, bytes32 nonce);
    error InvalidAuthorization();
    error NoSurplus();
    error ChargeAboveCeiling(uint256 charged, uint256 ceiling);
    error CeilingBelowFee(uint256 ceiling, uint256 fee);

    /// @param batchSettlement_ The x402 batch-settlement contract whose settlements to this market {bookBatch} books
    ///        (zero: none on this chain, booking disabled).
    constructor(IERC20 token_, ModelRegistry models_, address governance, Params memory p, address batchSettlement_)
        MarketParams(token_, governance, p)
    {
        if (address(models_) == address(0)) revert ZeroAddress();
        models = models_;
        batchSettlement = IBatchSettlementReceiver(batchSettlement_);
        _settlementDomain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("x402 Batch Settlement"),
                keccak256("1"),
                block.chainid,
                batchSettlement_
            )
        );
    }

    // ---------------------------------------------------------------------------------------------
    // Paying
    // ---------------------------------------------------------------------------------------------

    /// @notice Pays the model's current price into escrow (needs an allowance); for a per-token model, the
    ///         ceiling `maxPrice` (settle returns what is not charged). `requestHash` commits to the
    ///         request (prompt etc.) and can be used once per payer.
    function pay(uint256 modelId, bytes32 requestHash, uint256 maxPrice)
        external
        nonReentrant
        returns (uint256 requestId)
    {
        (address builder, uint256 price, uint16 builderBps) = _checkPayable(msg.sender, modelId, requestHash, maxPrice);
        requestId = _open(msg.sender, modelId, requestHash, price, builder, builderBps, address(0));
        if (price > 0) token.safeTransferFrom(msg.sender, address(this), price);
    }

    /// @notice An operator submits the payer's EIP-3009 authorization (to = this contract, value = price, or for
    ///         a per-token model value = maxPrice, the ceiling). If
    ///         someone already submitted it to the token directly (front-running), the transfer has happened:
    ///         the market checks with the token that this nonce paid exactly `value` to it and opens the request
    ///         from it, so the payer loses nothing.
    function payWithAuthorization(
        uint256 modelId,
        bytes32 requestHash,
        uint256 maxPrice,
        address from,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes calldata signature
    ) external onlyOperator nonReentrant returns (uint256 requestId) {
        (address builder, uint256 price, uint16 builderBps) = _checkPayable(from, modelId, requestHash, maxPrice);
        if (value != price) revert PriceMismatch(price, value);
        bytes32 key = keccak256(abi.encode(from, nonce));
        if (openedAuthorizations[key]) revert AuthorizationAlreadyOpened(from, nonce);
        openedAuthorizations[key] = true;
        bytes32 use = IAuthorizationUse(address(token)).authorizationUse(from, nonce);
        if (use == bytes32(0)) {
            requestId = _open(from, modelId, requestHash, price, builder, builderBps, msg.sender);
            IEIP3009(address(token)).transferWithAuthorization(
                from, address(this), value, validAfter, validBefore, nonce, signature
            );
            return requestId;
        }
        // Used already, by someone else (no request was opened from it): adopt it only if that use was a transfer
        // of `value` to this market, signed by `from` for these exact terms.
        if (use != keccak256(abi.encode(address(this), value))) revert AuthorizationNotToMarket(from, nonce);
        bytes32 digest = MessageHashUtils.toTypedDataHash(
            IERC20Permit(address(token)).DOMAIN_SEPARATOR(),
            keccak256(
                abi.encode(
                    TRANSFER_WITH_AUTHORIZATION_TYPEHASH, from, address(this), value, validAfter, validBefore, nonce
                )
            )
        );
        if (!SignatureChecker.isValidSignatureNow(from, digest, signature)) revert InvalidAuthorization();
        // The front-run transfer must still be unaccounted for (not swept by governance meanwhile).
        if (surplus() < value) revert NoSurplus();
        requestId = _open(from, modelId, requestHash, price, builder, builderBps, msg.sender);
        emit AuthorizationAdopted(requestId, from, nonce);
    }

    function _checkPayable(address payer, uint256 modelId, bytes32 requestHash, uint256 maxPrice)
        private
        view
        returns (address builder, uint256 price, uint16 builderBps)
    {
        if (requestHash == bytes32(0)) revert ZeroRequestHash();
        if (_requestIdByKey[_key(payer, requestHash)] != 0) revert RequestHashUsed(requestHash);
        if (modelId == 0 || modelId > models.modelCount()) revert UnknownModel(modelId);
        bool active;
        uint256 inputRate;
        uint256 outputRate;
        (builder, price, builderBps, active, inputRate, outputRate) = models.pricing(modelId);
        if (!active) revert ModelInactive(modelId);
        if (inputRate | outputRate != 0) {
            // Per-token: the ceiling is escrowed; it must cover at least the fixed fee.
            if (maxPrice < price) revert CeilingBelowFee(maxPrice, price);
            price = maxPrice;
        } else if (price > maxPrice) {
            revert PriceAboveMax(price, maxPrice);
        }
    }

    function _open(
        address payer,
        uint256 modelId,
        bytes32 requestHash,
        uint256 price,
        address builder,
        uint16 builderBps,
        address operator
    ) private returns (uint256 requestId) {
        requestId = ++requestCount;
        _requestIdByKey[_key(payer, requestHash)] = requestId;
        Request storage r = _requests[requestId];
        r.payer = payer;
        r.paidAt = uint64(block.timestamp);
        r.status = RequestStatus.Paid;
        r.builderBps = builderBps;
        r.builder = builder;
        r.feeVersion = feeVersion();
        r.modelId = uint64(modelId);
        r.price = price;
        r.requestHash = requestHash;
        if (operator != address(0)) r.operator = operator;
        totalEscrow += price;
        emit InferencePaid(requestId, modelId, payer, requestHash, price, builder, builderBps, operator != address(0));
    }

    function _key(address payer, bytes32 requestHash) private pure returns (bytes32) {
        return keccak256(abi.encode(payer, requestHash));
    }

    /// @notice The request `payer` opened with `requestHash` (0 = none).
    function requestIdOf(address payer, bytes32 requestHash) external view returns (uint256) {
        return _requestIdByKey[_key(payer, requestHash)];
    }

    // ---------------------------------------------------------------------------------------------
    // Settling and refunding
    // ---------------------------------------------------------------------------------------------

    /// @notice Splits the fee of the base price: each share is floor(price * bps / 10000); the contributor
    ///         pool takes the remainder, so the four parts always sum to `price` exactly.
    function splitFees(uint256 price, uint16 protocolBps_, uint16 operatorBps_, uint16 builderBps_)
        public
        pure
        returns (uint256 protocolFee, uint256 operatorFee, uint256 builderFee, uint256 contributorPool)
    {
        protocolFee = Math.mulDiv(price, protocolBps_, BPS);
        operatorFee = Math.mulDiv(price, operatorBps_, BPS);
        builderFee = Math.mulDiv(price, builderBps_, BPS);
        // Reverts (checked arithmetic) only if the bps sum exceeds 10000, which the caps rule out.
        contributorPool = price - protocolFee - operatorFee - builderFee;
    }

    /// @notice An operator settles a paid request with the fee schedule it was paid under: credits protocol,
    ///         operator (the caller) and builder, and adds the contributor pool to {totalContributorPool}.
    ///         Charges the whole escrow.
    function settle(uint256 requestId, bytes32 requestHash, bytes32 outputHash, bytes32 attributionHash)
        external
        onlyOperator
        nonReentrant
    {
        _settle(requestId, requestHash, type(uint256).max, outputHash, attributionHash);
    }

    /// @notice Settles a per-token request for `charged` (the tokens served, at most the escrowed ceiling): the
    ///         fee split applies to `charged` and `ceiling - charged` is transferred back to the payer.
    function settle(uint256 requestId, bytes32 requestHash, uint256 charged, bytes32 outputHash, bytes32 attributionHash)
        external
        onlyOperator
        nonReentrant
    {
        _settle(requestId, requestHash, charged, outputHash, attributionHash);
    }

    /// @dev `charged` = type(uint256).max: the whole escrow.
    function _settle(uint256 requestId, bytes32 requestHash, uint256 charged, bytes32 outputHash, bytes32 attributionHash)
        private
    {
        Request storage r = _paidRequest(requestId, requestHash);
        address assigned = r.operator;
        if (assigned != address(0) && assigned != msg.sender) revert NotRequestOperator(requestId, msg.sender);
        r.status = RequestStatus.Settled;
        if (assigned == address(0)) r.operator = msg.sender;

        uint256 ceiling = r.price;
        uint256 price = charged == type(uint256).max ? ceiling : charged;
        if (price > ceiling) revert ChargeAboveCeiling(price, ceiling);
        FeeSchedule memory f = feeSchedule(r.feeVersion);
        (uint256 protocolFee, uint256 operatorFee, uint256 builderFee, uint256 pool) =
            splitFees(price, f.protocolBps, f.operatorBps, r.builderBps);
        address treasury = protocolTreasury;
        address builder = r.builder;
        credits[treasury] += protocolFee;
        credits[msg.sender] += operatorFee;
        credits[builder] += builderFee;
        totalCredits += protocolFee + operatorFee + builderFee;
        totalEscrow -= ceiling;
        totalContributorPool += pool;

        emit InferenceSettled(
            requestId,
            r.modelId,
            msg.sender,
            builder,
            treasury,
            outputHash,
            attributionHash,
            price,
            protocolFee,
            operatorFee,
            builderFee,
            pool
        );
        uint256 unused = ceiling - price;
        if (unused > 0) {
            address payer = r.payer;
            emit UnusedCeilingReturned(requestId, payer, unused);
            token.safeTransfer(payer, unused);
        }
    }

    /// @notice Returns an unsettled payment to its payer: at once when called by the request's operator (or any
    ///         operator when none submitted it) after a failed inference, by anyone once `paidAt + refundTimeout`
    ///         has passed. Another operator cannot cancel a request someone else is serving.
    function refund(uint256 requestId, bytes32 requestHash) external nonReentrant {
        Request storage r = _paidRequest(requestId, requestHash);
        address assigned = r.operator;
        bool early = isOperator(msg.sender) && (assigned == address(0) || assigned == msg.sender);
        if (!early) {
            uint256 refundableAt = uint256(r.paidAt) + refundTimeout;
            if (block.timestamp < refundableAt) revert NotRefundableYet(requestId, refundableAt);
        }
        r.status = RequestStatus.Refunded;
        uint256 amount = r.price;
        address payer = r.payer;
        totalEscrow -= amount;
        emit InferenceRefunded(requestId, payer, amount, msg.sender);
        if (amount > 0) token.safeTransfer(payer, amount);
    }

    function _paidRequest(uint256 requestId, bytes32 requestHash) private view returns (Request storage r) {
        r = _requests[requestId];
        if (r.status != RequestStatus.Paid) revert RequestNotPaid(requestId);
        if (r.requestHash != requestHash) revert RequestHashMismatch(requestId, requestHash);
    }

    // ---------------------------------------------------------------------------------------------
    // Surplus
    // ---------------------------------------------------------------------------------------------

    /// @notice Tokens held beyond what the market owes, e.g. sent to it directly. (A front-run authorization is
    ///         not surplus for long: {payWithAuthorization} adopts it.) Channel funds the batch-settlement contract
    ///         paid the market and {bookBatch} has not booked yet are owed, not surplus.
    function surplus() public view returns (uint256) {
        uint256 owed = totalEscrow + totalCredits + (totalContributorPool - claimedTotal) + totalStaked
            + totalDisputeBonds + unbookedChannelFunds();
        uint256 balance = token.balanceOf(address(this));
        return balance > owed ? balance - owed : 0;
    }

    /// @notice Governance sends the {surplus} somewhere.
    function sweepSurplus(address to) external onlyRole(DEFAULT_ADMIN_ROLE) nonReentrant {
        if (to == address(0)) revert ZeroAddress();
        uint256 amount = surplus();
        if (amount == 0) revert NoSurplus();
        emit SurplusSwept(to, amount);
        token.safeTransfer(to, amount);
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    function getRequest(uint256 requestId) external view returns (Request memory) {
        return _requests[requestId];
    }

    // ---------------------------------------------------------------------------------------------
    // Batched booking (x402 batch-settlement, issue 16)
    // ---------------------------------------------------------------------------------------------
    //
    // A payer's channel in the batch-settlement contract pays this market (its `receiver`) once the operator has
    // claimed the payer's vouchers and the claimed funds are settled. {bookBatch} then books the inferences those
    // funds paid for: one operator transaction for many inferences, each with the fee split a single settle applies.
    //
    // Records are grouped by channel. The market keeps one cursor per channel, {bookedOf}: the wei booked against it.
    // A group is accepted only if bookedOf[channel] + Σ charged(group) ≤ the channel's cumulative `totalClaimed` in
    // the settlement contract; the cursor then moves by Σ. So:
    //   - the payer of every record is the channel's payer (named by the channel, not by the operator);
    //   - the channel is one paying this market in the market token: the market derives the channel id itself with
    //     `receiver = this` and `token = token`, so a channel paying anyone else or in another token is another id,
    //     whose claims on this market are nothing (BookingExceedsChannel);
    //   - nothing books twice: a replayed group or batch finds its channel's claims already booked;
    //   - per channel, the operator books at most what that payer's signed vouchers paid.
    // Funds bound, as well: Σ booked ≤ what the settlement contract's own accounting says it has paid the market
    // (`receivers(market, token).totalSettled`, settling first if needed), never its token balance (anyone can push
    // tokens in). The difference is owed (kept out of {surplus}) until booked.
    // Request-hash uniqueness across batches is an off-chain property (the server's batch_charges table charges a
    // request hash once); on-chain, a group's records are strictly increasing in (modelId, requestHash), so a request
    // hash is booked at most once per channel and model in a batch, and never zero.
    //
    // Layout of `batch` (big-endian, packed, groups concatenated; lib/chain/bookings.ts encodes and decodes it):
    //   group header (GROUP_HEADER_SIZE = 99 bytes): the channel's config without receiver and token
    //     [0, 20)    payer               address
    //     [20, 40)   payerAuthorizer     address
    //     [40, 60)   receiverAuthorizer  address
    //     [60, 65)   withdrawDelay       uint40
    //     [65, 97)   salt                bytes32
    //     [97, 99)   count               uint16 (≥ 1): records that follow
    //   record (RECORD_SIZE = 80 bytes)
    //     [0, 4)     modelId             uint32
    //     [4, 16)    charged             uint96, wei (2^96 wei ≈ 7.9e10 OPEN, 79× the whole supply)
    //     [16, 48)   requestHash         bytes32
    //     [48, 80)   resultHash          bytes32: keccak256(outputHash ‖ attributionHash)
    // The market never reads the answer's hashes, only commits to them through `batchHash`; one hash of the two
    // instead of both saves 32 calldata bytes a record, and the EIP-7623 calldata floor is what a large batch pays.
    //
    // Events, chosen for gas: one {InferencesBooked} per batch with the batch's totals, fee bps and `batchHash` =
    // keccak256(batch), plus one {BookedModel} per model the batch books (its builder and builderBps; again if the batch
    // books more than MODEL_CACHE models). The records themselves are public in the transaction's calldata, which the
    // indexer reads and checks against `batchHash` (lib/chain/bookings.ts `bookingBatchOf`). Measured with 112-byte
    // records: re-emitting the batch in the event costs 8 gas a byte (~900 a record) and took 100 records from 10
    // channels from 4,771 to 5,383 gas an inference, over the issue's 5,000. The fees of each record are a pure
    // function of its `charged` and the batch's bps (`splitFees`), so the indexer derives the same rows a single
    // settle's {InferenceSettled} gives, to the wei (lib/chain/bookings.ts `bookedRows`).

    /// @notice Bytes per channel group header in {bookBatch}.
    uint256 public constant GROUP_HEADER_SIZE = 99;
    /// @notice Bytes per packed record in {bookBatch}.
    uint256 public constant RECORD_SIZE = 80;
    /// @dev X402BatchSettlement.CHANNEL_CONFIG_TYPEHASH (the market derives channel ids as the settlement does).
    bytes32 private constant CHANNEL_CONFIG_TYPEHASH = keccak256(
        "ChannelConfig(address payer,address payerAuthorizer,address receiver,address receiverAuthorizer,address token,uint40 withdrawDelay,bytes32 salt)"
    );

    /// @notice The x402 batch-settlement contract whose payments to this market are booked (zero: none).
    IBatchSettlementReceiver public immutable batchSettlement;
    /// @dev The settlement contract's EIP-712 domain separator ("x402 Batch Settlement", "1", chain, address).
    bytes32 private immutable _settlementDomain;

    /// @notice Σ charged over every booked record: never above what the settlement contract has paid the market.
    uint128 public totalBooked;
    /// @notice Booked batches so far (the last batch's id).
    uint64 public bookingCount;
    /// @notice Wei booked against each channel: never above the channel's `totalClaimed` in the settlement contract.
    mapping(bytes32 channelId => uint256) public bookedOf;

    /// @notice A batch of inferences booked by `operator` under the fee schedule in force (`protocolBps`,
    ///         `operatorBps`); `batchHash` is keccak256 of the packed channel groups as sent (the `batch` argument of the
    ///         transaction's {bookBatch} call). Each record's split is
    ///         `splitFees(charged, protocolBps, operatorBps, builderBps of its model)`, builders and builderBps given
    ///         by this batch's {BookedModel} events; the sums are the batch's totals.
    event InferencesBooked(
        uint256 indexed batchId,
        address indexed operator,
        address protocolTreasury,
        uint16 protocolBps,
        uint16 operatorBps,
        uint256 total,
        uint256 protocolFee,
        uint256 operatorFee,
        uint256 builderFee,
        uint256 contributorPool,
        bytes32 batchHash
    );
    /// @notice The builder and builder share that records of `modelId` in batch `batchId` were booked with (emitted
    ///         when the batch first books the model, before {InferencesBooked}).
    event BookedModel(uint256 indexed batchId, uint256 indexed modelId, address builder, uint16 builderBps);

    /// @notice No batch-settlement contract on this chain.
    error BookingDisabled();
    error EmptyBooking();
    /// @notice The group at byte `pos` is cut short, or holds no record.
    error MalformedBooking(uint256 pos);
    /// @notice The record at byte `pos` is not after the one before it in its group in (modelId, requestHash) order.
    error BookingUnordered(uint256 pos);
    /// @notice The record at byte `pos` has a zero request hash.
    error BookingZeroRequestHash(uint256 pos);
    /// @notice Booking would take channel `channelId` to `booked`, above the `claimed` its vouchers paid this market.
    error BookingExceedsChannel(bytes32 channelId, uint256 booked, uint256 claimed);
    /// @notice Booking would take Σ booked to `booked`, above the `settled` the settlement contract has paid the market.
    error BookingExceedsSettled(uint256 booked, uint256 settled);

    /// @dev Distinct models a {bookBatch} keeps looked up at once (more: the builders so far are credited and the
    ///      cache starts over, a model then looked up and announced again).
    uint256 private constant MODEL_CACHE = 16;

    /// @dev Running state of one {bookBatch}: the batch's sums and the models looked up so far, with the builder fees
    ///      of each not credited yet.
    struct Booking {
        uint256 total;
        uint256 protocolFee;
        uint256 operatorFee;
        uint256 builderFee;
        uint256 protocolBps;
        uint256 operatorBps;
        uint256 batchId;
        uint256 models;
        uint256[MODEL_CACHE] modelId;
        address[MODEL_CACHE] builder;
        uint256[MODEL_CACHE] builderBps;
        uint256[MODEL_CACHE] builderRun;
    }

    /// @notice An operator books inferences paid through batch-settlement channels, `batch` packed as described
    ///         above. All or nothing: any bad group or record reverts the batch. Credits protocol (treasury), operator
    ///         (the caller) and each model's builder, adds the contributor pools to {totalContributorPool}. If what the
    ///         settlement contract has paid the market does not cover the batch, it first settles what the market
    ///         has claimed there (permissionless `settle`), then checks again.
    function bookBatch(bytes calldata batch) external onlyOperator nonReentrant returns (uint256 batchId) {
        IBatchSettlementReceiver settlement = batchSettlement;
        if (address(settlement) == address(0)) revert BookingDisabled();
        uint256 len = batch.length;
        if (len == 0) revert EmptyBooking();
        batchId = ++bookingCount;

        FeeSchedule memory f = feeSchedule(feeVersion());
        Booking memory b;
        b.protocolBps = f.protocolBps;
        b.operatorBps = f.operatorBps;
        b.batchId = batchId;
        for (uint256 pos = 0; pos < len;) {
            pos = _bookGroup(settlement, batch, pos, b);
        }
        _creditBuilders(b);

        uint256 booked = totalBooked + b.total;
        (uint128 claimed, uint128 settled) = settlement.receivers(address(this), address(token));
        if (booked > settled && claimed > settled) {
            settlement.settle(address(this), address(token));
            (, settled) = settlement.receivers(address(this), address(token));
        }
        if (booked > settled) revert BookingExceedsSettled(booked, settled);
        totalBooked = uint128(booked);

        // Each record's pool is charged − its three fees, so the batch's pool is the total − the three sums.
        uint256 pool = b.total - b.protocolFee - b.operatorFee - b.builderFee;
        address treasury = protocolTreasury;
        credits[treasury] += b.protocolFee;
        credits[msg.sender] += b.operatorFee;
        totalCredits += b.protocolFee + b.operatorFee;
        totalContributorPool += pool;
        emit InferencesBooked(
            batchId,
            msg.sender,
            treasury,
            f.protocolBps,
            f.operatorBps,
            b.total,
            b.protocolFee,
            b.operatorFee,
            b.builderFee,
            pool,
            keccak256(batch)
        );
    }

    /// @dev Books the channel group at byte `pos` of `batch`; returns where the next group starts.
    function _bookGroup(IBatchSettlementReceiver settlement, bytes calldata batch, uint256 pos, Booking memory b)
        private
        returns (uint256 end)
    {
        bytes32 channelId;
        {
            uint256 len = batch.length;
            if (pos + GROUP_HEADER_SIZE > len) revert MalformedBooking(pos);
            uint256 count;
            bytes32 domain = _settlementDomain;
            address market = address(this);
            address token_ = address(token);
            bytes32 typehash = CHANNEL_CONFIG_TYPEHASH;
            assembly ("memory-safe") {
                let h := add(batch.offset, pos)
                let m := mload(0x40)
                // abi.encode(CHANNEL_CONFIG_TYPEHASH, payer, payerAuthorizer, receiver, receiverAuthorizer, token,
                //            withdrawDelay, salt)
                mstore(m, typehash)
                mstore(add(m, 0x20), shr(96, calldataload(h)))
                mstore(add(m, 0x40), shr(96, calldataload(add(h, 20))))
                mstore(add(m, 0x60), market)
                mstore(add(m, 0x80), shr(96, calldataload(add(h, 40))))
                mstore(add(m, 0xa0), token_)
                mstore(add(m, 0xc0), shr(216, calldataload(add(h, 60))))
                mstore(add(m, 0xe0), calldataload(add(h, 65)))
                let structHash := keccak256(m, 0x100)
                // EIP-712: keccak256("\x19\x01" ‖ domainSeparator ‖ structHash)
                mstore(m, 0x1901)
                mstore(add(m, 0x20), domain)
                mstore(add(m, 0x40), structHash)
                channelId := keccak256(add(m, 30), 66)
                count := shr(240, calldataload(add(h, 97)))
            }
            end = pos + GROUP_HEADER_SIZE + count * RECORD_SIZE;
            if (count == 0 || end > len) revert MalformedBooking(pos);
            pos += GROUP_HEADER_SIZE;
        }

        uint256 groupTotal;
        uint256 protocolSum;
        uint256 operatorSum;
        uint256 run; // builder fees of the current run of one model
        uint256 slot = type(uint256).max; // the current model's cache entry
        uint256 builderBps;
        uint256 prevModel; // modelId + 1 of the record before (0: none, so the first record always looks its model up)
        uint256 prevHash;
        uint256 protocolBps = b.protocolBps;
        uint256 operatorBps = b.operatorBps;
        for (; pos < end; pos += RECORD_SIZE) {
            uint256 modelId; // + 1
            uint256 charged;
            uint256 requestHash;
            assembly ("memory-safe") {
                let r := add(batch.offset, pos)
                let w := calldataload(r)
                modelId := add(shr(224, w), 1)
                charged := and(shr(128, w), 0xffffffffffffffffffffffff)
                requestHash := calldataload(add(r, 16))
            }
            if (modelId != prevModel) {
                if (modelId < prevModel) revert BookingUnordered(pos);
                prevModel = modelId;
                prevHash = 0;
                if (run != 0) _addBuilderRun(b, slot, run);
                run = 0;
                slot = _modelSlot(b, modelId - 1);
                builderBps = b.builderBps[slot];
            }
            if (requestHash <= prevHash) {
                if (requestHash == 0) revert BookingZeroRequestHash(pos);
                revert BookingUnordered(pos);
            }
            prevHash = requestHash;
            // splitFees without mulDiv: charged < 2^96 and bps ≤ 10000, so charged·bps cannot overflow and the floor
            // is the same. protocolBps + operatorBps ≤ MAX_FEE_BPS and builderBps ≤ MAX_BUILDER_BPS keep the three fees
            // ≤ charged, so the pool (charged − the fees) is never negative.
            unchecked {
                groupTotal += charged;
                protocolSum += charged * protocolBps / BPS;
                operatorSum += charged * operatorBps / BPS;
                run += charged * builderBps / BPS;
            }
        }
        if (run != 0) _addBuilderRun(b, slot, run);

        uint256 booked = bookedOf[channelId] + groupTotal;
        (, uint128 channelClaimed) = settlement.channels(channelId);
        if (booked > channelClaimed) revert BookingExceedsChannel(channelId, booked, channelClaimed);
        bookedOf[channelId] = booked;
        b.total += groupTotal;
        b.protocolFee += protocolSum;
        b.operatorFee += operatorSum;
    }

    /// @dev The cache entry of `modelId`, looked up (and announced with {BookedModel}) on first use in the batch.
    function _modelSlot(Booking memory b, uint256 modelId) private returns (uint256 slot) {
        uint256 n = b.models;
        for (uint256 i = 0; i < n; ++i) {
            if (b.modelId[i] == modelId) return i;
        }
        if (n == MODEL_CACHE) {
            _creditBuilders(b);
            n = 0;
        }
        (address builder, uint16 builderBps) = _bookingPricing(modelId);
        b.modelId[n] = modelId;
        b.builder[n] = builder;
        b.builderBps[n] = builderBps;
        b.builderRun[n] = 0;
        b.models = n + 1;
        emit BookedModel(b.batchId, modelId, builder, builderBps);
        return n;
    }

    function _addBuilderRun(Booking memory b, uint256 slot, uint256 run) private pure {
        b.builderRun[slot] += run;
        b.builderFee += run;
    }

    /// @dev Credits the builder fees gathered in the model cache and empties it.
    function _creditBuilders(Booking memory b) private {
        uint256 n = b.models;
        for (uint256 i = 0; i < n; ++i) {
            if (b.builderRun[i] != 0) _credit(b.builder[i], b.builderRun[i]);
        }
        b.models = 0;
    }

    /// @dev The one call into ModelRegistry.pricing of this section: the builder and builder share a record is split
    ///      with (unknown models revert there with UnknownModel; an inactive model's already-paid inferences still
    ///      book).
    function _bookingPricing(uint256 modelId) private view returns (address builder, uint16 builderBps) {
        (builder,, builderBps,,,) = models.pricing(modelId);
    }

    /// @notice The id the settlement contract gives the channel paying this market in the market token with these
    ///         other members (the channel a {bookBatch} group header names).
    function bookingChannelId(
        address payer,
        address payerAuthorizer,
        address receiverAuthorizer,
        uint40 withdrawDelay,
        bytes32 salt
    ) external view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(
                CHANNEL_CONFIG_TYPEHASH, payer, payerAuthorizer, address(this), receiverAuthorizer, address(token),
                withdrawDelay, salt
            )
        );
        return keccak256(abi.encodePacked(hex"1901", _settlementDomain, structHash));
    }

    /// @notice What the batch-settlement contract has paid this market that is not booked yet (owed: not surplus).
    function unbookedChannelFunds() public view returns (uint256) {
        IBatchSettlementReceiver settlement = batchSettlement;
        if (address(settlement).code.length == 0) return 0;
        (, uint128 settled) = settlement.receivers(address(this), address(token));
        return settled - totalBooked;
    }
}

/// @notice What InferenceMarket uses of the x402 batch-settlement contract (contracts/X402BatchSettlement.sol).
interface IBatchSettlementReceiver {
    function receivers(address receiver, address token) external view returns (uint128 totalClaimed, uint128 totalSettled);
    function channels(bytes32 channelId) external view returns (uint128 balance, uint128 totalClaimed);
    function settle(address receiver, address token) external;
}
