// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

/// @title MarketParams
/// @notice The market's governed parameters and its pull-payment credits. Every setter is governance-only
///         (DEFAULT_ADMIN_ROLE, held by the timelock). Fee bps are kept as numbered schedules: a request
///         records the schedule in force when it was paid and settles with it, so a fee change applies to
///         later payments only (one uint32 per request, not a copy of every bps).
abstract contract MarketParams is AccessControl, ReentrancyGuard {
    using SafeERC20 for IERC20;

    uint16 public constant BPS = 10_000;
    /// @notice Cap on protocolBps + operatorBps (builder shares are capped at 5000 by ModelRegistry).
    uint16 public constant MAX_FEE_BPS = 5000;

    struct FeeSchedule {
        uint16 protocolBps;
        uint16 operatorBps;
    }

    struct Params {
        address protocolTreasury;
        uint16 protocolBps;
        uint16 operatorBps;
        uint64 refundTimeout;
        uint64 challengeWindow;
        uint64 unbondingDelay;
        uint256 minStake;
        uint256 disputeBond;
        uint16 challengerRewardBps;
        address rootPoster;
    }

    IERC20 public immutable token;

    FeeSchedule[] private _feeSchedules;
    address public protocolTreasury;
    /// @notice Seconds after payment when anyone may refund an unsettled request.
    uint64 public refundTimeout;
    /// @notice Seconds an epoch root stays pending (disputable) before it can finalize.
    uint64 public challengeWindow;
    /// @notice Seconds an unstake waits beyond the challenge window.
    uint64 public unbondingDelay;
    /// @notice Active stake an address needs to act as an operator.
    uint256 public minStake;
    /// @notice OPEN a challenger posts to dispute a root; lost to the treasury if the dispute is rejected.
    uint256 public disputeBond;
    /// @notice Share of a slashed stake paid to the challenger of an upheld dispute (rest: treasury).
    uint16 public challengerRewardBps;
    /// @notice The one staked operator allowed to post epoch roots.
    address public rootPoster;

    /// @notice Withdrawable balances (protocol treasury, operators, builders, forfeited bonds and slashes).
    mapping(address account => uint256 amount) public credits;
    uint256 public totalCredits;

    event FeesChanged(uint32 indexed version, uint16 protocolBps, uint16 operatorBps);
    /// @notice Emitted at deployment and on every parameter change, with all current values.
    event ParamsChanged(
        address protocolTreasury,
        uint64 refundTimeout,
        uint64 challengeWindow,
        uint64 unbondingDelay,
        uint256 minStake,
        uint256 disputeBond,
        uint16 challengerRewardBps,
        address rootPoster
    );
    event Withdrawn(address indexed account, uint256 amount);

    error FeesTooHigh(uint16 protocolBps, uint16 operatorBps);
    error RewardTooHigh(uint16 challengerRewardBps);
    error ZeroAddress();
    error NothingToWithdraw();

    constructor(IERC20 token_, address governance, Params memory p) {
        if (address(token_) == address(0) || governance == address(0)) revert ZeroAddress();
        token = token_;
        _grantRole(DEFAULT_ADMIN_ROLE, governance);
        _pushFees(p.protocolBps, p.operatorBps);
        _setParams(p);
    }

    // ---- fee schedules ----

    function setFees(uint16 protocolBps_, uint16 operatorBps_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _pushFees(protocolBps_, operatorBps_);
    }

    /// @notice The schedule new payments get.
    function feeVersion() public view returns (uint32) {
        return uint32(_feeSchedules.length - 1);
    }

    function feeSchedule(uint32 version) public view returns (FeeSchedule memory) {
        return _feeSchedules[version];
    }

    function protocolBps() external view returns (uint16) {
        return _feeSchedules[_feeSchedules.length - 1].protocolBps;
    }

    function operatorBps() external view returns (uint16) {
        return _feeSchedules[_feeSchedules.length - 1].operatorBps;
    }

    function _pushFees(uint16 protocolBps_, uint16 operatorBps_) private {
        if (uint256(protocolBps_) + operatorBps_ > MAX_FEE_BPS) revert FeesTooHigh(protocolBps_, operatorBps_);
        _feeSchedules.push(FeeSchedule(protocolBps_, operatorBps_));
        emit FeesChanged(uint32(_feeSchedules.length - 1), protocolBps_, operatorBps_);
    }

    // ---- other parameters ----

    function setProtocolTreasury(address treasury) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Params memory p = params();
        p.protocolTreasury = treasury;
        _setParams(p);
    }

    function setRefundTimeout(uint64 timeout) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Params memory p = params();
        p.refundTimeout = timeout;
        _setParams(p);
    }

    /// @notice Epoch and dispute parameters in one call (they are sized together).
    function setEpochParams(uint64 challengeWindow_, uint256 disputeBond_, uint16 challengerRewardBps_, address rootPoster_)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        Params memory p = params();
        p.challengeWindow = challengeWindow_;
        p.disputeBond = disputeBond_;
        p.challengerRewardBps = challengerRewardBps_;
        p.rootPoster = rootPoster_;
        _setParams(p);
    }

    function setStakeParams(uint256 minStake_, uint64 unbondingDelay_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        Params memory p = params();
        p.minStake = minStake_;
        p.unbondingDelay = unbondingDelay_;
        _setParams(p);
    }

    /// @notice All current parameters (fees: the current schedule).
    function params() public view returns (Params memory p) {
        FeeSchedule memory f = _feeSchedules[_feeSchedules.length - 1];
        p = Params(
            protocolTreasury,
            f.protocolBps,
            f.operatorBps,
            refundTimeout,
            challengeWindow,
            unbondingDelay,
            minStake,
            disputeBond,
            challengerRewardBps,
            rootPoster
        );
    }

    function _setParams(Params memory p) private {
        if (p.protocolTreasury == address(0) || p.rootPoster == address(0)) revert ZeroAddress();
        if (p.challengerRewardBps > BPS) revert RewardTooHigh(p.challengerRewardBps);
        protocolTreasury = p.protocolTreasury;
        refundTimeout = p.refundTimeout;
        challengeWindow = p.challengeWindow;
        unbondingDelay = p.unbondingDelay;
        minStake = p.minStake;
        disputeBond = p.disputeBond;
        challengerRewardBps = p.challengerRewardBps;
        rootPoster = p.rootPoster;
        emit ParamsChanged(
            p.protocolTreasury,
            p.refundTimeout,
            p.challengeWindow,
            p.unbondingDelay,
            p.minStake,
            p.disputeBond,
            p.challengerRewardBps,
            p.rootPoster
        );
    }

    // ---- credits ----

    /// @notice Withdraws the caller's credits.
    function withdraw() external nonReentrant {
        uint256 amount = credits[msg.sender];
        if (amount == 0) revert NothingToWithdraw();
        credits[msg.sender] = 0;
        totalCredits -= amount;
        emit Withdrawn(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    function _credit(address account, uint256 amount) internal {
        credits[account] += amount;
        totalCredits += amount;
    }
}
