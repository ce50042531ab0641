// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

/// @title DatanetRegistry
/// @notice Community datasets ("Datanets"): contributions are registered by content hash with a bond;
///         the Datanet owner accepts (bond returned) or rejects (bond slashed to the Datanet treasury) them
///         and publishes versions (a Merkle root over accepted contributions). In an open (non-curated)
///         Datanet contributions are accepted at once and the bond is returned in the same transaction.
///         Ids start at 1 (0 = none); versions are numbered 1..n per Datanet.
contract DatanetRegistry is ReentrancyGuard {
    using SafeERC20 for IERC20;

    enum ContributionStatus {
        Pending,
        Accepted,
        Rejected
    }

    struct Datanet {
        address owner;
        address treasury;
        bytes32 metadataHash;
        string metadataURI;
        uint256 bond;
        bool curated;
        uint64 createdAt;
        uint32 contributionCount;
        uint32 acceptedCount;
        uint32 versionCount;
    }

    struct Contribution {
        uint256 datanetId;
        address contributor;
        bytes32 contentHash;
        uint64 bytes_;
        uint32 records;
        uint256 bond;
        ContributionStatus status;
        uint64 submittedAt;
        uint64 reviewedAt;
    }

    struct Version {
        bytes32 root;
        uint32 count;
        uint64 publishedAt;
    }

    IERC20 public immutable bondToken;

    uint256 private _datanetCount;
    uint256 private _contributionCount;
    mapping(uint256 datanetId => Datanet) private _datanets;
    mapping(uint256 contributionId => Contribution) private _contributions;
    mapping(uint256 datanetId => mapping(uint32 version => Version)) private _versions;
    mapping(uint256 datanetId => mapping(bytes32 contentHash => uint256 contributionId)) private _byHash;

    event DatanetCreated(
        uint256 indexed datanetId,
        address indexed owner,
        address treasury,
        bytes32 metadataHash,
        string metadataURI,
        uint256 bond,
        bool curated
    );
    event DatanetBondChanged(uint256 indexed datanetId, uint256 bond);
    event ContributionSubmitted(
        uint256 indexed contributionId,
        uint256 indexed datanetId,
        address indexed contributor,
        bytes32 contentHash,
        uint64 bytes_,
        uint32 records,
        uint256 bond
    );
    event ContributionReviewed(
        uint256 indexed contributionId,
        uint256 indexed datanetId,
        address indexed contributor,
        bool accepted,
        uint256 bond
    );
    event VersionPublished(uint256 indexed datanetId, uint32 indexed version, bytes32 root, uint32 count);

    error UnknownDatanet(uint256 datanetId);
    error UnknownContribution(uint256 contributionId);
    error UnknownVersion(uint256 datanetId, uint32 version);
    error NotDatanetOwner(uint256 datanetId, address caller);
    error NotPending(uint256 contributionId);
    error ZeroContentHash();
    error EmptyContribution();
    error DuplicateContribution(uint256 datanetId, bytes32 contentHash);
    error InvalidVersionCount(uint32 count, uint32 accepted);
    error ZeroRoot();

    constructor(IERC20 bondToken_) {
        bondToken = bondToken_;
    }

    modifier onlyDatanetOwner(uint256 datanetId) {
        address owner = _requireDatanet(datanetId).owner;
        if (msg.sender != owner) revert NotDatanetOwner(datanetId, msg.sender);
        _;
    }

    // ---------------------------------------------------------------------------------------------
    // Datanets
    // ---------------------------------------------------------------------------------------------

    /// @notice Creates a Datanet owned by the caller. `treasury` receives slashed bonds (0 → the owner).
    function createDatanet(
        bytes32 metadataHash,
        string calldata metadataURI,
        uint256 bond,
        bool curated,
        address treasury
    ) external returns (uint256 datanetId) {
        if (treasury == address(0)) treasury = msg.sender;
        datanetId = ++_datanetCount;
        Datanet storage d = _datanets[datanetId];
        d.owner = msg.sender;
        d.treasury = treasury;
        d.metadataHash = metadataHash;
        d.metadataURI = metadataURI;
        d.bond = bond;
        d.curated = curated;
        d.createdAt = uint64(block.timestamp);
        emit DatanetCreated(datanetId, msg.sender, treasury, metadataHash, metadataURI, bond, curated);
    }

    /// @notice Changes the bond future contributions must post. Pending contributions keep their bond.
    function setBond(uint256 datanetId, uint256 bond) external onlyDatanetOwner(datanetId) {
        _datanets[datanetId].bond = bond;
        emit DatanetBondChanged(datanetId, bond);
    }

    // ---------------------------------------------------------------------------------------------
    // Contributions
    // ---------------------------------------------------------------------------------------------

    /// @notice Registers a contribution (content-addressed) and takes the Datanet's bond from the caller
    ///         (needs an allowance). Open Datanets accept at once and return the bond in the same tx.
    function contribute(uint256 datanetId, bytes32 contentHash, uint64 bytes_, uint32 records)
        external
        nonReentrant
        returns (uint256 contributionId)
    {
        Datanet storage d = _requireDatanet(datanetId);
        if (contentHash == bytes32(0)) revert ZeroContentHash();
        if (bytes_ == 0 || records == 0) revert EmptyContribution();
        if (_byHash[datanetId][contentHash] != 0) revert DuplicateContribution(datanetId, contentHash);

        uint256 bond = d.bond;
        contributionId = ++_contributionCount;
        _byHash[datanetId][contentHash] = contributionId;
        d.contributionCount += 1;
        Contribution storage c = _contributions[contributionId];
        c.datanetId = datanetId;
        c.contributor = msg.sender;
        c.contentHash = contentHash;
        c.bytes_ = bytes_;
        c.records = records;
        c.bond = bond;
        c.submittedAt = uint64(block.timestamp);
        // c.status = Pending (zero value)

        emit ContributionSubmitted(contributionId, datanetId, msg.sender, contentHash, bytes_, records, bond);
        if (bond > 0) bondToken.safeTransferFrom(msg.sender, address(this), bond);

        if (!d.curated) {
            c.status = ContributionStatus.Accepted;
            c.reviewedAt = uint64(block.timestamp);
            d.acceptedCount += 1;
            emit ContributionReviewed(contributionId, datanetId, msg.sender, true, bond);
            if (bond > 0) bondToken.safeTransfer(msg.sender, bond);
        }
    }

    /// @notice Datanet owner accepts (bond back to the contributor) or rejects (bond to the treasury).
    function review(uint256 contributionId, bool accept) external nonReentrant {
        Contribution storage c = _contributions[contributionId];
        if (c.contributor == address(0)) revert UnknownContribution(contributionId);
        uint256 datanetId = c.datanetId;
        Datanet storage d = _datanets[datanetId];
        if (msg.sender != d.owner) revert NotDatanetOwner(datanetId, msg.sender);
        if (c.status != ContributionStatus.Pending) revert NotPending(contributionId);

        uint256 bond = c.bond;
        address to;
        if (accept) {
            c.status = ContributionStatus.Accepted;
            d.acceptedCount += 1;
            to = c.contributor;
        } else {
            c.status = ContributionStatus.Rejected;
            to = d.treasury;
        }
        c.reviewedAt = uint64(block.timestamp);
        emit ContributionReviewed(contributionId, datanetId, c.contributor, accept, bond);
        if (bond > 0) bondToken.safeTransfer(to, bond);
    }

    // ---------------------------------------------------------------------------------------------
    // Versions
    // ---------------------------------------------------------------------------------------------

    /// @notice Publishes the next version: a Merkle root over `count` accepted contributions
    ///         (leaves: OZ StandardMerkleTree of (uint256 contributionId, bytes32 contentHash)).
    function publishVersion(uint256 datanetId, bytes32 root, uint32 count)
        external
        onlyDatanetOwner(datanetId)
        returns (uint32 version)
    {
        Datanet storage d = _datanets[datanetId];
        if (root == bytes32(0)) revert ZeroRoot();
        uint32 accepted = d.acceptedCount;
        if (count == 0 || count > accepted) revert InvalidVersionCount(count, accepted);
        version = ++d.versionCount;
        _versions[datanetId][version] = Version({root: root, count: count, publishedAt: uint64(block.timestamp)});
        emit VersionPublished(datanetId, version, root, count);
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    function datanetCount() external view returns (uint256) {
        return _datanetCount;
    }

    function contributionCount() external view returns (uint256) {
        return _contributionCount;
    }

    function getDatanet(uint256 datanetId) external view returns (Datanet memory) {
        return _requireDatanet(datanetId);
    }

    function getContribution(uint256 contributionId) external view returns (Contribution memory) {
        Contribution storage c = _contributions[contributionId];
        if (c.contributor == address(0)) revert UnknownContribution(contributionId);
        return c;
    }

    /// @notice The contribution id registered for `contentHash` in a Datanet (0 = none).
    function contributionIdByHash(uint256 datanetId, bytes32 contentHash) external view returns (uint256) {
        return _byHash[datanetId][contentHash];
    }

    function versionCount(uint256 datanetId) external view returns (uint32) {
        return _requireDatanet(datanetId).versionCount;
    }

    function acceptedCount(uint256 datanetId) external view returns (uint32) {
        return _requireDatanet(datanetId).acceptedCount;
    }

    function getVersion(uint256 datanetId, uint32 version) external view returns (Version memory) {
        if (!versionExists(datanetId, version)) revert UnknownVersion(datanetId, version);
        return _versions[datanetId][version];
    }

    /// @notice True when Datanet `datanetId` exists and has published `version` (1-based).
    function versionExists(uint256 datanetId, uint32 version) public view returns (bool) {
        return datanetId != 0 && datanetId <= _datanetCount && version != 0
            && version <= _datanets[datanetId].versionCount;
    }

    function _requireDatanet(uint256 datanetId) private view returns (Datanet storage d) {
        if (datanetId == 0 || datanetId > _datanetCount) revert UnknownDatanet(datanetId);
        return _datanets[datanetId];
    }
}
