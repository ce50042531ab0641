// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice The part of EIP-3009 that InferenceMarket relies on (bytes-signature overload, as in USDC v2.2).
interface IEIP3009 {
    function authorizationState(address authorizer, bytes32 nonce) external view returns (bool);

    function transferWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes memory signature
    ) external;

    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes memory signature
    ) external;
}
