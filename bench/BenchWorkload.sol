// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// Benchmark-only: emits many real Ledgerline events per transaction so a backfill has something to chew.
interface IDatanets {
    function contribute(uint256 datanetId, bytes32 contentHash, uint64 bytes_, uint32 records, uint256 maxBond, uint256 deadline, bytes calldata attestation) external returns (uint256);
}

interface IMarket {
    function pay(uint256 modelId, bytes32 requestHash, uint256 maxPrice) external returns (uint256);
    function settle(uint256 requestId, bytes32 requestHash, bytes32 outputHash, bytes32 attributionHash) external;
}

interface IToken {
    function approve(address spender, uint256 amount) external returns (bool);
}

contract BenchWorkload {
    function contributeMany(IDatanets datanets, uint256 datanetId, uint256 salt, uint256 n) external {
        for (uint256 i = 0; i < n; i++) {
            datanets.contribute(datanetId, keccak256(abi.encode(salt, i)), 100, 1, 0, 0, "");
        }
    }

    function approve(IToken token, address spender) external {
        token.approve(spender, type(uint256).max);
    }

    /// Pays and settles n inferences (this contract is payer and operator).
    function payAndSettleMany(IMarket market, uint256 modelId, uint256 price, uint256 salt, uint256 n) external {
        for (uint256 i = 0; i < n; i++) {
            bytes32 h = keccak256(abi.encode(salt, i));
            uint256 id = market.pay(modelId, h, price);
            market.settle(id, h, h, h);
        }
    }
}
