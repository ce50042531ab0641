// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {OperatorStakes} from "./OperatorStakes.sol";

/// @title EpochRoots
/// @notice Optimistic contributor epochs. The root poster (a staked operator named by governance) posts a
///         Merkle root of cumulative per-account earnings over every settlement up to `throughBlock`, with
///         `poolThrough`, the cumulative contributor pool of those settlements (anyone checks it against the
///         InferenceSettled logs). The root
///         is pending for `challengeWindow`; anyone may dispute it by posting `disputeBond`. Governance resolves a
///         dispute: upheld → the root is discarded, the poster slashed, the bond returned; rejected → the bond
///         goes to the treasury and the root may finalize. Roots form a chain: each builds on the tip, finalizes
///         only after its predecessor, and after a discarded root the next one builds on the discarded root's
///         predecessor. Claims use only the latest final root.
abstract contract EpochRoots is OperatorStakes {
    using SafeERC20 for IERC20;

    enum EpochStatus {
        None,
        Pending,
        Disputed,
        Final,
        Discarded
    }

    struct Epoch {
        bytes32 root;
        uint128 cumulativeTotal;
        /// @notice Cumulative contributor pool of the settlements up to throughBlock (declared, publicly checkable).
        uint128 poolThrough;
        uint64 postedAt;
        /// @notice End of its challenge window, fixed at posting (a later change of the window does not move it).
        uint64 finalizesAt;
        uint64 throughBlock;
        uint32 prev;
        EpochStatus status;
        address poster;
        address challenger;
        uint128 bond;
    }

    /// @notice Cumulative contributor pool of all settled requests.
    uint256 public totalContributorPool;
    /// @notice Cumulative amount paid out by {claim}, all accounts.
    uint256 public claimedTotal;
    /// @notice Cumulative amount claimed per account.
    mapping(address account => uint256 amount) public claimed;
    /// @notice Dispute bonds held.
    uint256 public totalDisputeBonds;

    /// @notice Epochs are numbered from 1; 0 is the empty genesis (total 0), final from the start.
    mapping(uint256 epoch => Epoch) private _epochs;
    uint32 public epochCount;
    /// @notice The latest root new roots build on.
    uint32 public tipEpoch;
    /// @notice The latest final root: what claims are checked against.
    uint32 public finalEpoch;

    event EpochPosted(
        uint256 indexed epoch,
        uint256 prev,
        bytes32 root,
        uint256 cumulativeTotal,
        uint64 throughBlock,
        uint256 poolThrough,
        address indexed poster,
        uint64 finalizesAt
    );
    event EpochDisputed(uint256 indexed epoch, address indexed challenger, uint256 bond);
    event DisputeResolved(uint256 indexed epoch, bool upheld, address indexed challenger, uint256 bond);
    event EpochFinalized(uint256 indexed epoch, bytes32 root, uint256 cumulativeTotal);
    event Claimed(address indexed account, uint256 indexed epoch, uint256 amount, uint256 cumulativeAmount);

    error NotRootPoster(address caller);
    error ZeroRoot();
    error ThroughBlockNotPast(uint64 throughBlock, uint256 blockNumber);
    error ThroughBlockDecreased(uint64 previous, uint64 next);
    error EpochInsolvent(uint256 cumulativeTotal, uint256 settledPool);
    error EpochTotalDecreased(uint256 previous, uint256 next);
    error EpochIncreaseTooLarge(uint256 increase, uint256 settledSincePrevious);
    error PoolThroughAboveSettled(uint256 poolThrough, uint256 settledPool);
    error PoolThroughDecreased(uint256 previous, uint256 next);
    error UnknownEpoch(uint256 epoch);
    error NotPending(uint256 epoch);
    error NotDisputed(uint256 epoch);
    error ChallengeWindowOpen(uint256 epoch, uint256 finalizesAt);
    error ChallengeWindowClosed(uint256 epoch, uint256 closedAt);
    error PredecessorNotFinal(uint256 epoch, uint256 prev);
    error NoEpoch();
    error InvalidProof();
    error NothingToClaim(address account);
    error ClaimExceedsEpochTotal(uint256 claimedTotal, uint256 amount, uint256 epochTotal);

    /// @notice Posts the next root on the tip. `cumulativeTotal` is the sum of the leaves (OZ StandardMerkleTree
    ///         of (address account, uint256 cumulativeAmount)); `throughBlock` names the settlements it covers and
    ///         `poolThrough` is their cumulative contributor pool. The root may not exceed that pool, and may rise
    ///         over the previous root by at most the pools settled between their two blocks.
    function postEpoch(bytes32 root, uint256 cumulativeTotal, uint64 throughBlock, uint256 poolThrough)
        external
        onlyOperator
        returns (uint32 e)
    {
        if (msg.sender != rootPoster) revert NotRootPoster(msg.sender);
        if (root == bytes32(0)) revert ZeroRoot();
        if (throughBlock >= block.number) revert ThroughBlockNotPast(throughBlock, block.number);
        uint32 prev = tipEpoch;
        Epoch storage p = _epochs[prev];
        if (throughBlock < p.throughBlock) revert ThroughBlockDecreased(p.throughBlock, throughBlock);
        if (cumulativeTotal < p.cumulativeTotal) revert EpochTotalDecreased(p.cumulativeTotal, cumulativeTotal);
        if (poolThrough > totalContributorPool) revert PoolThroughAboveSettled(poolThrough, totalContributorPool);
        if (poolThrough < p.poolThrough) revert PoolThroughDecreased(p.poolThrough, poolThrough);
        if (cumulativeTotal > poolThrough) revert EpochInsolvent(cumulativeTotal, poolThrough);
        uint256 increase = cumulativeTotal - p.cumulativeTotal;
        uint256 settledSince = poolThrough - p.poolThrough;
        if (increase > settledSince) revert EpochIncreaseTooLarge(increase, settledSince);

        e = ++epochCount;
        uint64 finalizesAt = uint64(block.timestamp) + challengeWindow;
        _epochs[e] = Epoch({
            root: root,
            cumulativeTotal: SafeCast.toUint128(cumulativeTotal),
            poolThrough: SafeCast.toUint128(poolThrough),
            postedAt: uint64(block.timestamp),
            finalizesAt: finalizesAt,
            throughBlock: throughBlock,
            prev: prev,
            status: EpochStatus.Pending,
            poster: msg.sender,
            challenger: address(0),
            bond: 0
        });
        tipEpoch = e;
        _lockStake(msg.sender, finalizesAt);
        emit EpochPosted(e, prev, root, cumulativeTotal, throughBlock, poolThrough, msg.sender, finalizesAt);
    }

    /// @notice Finalizes a pending root whose window has passed and whose predecessor is final. Anyone may call.
    function finalizeEpoch(uint32 e) external {
        Epoch storage x = _epochs[e];
        if (x.status != EpochStatus.Pending) revert NotPending(e);
        if (block.timestamp < x.finalizesAt) revert ChallengeWindowOpen(e, x.finalizesAt);
        if (x.prev != finalEpoch) revert PredecessorNotFinal(e, x.prev);
        x.status = EpochStatus.Final;
        finalEpoch = e;
        emit EpochFinalized(e, x.root, x.cumulativeTotal);
    }

    /// @notice Disputes a pending root inside its window, posting `disputeBond` (needs an allowance).
    function dispute(uint32 e) external nonReentrant {
        Epoch storage x = _epochs[e];
        if (x.status != EpochStatus.Pending) revert NotPending(e);
        if (block.timestamp >= x.finalizesAt) revert ChallengeWindowClosed(e, x.finalizesAt);
        uint256 bond = disputeBond;
        x.status = EpochStatus.Disputed;
        x.challenger = msg.sender;
        x.bond = SafeCast.toUint128(bond);
        totalDisputeBonds += bond;
        _disputeOpened(x.poster);
        emit EpochDisputed(e, msg.sender, bond);
        if (bond > 0) token.safeTransferFrom(msg.sender, address(this), bond);
    }

    /// @notice Governance's verdict on a dispute.
    function resolveDispute(uint32 e, bool upheld) external onlyRole(DEFAULT_ADMIN_ROLE) nonReentrant {
        Epoch storage x = _epochs[e];
        if (x.status != EpochStatus.Disputed) revert NotDisputed(e);
        address challenger = x.challenger;
        uint256 bond = x.bond;
        totalDisputeBonds -= bond;
        _disputeClosed(x.poster);
        emit DisputeResolved(e, upheld, challenger, bond);
        if (upheld) {
            x.status = EpochStatus.Discarded;
            // Roots after e built on it: the next root builds on e's predecessor instead.
            uint32 j = tipEpoch;
            while (j > e) j = _epochs[j].prev;
            if (j == e) tipEpoch = x.prev;
            _slash(x.poster, challenger);
            if (bond > 0) token.safeTransfer(challenger, bond);
        } else {
            x.status = EpochStatus.Pending;
            _credit(protocolTreasury, bond);
        }
    }

    /// @notice Pays `account` the difference between its cumulative amount in the latest final root and what it
    ///         has claimed. Anyone may submit; tokens always go to `account`.
    function claim(address account, uint256 cumulativeAmount, bytes32[] calldata proof) external nonReentrant {
        uint32 e = finalEpoch;
        if (e == 0) revert NoEpoch();
        Epoch storage x = _epochs[e];
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(account, cumulativeAmount))));
        if (!MerkleProof.verifyCalldata(proof, x.root, leaf)) revert InvalidProof();
        uint256 already = claimed[account];
        if (cumulativeAmount <= already) revert NothingToClaim(account);
        uint256 amount = cumulativeAmount - already;
        uint256 newClaimedTotal = claimedTotal + amount;
        // Solvency even if a tree's leaves sum to more than its declared total.
        if (newClaimedTotal > x.cumulativeTotal) revert ClaimExceedsEpochTotal(claimedTotal, amount, x.cumulativeTotal);
        claimed[account] = cumulativeAmount;
        claimedTotal = newClaimedTotal;
        emit Claimed(account, e, amount, cumulativeAmount);
        token.safeTransfer(account, amount);
    }

    function getEpoch(uint256 e) external view returns (Epoch memory) {
        if (e > epochCount) revert UnknownEpoch(e);
        return _epochs[e];
    }

    /// @notice Root and total of the latest final epoch (what claims use).
    function epochRoot() external view returns (bytes32) {
        return _epochs[finalEpoch].root;
    }

    function epochTotal() external view returns (uint256) {
        return _epochs[finalEpoch].cumulativeTotal;
    }
}
