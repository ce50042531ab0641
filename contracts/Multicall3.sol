// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Multicall3 (subset)
/// @notice The read batching that npm package x402/evm's batch-settlement facilitator does through the well-known Multicall3
///         address 0xcA11bde05977b3631167028862bE2a173976CA11 (`tryAggregate`), plus `aggregate3` (viem's
///         `multicall`). A fresh anvil has no Multicall3: lib/chain/batch-settlement.ts deploys this one and copies
///         its runtime code there on the local chain only. Stateless, holds no funds (nothing is payable).
contract Multicall3 {
    struct Call {
        address target;
        bytes callData;
    }

    struct Call3 {
        address target;
        bool allowFailure;
        bytes callData;
    }

    struct Result {
        bool success;
        bytes returnData;
    }

    /// @notice Call `index` failed and its caller did not allow failure.
    error CallFailed(uint256 index);

    function tryAggregate(bool requireSuccess, Call[] calldata calls) external returns (Result[] memory returnData) {
        returnData = new Result[](calls.length);
        for (uint256 i = 0; i < calls.length; ++i) {
            (bool ok, bytes memory ret) = calls[i].target.call(calls[i].callData);
            if (requireSuccess && !ok) revert CallFailed(i);
            returnData[i] = Result(ok, ret);
        }
    }

    function aggregate3(Call3[] calldata calls) external returns (Result[] memory returnData) {
        returnData = new Result[](calls.length);
        for (uint256 i = 0; i < calls.length; ++i) {
            (bool ok, bytes memory ret) = calls[i].target.call(calls[i].callData);
            if (!calls[i].allowFailure && !ok) revert CallFailed(i);
            returnData[i] = Result(ok, ret);
        }
    }
}
