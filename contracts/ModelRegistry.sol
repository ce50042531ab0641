// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {DatanetRegistry} from "./DatanetRegistry.sol";

/// @title ModelRegistry
/// @notice Models built from published Datanet versions. The builder sets the inference price and their
///         share (`builderBps`, at most {MAX_BUILDER_BPS}); the share is fixed at registration.
///         Per-token pricing (OpenLedger's Fee = T_in·R_in + T_out·R_out + F): `price` is the fixed fee F and
///         `inputRate` / `outputRate` the wei per prompt / answer token; both 0 = a flat-price model.
///         Ids start at 1 (0 = none).
contract ModelRegistry {
    /// @notice 0 = infinigram, 1 = knn, 2 = external, 3 = rag (retrieval over the Datanets' records).
    uint8 public constant KIND_INFINIGRAM = 0;
    uint8 public constant KIND_KNN = 1;
    uint8 public constant KIND_EXTERNAL = 2;
    uint8 public constant KIND_RAG = 3;
    uint8 public constant MAX_KIND = 3;
    uint16 public constant MAX_BUILDER_BPS = 5000;

    struct Model {
        address builder;
        uint16 builderBps;
        uint8 kind;
        bool active;
        uint64 registeredAt;
        uint256 price;
        bytes32 artifactHash;
        bytes32 metadataHash;
        string metadataURI;
        uint256[] datanetIds;
        uint32[] versions;
        /// @notice Wei per prompt token (R_in); 0 with outputRate 0 = flat price.
        uint256 inputRate;
        /// @notice Wei per answer token (R_out).
        uint256 outputRate;
    }

    DatanetRegistry public immutable datanets;

    uint256 private _modelCount;
    mapping(uint256 modelId => Model) private _models;

    event ModelRegistered(
        uint256 indexed modelId,
        address indexed builder,
        bytes32 artifactHash,
        bytes32 metadataHash,
        string metadataURI,
        uint256[] datanetIds,
        uint32[] versions,
        uint256 price,
        uint16 builderBps,
        uint8 kind
    );
    event ModelPriceChanged(uint256 indexed modelId, uint256 oldPrice, uint256 newPrice);
    event ModelActiveChanged(uint256 indexed modelId, bool active);
    event ModelTokenRatesChanged(uint256 indexed modelId, uint256 inputRate, uint256 outputRate);

    error NoDatanets();
    error LengthMismatch();
    error UnknownDatanetVersion(uint256 datanetId, uint32 version);
    error BuilderShareTooHigh(uint16 bps);
    error ZeroArtifactHash();
    error InvalidKind(uint8 kind);
    error UnknownModel(uint256 modelId);
    error NotBuilder(uint256 modelId, address caller);

    constructor(DatanetRegistry datanets_) {
        datanets = datanets_;
    }

    modifier onlyBuilder(uint256 modelId) {
        address builder = _requireModel(modelId).builder;
        if (msg.sender != builder) revert NotBuilder(modelId, msg.sender);
        _;
    }

    /// @notice Registers a model built from the given (datanetId, version) pairs; the caller is its builder.
    ///         The model starts active.
    function registerModel(
        string calldata metadataURI,
        bytes32 metadataHash,
        bytes32 artifactHash,
        uint256[] calldata datanetIds,
        uint32[] calldata versions,
        uint256 price,
        uint16 builderBps,
        uint8 kind
    ) external returns (uint256 modelId) {
        if (datanetIds.length == 0) revert NoDatanets();
        if (datanetIds.length != versions.length) revert LengthMismatch();
        if (artifactHash == bytes32(0)) revert ZeroArtifactHash();
        if (builderBps > MAX_BUILDER_BPS) revert BuilderShareTooHigh(builderBps);
        if (kind > MAX_KIND) revert InvalidKind(kind);
        for (uint256 i = 0; i < datanetIds.length; ++i) {
            if (!datanets.versionExists(datanetIds[i], versions[i])) {
                revert UnknownDatanetVersion(datanetIds[i], versions[i]);
            }
        }

        modelId = ++_modelCount;
        Model storage m = _models[modelId];
        m.builder = msg.sender;
        m.builderBps = builderBps;
        m.kind = kind;
        m.active = true;
        m.registeredAt = uint64(block.timestamp);
        m.price = price;
        m.artifactHash = artifactHash;
        m.metadataHash = metadataHash;
        m.metadataURI = metadataURI;
        m.datanetIds = datanetIds;
        m.versions = versions;
        _emitRegistered(modelId, m);
    }

    /// @dev Split out of registerModel to keep the stack shallow.
    function _emitRegistered(uint256 modelId, Model storage m) private {
        emit ModelRegistered(
            modelId,
            m.builder,
            m.artifactHash,
            m.metadataHash,
            m.metadataURI,
            m.datanetIds,
            m.versions,
            m.price,
            m.builderBps,
            m.kind
        );
    }

    function setPrice(uint256 modelId, uint256 price) external onlyBuilder(modelId) {
        Model storage m = _models[modelId];
        uint256 oldPrice = m.price;
        m.price = price;
        emit ModelPriceChanged(modelId, oldPrice, price);
    }

    /// @notice Per-token rates in wei per token (0, 0 = flat price). The fixed fee stays {setPrice}'s `price`.
    function setTokenRates(uint256 modelId, uint256 inputRate, uint256 outputRate) external onlyBuilder(modelId) {
        Model storage m = _models[modelId];
        m.inputRate = inputRate;
        m.outputRate = outputRate;
        emit ModelTokenRatesChanged(modelId, inputRate, outputRate);
    }

    function setActive(uint256 modelId, bool active) external onlyBuilder(modelId) {
        _models[modelId].active = active;
        emit ModelActiveChanged(modelId, active);
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    function modelCount() external view returns (uint256) {
        return _modelCount;
    }

    function getModel(uint256 modelId) external view returns (Model memory) {
        return _requireModel(modelId);
    }

    /// @notice What InferenceMarket needs at payment time, without copying strings and arrays. `price` is the
    ///         fixed fee; `inputRate` / `outputRate` are wei per token (both 0: flat-price model).
    function pricing(uint256 modelId)
        external
        view
        returns (address builder, uint256 price, uint16 builderBps, bool active, uint256 inputRate, uint256 outputRate)
    {
        Model storage m = _requireModel(modelId);
        return (m.builder, m.price, m.builderBps, m.active, m.inputRate, m.outputRate);
    }

    function _requireModel(uint256 modelId) private view returns (Model storage) {
        if (modelId == 0 || modelId > _modelCount) revert UnknownModel(modelId);
        return _models[modelId];
    }
}
