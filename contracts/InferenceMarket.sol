// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ModelRegistry} from "./ModelRegistry.sol";
import {IEIP3009} from "./IEIP3009.sol";

/// @title InferenceMarket
/// @notice Escrowed payments for inferences, the on-chain fee split at settlement, refunds of unsettled
///         requests, and contributor payouts by cumulative Merkle epochs.
///
///         Accounting (every wei accounted for; the token balance of this contract is always
///         >= totalEscrow + totalCredits + (totalContributorPool - claimedTotal)):
///         - pay: price moves into escrow (`totalEscrow`).
///         - settle: escrow → credits (protocol, operator, builder; pull pattern via {withdraw}) + the
///           contributor pool (`totalContributorPool`, which takes the rounding remainder).
///         - refund: escrow → back to the payer.
///         - postEpoch/claim: the operator posts a root of cumulative per-account earnings; its total may
///           never exceed the settled pool, and claims may never exceed the posted total.
contract InferenceMarket is AccessControl, ReentrancyGuard {
    using SafeERC20 for IERC20;

    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    /// @notice Cap on protocolBps + operatorBps (builder shares are capped at 5000 by ModelRegistry).
    uint16 public constant MAX_FEE_BPS = 5000;
    uint16 public constant BPS = 10_000;

    enum RequestStatus {
        None,
        Paid,
        Settled,
        Refunded
    }

    struct Request {
        address payer;
        uint256 modelId;
        uint256 price;
        address builder;
        uint16 builderBps;
        uint64 paidAt;
        RequestStatus status;
        bytes32 requestHash;
        bytes32 outputHash;
        bytes32 attributionHash;
    }

    IERC20 public immutable token;
    ModelRegistry public immutable models;

    address public protocolTreasury;
    uint16 public protocolBps;
    uint16 public operatorBps;
    uint64 public refundTimeout;

    uint256 public requestCount;
    mapping(uint256 requestId => Request) private _requests;
    mapping(bytes32 requestHash => uint256 requestId) public requestIdByHash;

    /// @notice Withdrawable balances credited at settlement (protocol treasury, operators, builders).
    mapping(address account => uint256 amount) public credits;
    /// @notice Sum of prices of requests that are Paid (neither settled nor refunded).
    uint256 public totalEscrow;
    /// @notice Sum of unwithdrawn credits.
    uint256 public totalCredits;
    /// @notice Cumulative contributor pool of all settled requests.
    uint256 public totalContributorPool;
    /// @notice Cumulative amount paid out by {claim}, all accounts.
    uint256 public claimedTotal;
    /// @notice Cumulative amount claimed per account.
    mapping(address account => uint256 amount) public claimed;

    uint256 public epoch;
    bytes32 public epochRoot;
    uint256 public epochTotal;
    /// @notice Root posted for each epoch (history; claims use the current one).
    mapping(uint256 epoch => bytes32 root) public epochRoots;

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
    event InferenceRefunded(uint256 indexed requestId, address indexed payer, uint256 amount, address by);
    event EpochPosted(uint256 indexed epoch, bytes32 root, uint256 cumulativeTotal);
    event Claimed(address indexed account, uint256 indexed epoch, uint256 amount, uint256 cumulativeAmount);
    event Withdrawn(address indexed account, uint256 amount);
    /// @notice Emitted at deployment and on every parameter change, with all current values.
    event ParamsChanged(address protocolTreasury, uint16 protocolBps, uint16 operatorBps, uint64 refundTimeout);
    event SurplusSwept(address indexed to, uint256 amount);

    error UnknownModel(uint256 modelId);
    error ModelInactive(uint256 modelId);
    error PriceAboveMax(uint256 price, uint256 maxPrice);
    error PriceMismatch(uint256 price, uint256 value);
    error RequestHashUsed(bytes32 requestHash);
    error ZeroRequestHash();
    error RequestNotPaid(uint256 requestId);
    error NotRefundableYet(uint256 requestId, uint256 refundableAt);
    error EpochInsolvent(uint256 cumulativeTotal, uint256 settledPool);
    error EpochTotalDecreased(uint256 previous, uint256 next);
    error ZeroRoot();
    error NoEpoch();
    error InvalidProof();
    error NothingToClaim(address account);
    error ClaimExceedsEpochTotal(uint256 claimedTotal, uint256 amount, uint256 epochTotal);
    error NothingToWithdraw();
    error FeesTooHigh(uint16 protocolBps, uint16 operatorBps);
    error ZeroAddress();
    error NoSurplus();

    constructor(
        IERC20 token_,
        ModelRegistry models_,
        address admin,
        address protocolTreasury_,
        uint16 protocolBps_,
        uint16 operatorBps_,
        uint64 refundTimeout_
    ) {
        if (address(token_) == address(0) || address(models_) == address(0) || admin == address(0)) {
            revert ZeroAddress();
        }
        token = token_;
        models = models_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _setTreasury(protocolTreasury_);
        _setFees(protocolBps_, operatorBps_);
        refundTimeout = refundTimeout_;
        _emitParams();
    }

    // ---------------------------------------------------------------------------------------------
    // Paying
    // ---------------------------------------------------------------------------------------------

    /// @notice Pays the model's current price into escrow (needs an allowance). `requestHash` commits to the
    ///         request (prompt etc.) and can be used once.
    function pay(uint256 modelId, bytes32 requestHash, uint256 maxPrice)
        external
        nonReentrant
        returns (uint256 requestId)
    {
        (address builder, uint256 price, uint16 builderBps) = _checkPayable(modelId, requestHash, maxPrice);
        requestId = _open(msg.sender, modelId, requestHash, price, builder, builderBps, false);
        if (price > 0) token.safeTransferFrom(msg.sender, address(this), price);
    }

    /// @notice The operator submits the payer's EIP-3009 authorization (to = this contract, value = price).
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
    ) external onlyRole(OPERATOR_ROLE) nonReentrant returns (uint256 requestId) {
        (address builder, uint256 price, uint16 builderBps) = _checkPayable(modelId, requestHash, maxPrice);
        if (value != price) revert PriceMismatch(price, value);
        requestId = _open(from, modelId, requestHash, price, builder, builderBps, true);
        IEIP3009(address(token)).transferWithAuthorization(
            from, address(this), value, validAfter, validBefore, nonce, signature
        );
    }

    function _checkPayable(uint256 modelId, bytes32 requestHash, uint256 maxPrice)
        private
        view
        returns (address builder, uint256 price, uint16 builderBps)
    {
        if (requestHash == bytes32(0)) revert ZeroRequestHash();
        if (requestIdByHash[requestHash] != 0) revert RequestHashUsed(requestHash);
        if (modelId == 0 || modelId > models.modelCount()) revert UnknownModel(modelId);
        bool active;
        (builder, price, builderBps, active) = models.pricing(modelId);
        if (!active) revert ModelInactive(modelId);
        if (price > maxPrice) revert PriceAboveMax(price, maxPrice);
    }

    function _open(
        address payer,
        uint256 modelId,
        bytes32 requestHash,
        uint256 price,
        address builder,
        uint16 builderBps,
        bool viaAuthorization
    ) private returns (uint256 requestId) {
        requestId = ++requestCount;
        requestIdByHash[requestHash] = requestId;
        Request storage r = _requests[requestId];
        r.payer = payer;
        r.modelId = modelId;
        r.price = price;
        r.builder = builder;
        r.builderBps = builderBps;
        r.paidAt = uint64(block.timestamp);
        r.status = RequestStatus.Paid;
        r.requestHash = requestHash;
        totalEscrow += price;
        emit InferencePaid(requestId, modelId, payer, requestHash, price, builder, builderBps, viaAuthorization);
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

    /// @notice The operator settles a paid request: credits protocol, operator (the caller) and builder,
    ///         and adds the contributor pool to {totalContributorPool}.
    function settle(uint256 requestId, bytes32 outputHash, bytes32 attributionHash)
        external
        onlyRole(OPERATOR_ROLE)
        nonReentrant
    {
        Request storage r = _requests[requestId];
        if (r.status != RequestStatus.Paid) revert RequestNotPaid(requestId);
        r.status = RequestStatus.Settled;
        r.outputHash = outputHash;
        r.attributionHash = attributionHash;

        uint256 price = r.price;
        (uint256 protocolFee, uint256 operatorFee, uint256 builderFee, uint256 pool) =
            splitFees(price, protocolBps, operatorBps, r.builderBps);
        address treasury = protocolTreasury;
        address builder = r.builder;
        credits[treasury] += protocolFee;
        credits[msg.sender] += operatorFee;
        credits[builder] += builderFee;
        totalCredits += protocolFee + operatorFee + builderFee;
        totalEscrow -= price;
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
    }

    /// @notice Returns an unsettled payment to its payer: at once when called by an operator (failed
    ///         inference), by anyone once `paidAt + refundTimeout` has passed.
    function refund(uint256 requestId) external nonReentrant {
        Request storage r = _requests[requestId];
        if (r.status != RequestStatus.Paid) revert RequestNotPaid(requestId);
        if (!hasRole(OPERATOR_ROLE, msg.sender)) {
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

    // ---------------------------------------------------------------------------------------------
    // Contributor epochs
    // ---------------------------------------------------------------------------------------------

    /// @notice Posts a Merkle root of cumulative contributor earnings (leaves: OZ StandardMerkleTree of
    ///         (address account, uint256 cumulativeAmount)). `cumulativeTotal` is the sum of the leaves.
    function postEpoch(bytes32 root, uint256 cumulativeTotal) external onlyRole(OPERATOR_ROLE) {
        if (root == bytes32(0)) revert ZeroRoot();
        if (cumulativeTotal > totalContributorPool) revert EpochInsolvent(cumulativeTotal, totalContributorPool);
        if (cumulativeTotal < epochTotal) revert EpochTotalDecreased(epochTotal, cumulativeTotal);
        uint256 e = ++epoch;
        epochRoot = root;
        epochTotal = cumulativeTotal;
        epochRoots[e] = root;
        emit EpochPosted(e, root, cumulativeTotal);
    }

    /// @notice Pays `account` the difference between its cumulative amount in the current epoch and what it
    ///         has claimed. Anyone may submit; tokens always go to `account`.
    function claim(address account, uint256 cumulativeAmount, bytes32[] calldata proof) external nonReentrant {
        uint256 e = epoch;
        if (e == 0) revert NoEpoch();
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(account, cumulativeAmount))));
        if (!MerkleProof.verifyCalldata(proof, epochRoot, leaf)) revert InvalidProof();
        uint256 already = claimed[account];
        if (cumulativeAmount <= already) revert NothingToClaim(account);
        uint256 amount = cumulativeAmount - already;
        uint256 newClaimedTotal = claimedTotal + amount;
        // Solvency even if a posted tree's leaves sum to more than its declared total.
        if (newClaimedTotal > epochTotal) revert ClaimExceedsEpochTotal(claimedTotal, amount, epochTotal);
        claimed[account] = cumulativeAmount;
        claimedTotal = newClaimedTotal;
        emit Claimed(account, e, amount, cumulativeAmount);
        token.safeTransfer(account, amount);
    }

    /// @notice Alias of {claimed}.
    function totalClaimed(address account) external view returns (uint256) {
        return claimed[account];
    }

    // ---------------------------------------------------------------------------------------------
    // Credits
    // ---------------------------------------------------------------------------------------------

    /// @notice Withdraws the caller's credited fees.
    function withdraw() external nonReentrant {
        uint256 amount = credits[msg.sender];
        if (amount == 0) revert NothingToWithdraw();
        credits[msg.sender] = 0;
        totalCredits -= amount;
        emit Withdrawn(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------------------------------------
    // Admin
    // ---------------------------------------------------------------------------------------------

    function setFees(uint16 protocolBps_, uint16 operatorBps_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setFees(protocolBps_, operatorBps_);
        _emitParams();
    }

    function setProtocolTreasury(address treasury) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setTreasury(treasury);
        _emitParams();
    }

    function setRefundTimeout(uint64 timeout) external onlyRole(DEFAULT_ADMIN_ROLE) {
        refundTimeout = timeout;
        _emitParams();
    }

    /// @notice Tokens held beyond what the market owes (escrow + credits + unclaimed pool), e.g. sent to it
    ///         directly or by a front-run EIP-3009 authorization. Only this surplus can be swept.
    function surplus() public view returns (uint256) {
        uint256 owed = totalEscrow + totalCredits + (totalContributorPool - claimedTotal);
        uint256 balance = token.balanceOf(address(this));
        return balance > owed ? balance - owed : 0;
    }

    /// @notice Sends the {surplus} to `to` (e.g. back to a payer whose authorization was front-run).
    function sweepSurplus(address to) external onlyRole(DEFAULT_ADMIN_ROLE) nonReentrant {
        if (to == address(0)) revert ZeroAddress();
        uint256 amount = surplus();
        if (amount == 0) revert NoSurplus();
        emit SurplusSwept(to, amount);
        token.safeTransfer(to, amount);
    }

    function _setFees(uint16 protocolBps_, uint16 operatorBps_) private {
        if (uint256(protocolBps_) + operatorBps_ > MAX_FEE_BPS) revert FeesTooHigh(protocolBps_, operatorBps_);
        protocolBps = protocolBps_;
        operatorBps = operatorBps_;
    }

    function _setTreasury(address treasury) private {
        if (treasury == address(0)) revert ZeroAddress();
        protocolTreasury = treasury;
    }

    function _emitParams() private {
        emit ParamsChanged(protocolTreasury, protocolBps, operatorBps, refundTimeout);
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    function getRequest(uint256 requestId) external view returns (Request memory) {
        return _requests[requestId];
    }
}
