// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title LedgerlineTimelock
/// @notice Holds every admin role of Ledgerline's contracts; only the Governor proposes, anyone executes a
///         queued operation once its delay has passed.
contract LedgerlineTimelock is TimelockController {
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address admin)
        TimelockController(minDelay, proposers, executors, admin)
    {}
}
