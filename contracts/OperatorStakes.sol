// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {MarketParams} from "./MarketParams.sol";

/// @title OperatorStakes
/// @notice Any address becomes an operator by staking OPEN (at least `minStake`); only operators submit
///         authorizations, settle, refund early and post roots. An unstake waits out the challenge window plus
///         `unbondingDelay`, and never finishes while a root the operator posted is still disputable or under
///         dispute: whatever can be slashed cannot leave first.
abstract contract OperatorStakes is MarketParams {
    using SafeERC20 for IERC20;

    struct Stake {
        uint128 active;
        uint128 unbonding;
        /// @notice When `unbonding` may be withdrawn.
        uint64 releaseAt;
        /// @notice End of the challenge window of the latest root this operator posted.
        uint64 lockedUntil;
        /// @notice Roots this operator posted that are under dispute.
        uint32 openDisputes;
    }

    mapping(address operator => Stake) private _stakes;
    /// @notice Sum of active and unbonding stakes.
    uint256 public totalStaked;

    event Staked(address indexed operator, uint256 amount, uint256 active);
    event UnstakeRequested(address indexed operator, uint256 amount, uint256 active, uint64 releaseAt);
    event StakeWithdrawn(address indexed operator, uint256 amount);
    event Slashed(
        address indexed operator, uint256 amount, address indexed challenger, uint256 toChallenger, uint256 toTreasury
    );

    error NotOperator(address account);
    error ZeroAmount();
    error InsufficientStake(uint256 active, uint256 amount);
    error StakeLocked(uint256 until, uint32 openDisputes);
    error NothingUnbonding(address operator);

    modifier onlyOperator() {
        if (!isOperator(msg.sender)) revert NotOperator(msg.sender);
        _;
    }

    /// @notice Adds `amount` OPEN from the caller (needs an allowance) to `operator`'s active stake. Anyone may
    ///         fund a stake; only the operator can unstake it.
    function stake(address operator, uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        if (operator == address(0)) revert ZeroAddress();
        Stake storage s = _stakes[operator];
        s.active += SafeCast.toUint128(amount);
        totalStaked += amount;
        emit Staked(operator, amount, s.active);
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @notice Moves `amount` from active to unbonding; it can be withdrawn after the challenge window plus the
    ///         unbonding delay (a later request pushes the release of everything unbonding).
    function requestUnstake(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        Stake storage s = _stakes[msg.sender];
        if (s.active < amount) revert InsufficientStake(s.active, amount);
        s.active -= SafeCast.toUint128(amount);
        s.unbonding += SafeCast.toUint128(amount);
        s.releaseAt = uint64(block.timestamp) + challengeWindow + unbondingDelay;
        emit UnstakeRequested(msg.sender, amount, s.active, s.releaseAt);
    }

    function withdrawStake() external nonReentrant {
        Stake storage s = _stakes[msg.sender];
        uint256 amount = s.unbonding;
        if (amount == 0) revert NothingUnbonding(msg.sender);
        uint256 until = Math.max(s.releaseAt, s.lockedUntil);
        if (block.timestamp < until || s.openDisputes != 0) revert StakeLocked(until, s.openDisputes);
        s.unbonding = 0;
        totalStaked -= amount;
        emit StakeWithdrawn(msg.sender, amount);
        token.safeTransfer(msg.sender, amount);
    }

    function isOperator(address account) public view returns (bool) {
        uint256 active = _stakes[account].active;
        return active > 0 && active >= minStake;
    }

    function getStake(address operator) external view returns (Stake memory) {
        return _stakes[operator];
    }

    function _lockStake(address operator, uint64 until) internal {
        Stake storage s = _stakes[operator];
        if (until > s.lockedUntil) s.lockedUntil = until;
    }

    function _disputeOpened(address operator) internal {
        _stakes[operator].openDisputes += 1;
    }

    function _disputeClosed(address operator) internal {
        _stakes[operator].openDisputes -= 1;
    }

    /// @notice Takes the whole stake (active and unbonding): `challengerRewardBps` to the challenger, the rest
    ///         credited to the treasury.
    function _slash(address operator, address challenger) internal {
        Stake storage s = _stakes[operator];
        uint256 amount = uint256(s.active) + s.unbonding;
        s.active = 0;
        s.unbonding = 0;
        totalStaked -= amount;
        uint256 toChallenger = amount * challengerRewardBps / BPS;
        uint256 toTreasury = amount - toChallenger;
        _credit(protocolTreasury, toTreasury);
        emit Slashed(operator, amount, challenger, toChallenger, toTreasury);
        if (toChallenger > 0) token.safeTransfer(challenger, toChallenger);
    }
}
