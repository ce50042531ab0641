// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IDepositCollector} from "./IDepositCollector.sol";
import {IEIP3009} from "./IEIP3009.sol";

/// @title ERC3009DepositCollector
/// @notice Deposits into x402 `batch-settlement` channels from an EIP-3009 `ReceiveWithAuthorization` signed by the
///         payer to this contract. EIP-3009's receive variant requires `msg.sender == to`, so the tokens land here
///         and are forwarded to the settlement contract in the same call.
///
///         The authorization nonce is `keccak256(abi.encode(channelId, salt))`: a signature deposits into one
///         channel only, so nobody can redirect it into a channel of their choosing.
///
///         Only the settlement contract may call `collect` (otherwise anyone holding a payer's signature could pull
///         the payer's tokens here and strand them).
///
///         Deployed locally and its runtime code copied to the canonical address
///         0x4020806089470a89826cB9fB1f4059150b550004 (lib/chain/batch-settlement.ts); the constructor argument is
///         the *canonical* settlement address, so the immutable below is right at the copy.
contract ERC3009DepositCollector is IDepositCollector {
    using SafeERC20 for IERC20;

    /// @notice The settlement contract this collector serves: the only caller of `collect`, the only recipient.
    address public immutable x402BatchSettlement;

    error OnlyX402BatchSettlement();
    error InvalidX402BatchSettlementAddress();

    constructor(address settlement) {
        if (settlement == address(0)) revert InvalidX402BatchSettlementAddress();
        x402BatchSettlement = settlement;
    }

    /// @param collectorData `abi.encode(uint256 validAfter, uint256 validBefore, uint256 salt, bytes signature)`.
    function collect(address payer, address token, uint256 amount, bytes32 channelId, bytes calldata collectorData)
        external
    {
        if (msg.sender != x402BatchSettlement) revert OnlyX402BatchSettlement();
        (uint256 validAfter, uint256 validBefore, uint256 salt, bytes memory signature) =
            abi.decode(collectorData, (uint256, uint256, uint256, bytes));
        bytes32 nonce = keccak256(abi.encode(channelId, salt));
        IEIP3009(token).receiveWithAuthorization(payer, address(this), amount, validAfter, validBefore, nonce, signature);
        IERC20(token).safeTransfer(msg.sender, amount);
    }
}
