// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IEIP3009} from "./IEIP3009.sol";

/// @title OpenToken (OPEN)
/// @notice ERC-20 + ERC-2612 permit + EIP-3009 transfer/receive with authorization (random bytes32 nonces,
///         as in USDC v2.2 and x402's "exact" scheme). Signatures are checked with OpenZeppelin's
///         SignatureChecker, so both EOAs (ECDSA) and smart-contract wallets (EIP-1271) can authorize.
///         EIP-712 domain: name "Open", version "1".
///         A faucet mints test tokens on the local anvil chain (chain id 31337) only.
contract OpenToken is ERC20, ERC20Permit, IEIP3009 {
    bytes32 public constant TRANSFER_WITH_AUTHORIZATION_TYPEHASH = keccak256(
        "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );
    bytes32 public constant RECEIVE_WITH_AUTHORIZATION_TYPEHASH = keccak256(
        "ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );
    bytes32 public constant CANCEL_AUTHORIZATION_TYPEHASH = keccak256("CancelAuthorization(address authorizer,bytes32 nonce)");

    /// @notice The only chain on which {faucet} mints (anvil's default chain id).
    uint256 public constant FAUCET_CHAIN_ID = 31337;
    /// @notice Largest amount one {faucet} call may mint.
    uint256 public constant FAUCET_MAX = 100_000 ether;

    /// @notice What each used nonce did: keccak256(abi.encode(to, value)) of its transfer, or CANCELED. Recording
    ///         the transfer (not just "used") lets a payee prove that a front-run authorization paid it.
    mapping(address authorizer => mapping(bytes32 nonce => bytes32 use)) private _authorizationUses;
    bytes32 public constant CANCELED = keccak256("CANCELED");

    event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce);
    event AuthorizationCanceled(address indexed authorizer, bytes32 indexed nonce);

    error AuthorizationNotYetValid(uint256 validAfter, uint256 timestamp);
    error AuthorizationExpired(uint256 validBefore, uint256 timestamp);
    error AuthorizationUsedAlready(address authorizer, bytes32 nonce);
    error InvalidSignature();
    error CallerMustBePayee(address caller, address payee);
    error FaucetDisabled();
    error FaucetAmountTooLarge(uint256 max);

    constructor(address initialHolder, uint256 initialSupply) ERC20("Open", "OPEN") ERC20Permit("Open") {
        if (initialSupply > 0) _mint(initialHolder, initialSupply);
    }

    // ---------------------------------------------------------------------------------------------
    // Faucet (local chain only)
    // ---------------------------------------------------------------------------------------------

    /// @notice Mints `amount` to `to`. Only on chain 31337 and at most {FAUCET_MAX} per call.
    function faucet(address to, uint256 amount) external {
        if (block.chainid != FAUCET_CHAIN_ID) revert FaucetDisabled();
        if (amount > FAUCET_MAX) revert FaucetAmountTooLarge(FAUCET_MAX);
        _mint(to, amount);
    }

    // ---------------------------------------------------------------------------------------------
    // EIP-3009
    // ---------------------------------------------------------------------------------------------

    /// @notice Whether `nonce` of `authorizer` has been used or canceled.
    function authorizationState(address authorizer, bytes32 nonce) external view returns (bool) {
        return _authorizationUses[authorizer][nonce] != bytes32(0);
    }

    /// @notice keccak256(abi.encode(to, value)) of the transfer that used `nonce`, CANCELED, or zero if unused.
    function authorizationUse(address authorizer, bytes32 nonce) external view returns (bytes32) {
        return _authorizationUses[authorizer][nonce];
    }

    function transferWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        _transferWithAuthorization(
            TRANSFER_WITH_AUTHORIZATION_TYPEHASH, from, to, value, validAfter, validBefore, nonce, abi.encodePacked(r, s, v)
        );
    }

    function transferWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes memory signature
    ) external {
        _transferWithAuthorization(
            TRANSFER_WITH_AUTHORIZATION_TYPEHASH, from, to, value, validAfter, validBefore, nonce, signature
        );
    }

    /// @notice Like transferWithAuthorization, but the caller must be the payee `to` (prevents front-running).
    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        if (to != msg.sender) revert CallerMustBePayee(msg.sender, to);
        _transferWithAuthorization(
            RECEIVE_WITH_AUTHORIZATION_TYPEHASH, from, to, value, validAfter, validBefore, nonce, abi.encodePacked(r, s, v)
        );
    }

    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes memory signature
    ) external {
        if (to != msg.sender) revert CallerMustBePayee(msg.sender, to);
        _transferWithAuthorization(
            RECEIVE_WITH_AUTHORIZATION_TYPEHASH, from, to, value, validAfter, validBefore, nonce, signature
        );
    }

    /// @notice Cancels an unused authorization nonce.
    function cancelAuthorization(address authorizer, bytes32 nonce, uint8 v, bytes32 r, bytes32 s) external {
        _cancelAuthorization(authorizer, nonce, abi.encodePacked(r, s, v));
    }

    function cancelAuthorization(address authorizer, bytes32 nonce, bytes memory signature) external {
        _cancelAuthorization(authorizer, nonce, signature);
    }

    function _transferWithAuthorization(
        bytes32 typehash,
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes memory signature
    ) private {
        if (block.timestamp <= validAfter) revert AuthorizationNotYetValid(validAfter, block.timestamp);
        if (block.timestamp >= validBefore) revert AuthorizationExpired(validBefore, block.timestamp);
        _requireUnusedAuthorization(from, nonce);
        bytes32 digest =
            _hashTypedDataV4(keccak256(abi.encode(typehash, from, to, value, validAfter, validBefore, nonce)));
        if (!SignatureChecker.isValidSignatureNow(from, digest, signature)) revert InvalidSignature();
        _authorizationUses[from][nonce] = keccak256(abi.encode(to, value));
        emit AuthorizationUsed(from, nonce);
        _transfer(from, to, value);
    }

    function _cancelAuthorization(address authorizer, bytes32 nonce, bytes memory signature) private {
        _requireUnusedAuthorization(authorizer, nonce);
        bytes32 digest = _hashTypedDataV4(keccak256(abi.encode(CANCEL_AUTHORIZATION_TYPEHASH, authorizer, nonce)));
        if (!SignatureChecker.isValidSignatureNow(authorizer, digest, signature)) revert InvalidSignature();
        _authorizationUses[authorizer][nonce] = CANCELED;
        emit AuthorizationCanceled(authorizer, nonce);
    }

    function _requireUnusedAuthorization(address authorizer, bytes32 nonce) private view {
        if (_authorizationUses[authorizer][nonce] != bytes32(0)) revert AuthorizationUsedAlready(authorizer, nonce);
    }
}
