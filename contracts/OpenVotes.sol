// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {ERC20Wrapper} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Wrapper.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";

/// @title OpenVotes (vOPEN)
/// @notice Voting power for Ledgerline's Governor: OPEN wrapped 1:1 (depositFor / withdrawTo), with delegation
///         and a timestamp clock (ERC-6372). OPEN itself stays a plain token so its transfers stay cheap; only
///         holders who want to vote pay for checkpoints. OPEN staked by operators sits in the market, not here,
///         so it does not vote.
contract OpenVotes is ERC20, ERC20Permit, ERC20Votes, ERC20Wrapper {
    constructor(IERC20 open) ERC20("Open Votes", "vOPEN") ERC20Permit("Open Votes") ERC20Wrapper(open) {}

    function clock() public view override returns (uint48) {
        return Time.timestamp();
    }

    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }

    function decimals() public view override(ERC20, ERC20Wrapper) returns (uint8) {
        return super.decimals();
    }

    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }
}
