// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice A pluggable deposit source for X402BatchSettlement (x402 `batch-settlement`, EVM binding): the
///         settlement contract calls `collect`, the collector pulls `amount` of `token` from `payer` by whatever
///         authorization `collectorData` carries and sends it to the settlement contract. The settlement contract
///         trusts no collector: it checks its own token balance grew by exactly `amount`.
interface IDepositCollector {
    function collect(address payer, address token, uint256 amount, bytes32 channelId, bytes calldata collectorData)
        external;
}
