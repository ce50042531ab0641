// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

/// @title DatanetRegistry
/// @notice Community datasets ("Datanets"): contributions are registered by content hash with a bond;
///         the Datanet owner accepts (bond returned) or rejects (bond slashed to the Datanet treasury) them
///         and publishes versions (a Merkle root over accepted contributions). In an open (non-curated)
///         Datanet contributions are accepted at once and the bond is returned in the same transaction.
///         Ids start at 1 (0 = none); versions are numbered 1..n per Datanet.
///
///         Content is bound to its uploader: when an attester is set (governance), a contribution needs the
///         attester's EIP-712 signature over (datanetId, contentHash, uploader, deadline), which the content
///         server gives only to the account that uploaded those bytes first. Copying the hash from someone's
///         pending transaction or from the content store therefore cannot register it first.
///
///         Takedown: a contributor withdraws their own contribution (`withdraw`), and a Datanet owner removes one
///         on a third party's takedown request with a stated reason (`remove`). Either marks it withdrawn once and
///         for all (`withdrawnAt`, `withdrawnBy`) and emits `ContributionWithdrawn`; served models skip it from
///         then on. Nothing moves: no token, no status, no bond. A pending contribution keeps its bond under the
///         review rule (accept → back to the contributor, reject → the treasury), exactly as without the
///         withdrawal, so `remove` gives an owner no power over value it did not already have.
contract DatanetRegistry is ReentrancyGuard, AccessControl, EIP712 {
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

    /// @notice A contributor's terms for model outputs, fixed at registration. Kind 0: open; 1: attribution
    ///         required (answers that use it carry the credit); 2: as 1, and no answer may copy more than
    ///         `maxVerbatimTokens` consecutive tokens from it (models back off; traced answers are flagged).
    struct Terms {
        uint8 kind;
        uint16 maxVerbatimTokens;
    }

    /// @notice An ERC-2612 permit of the bond token, signed by the contributor for this registry.
    struct Permit {
        uint256 value;
        uint256 deadline;
        uint8 v;
        bytes32 r;
        bytes32 s;
    }

    struct Version {
        bytes32 root;
        uint32 count;
        uint64 publishedAt;
    }

    uint8 public constant TERMS_NO_VERBATIM = 2;
    uint16 public constant MIN_VERBATIM_TOKENS = 8;
    uint16 public constant MAX_VERBATIM_TOKENS = 4096;

    bytes32 public constant CONTENT_ATTESTATION_TYPEHASH =
        keccak256("ContentAttestation(uint256 datanetId,bytes32 contentHash,address uploader,uint256 deadline)");

    IERC20 public immutable bondToken;
    /// @notice Signs (datanet, content, uploader) bindings; zero = no attestation needed (governed).
    address public attester;

    uint256 private _datanetCount;
    uint256 private _contributionCount;
    mapping(uint256 datanetId => Datanet) private _datanets;
    mapping(uint256 contributionId => Contribution) private _contributions;
    mapping(uint256 datanetId => mapping(uint32 version => Version)) private _versions;
    mapping(uint256 datanetId => mapping(bytes32 contentHash => uint256 contributionId)) private _byHash;
    mapping(uint256 contributionId => Terms) private _terms;
    /// @dev Who withdrew a contribution and when (one slot); zero = not withdrawn.
    struct Withdrawal {
        address by;
        uint64 time;
    }

    mapping(uint256 contributionId => Withdrawal) private _withdrawals;

    /// @notice The longest takedown reason `remove` takes, in bytes (it is stored in the event log only).
    uint256 public constant MAX_REASON_BYTES = 280;

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
    event DatanetMetadataChanged(uint256 indexed datanetId, bytes32 metadataHash, string metadataURI);
    event AttesterChanged(address attester);
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
    /// @notice A contribution was withdrawn: by its contributor (`reason` empty) or removed by the Datanet's
    ///         owner on a takedown request (`by` = the owner, `reason` stated).
    event ContributionWithdrawn(
        uint256 indexed contributionId, uint256 indexed datanetId, address indexed by, string reason
    );
    event VersionPublished(uint256 indexed datanetId, uint32 indexed version, bytes32 root, uint32 count);
    event ContributionTerms(uint256 indexed contributionId, uint8 kind, uint16 maxVerbatimTokens);

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
    error BondAboveMax(uint256 bond, uint256 maxBond);
    error AttestationExpired(uint256 deadline);
    error InvalidAttestation();
    error InvalidTerms(uint8 kind, uint16 maxVerbatimTokens);
    error NotContributor(uint256 contributionId, address caller);
    error AlreadyWithdrawn(uint256 contributionId);
    error EmptyReason();
    error ReasonTooLong(uint256 length, uint256 maxLength);
    error PermitFailed(address contributor, uint256 allowance, uint256 bond);

    constructor(IERC20 bondToken_, address governance, address attester_) EIP712("DatanetRegistry", "1") {
        bondToken = bondToken_;
        _grantRole(DEFAULT_ADMIN_ROLE, governance);
        attester = attester_;
        emit AttesterChanged(attester_);
    }

    function setAttester(address attester_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        attester = attester_;
        emit AttesterChanged(attester_);
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

    /// @notice The owner replaces the Datanet's metadata (summary, description, tags live behind the URI).
    function setMetadata(uint256 datanetId, bytes32 metadataHash, string calldata metadataURI)
        external
        onlyDatanetOwner(datanetId)
    {
        Datanet storage d = _datanets[datanetId];
        d.metadataHash = metadataHash;
        d.metadataURI = metadataURI;
        emit DatanetMetadataChanged(datanetId, metadataHash, metadataURI);
    }

    /// @notice Changes the bond future contributions must post. Pending contributions keep their bond, and a
    ///         contributor's `maxBond` caps what a change racing their transaction can take.
    function setBond(uint256 datanetId, uint256 bond) external onlyDatanetOwner(datanetId) {
        _datanets[datanetId].bond = bond;
        emit DatanetBondChanged(datanetId, bond);
    }

    // ---------------------------------------------------------------------------------------------
    // Contributions
    // ---------------------------------------------------------------------------------------------

    /// @notice Registers a contribution (content-addressed) and takes the Datanet's bond from the caller
    ///         (needs an allowance), reverting if the bond is above `maxBond`. Open Datanets accept at once and
    ///         return the bond in the same tx. `deadline`/`attestation`: the attester's binding of the content to
    ///         the caller (ignored while no attester is set).
    function contribute(
        uint256 datanetId,
        bytes32 contentHash,
        uint64 bytes_,
        uint32 records,
        uint256 maxBond,
        uint256 deadline,
        bytes calldata attestation
    ) external nonReentrant returns (uint256 contributionId) {
        return _contribute(datanetId, contentHash, bytes_, records, maxBond, deadline, attestation);
    }

    /// @notice `contribute` with the contributor's terms for model outputs (see `Terms`); they never change.
    function contributeWithTerms(
        uint256 datanetId,
        bytes32 contentHash,
        uint64 bytes_,
        uint32 records,
        uint256 maxBond,
        uint256 deadline,
        bytes calldata attestation,
        Terms calldata terms
    ) external nonReentrant returns (uint256 contributionId) {
        return _contributeWithTerms(datanetId, contentHash, bytes_, records, maxBond, deadline, attestation, terms);
    }

    /// @notice `contributeWithTerms` with an ERC-2612 permit for the bond instead of a prior `approve`: one signature
    ///         and one transaction. A permit someone already submitted (front-running it from the mempool uses its
    ///         nonce) is not an obstacle: when `permit` reverts, the allowance it granted is used, and only if that is
    ///         below the bond does the call revert, with `PermitFailed`. Terms kind 0 = open (as `contribute`).
    function contributeWithPermit(
        uint256 datanetId,
        bytes32 contentHash,
        uint64 bytes_,
        uint32 records,
        uint256 maxBond,
        uint256 deadline,
        bytes calldata attestation,
        Terms calldata terms,
        Permit calldata permit
    ) external nonReentrant returns (uint256 contributionId) {
        try IERC20Permit(address(bondToken)).permit(
            msg.sender, address(this), permit.value, permit.deadline, permit.v, permit.r, permit.s
        ) {} catch {}
        uint256 bond = _requireDatanet(datanetId).bond;
        uint256 allowance = bondToken.allowance(msg.sender, address(this));
        if (allowance < bond) revert PermitFailed(msg.sender, allowance, bond);
        return _contributeWithTerms(datanetId, contentHash, bytes_, records, maxBond, deadline, attestation, terms);
    }

    function _contributeWithTerms(
        uint256 datanetId,
        bytes32 contentHash,
        uint64 bytes_,
        uint32 records,
        uint256 maxBond,
        uint256 deadline,
        bytes calldata attestation,
        Terms calldata terms
    ) private returns (uint256 contributionId) {
        bool limited = terms.kind == TERMS_NO_VERBATIM;
        if (
            terms.kind > TERMS_NO_VERBATIM
                || (limited && (terms.maxVerbatimTokens < MIN_VERBATIM_TOKENS || terms.maxVerbatimTokens > MAX_VERBATIM_TOKENS))
                || (!limited && terms.maxVerbatimTokens != 0)
        ) revert InvalidTerms(terms.kind, terms.maxVerbatimTokens);
        contributionId = _contribute(datanetId, contentHash, bytes_, records, maxBond, deadline, attestation);
        if (terms.kind != 0) {
            _terms[contributionId] = terms;
            emit ContributionTerms(contributionId, terms.kind, terms.maxVerbatimTokens);
        }
    }

    function _contribute(
        uint256 datanetId,
        bytes32 contentHash,
        uint64 bytes_,
        uint32 records,
        uint256 maxBond,
        uint256 deadline,
        bytes calldata attestation
    ) private returns (uint256 contributionId) {
        Datanet storage d = _requireDatanet(datanetId);
        if (contentHash == bytes32(0)) revert ZeroContentHash();
        if (bytes_ == 0 || records == 0) revert EmptyContribution();
        if (_byHash[datanetId][contentHash] != 0) revert DuplicateContribution(datanetId, contentHash);
        uint256 bond = d.bond;
        if (bond > maxBond) revert BondAboveMax(bond, maxBond);
        _checkAttestation(datanetId, contentHash, deadline, attestation);

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

    /// @notice The contributor withdraws their contribution: models stop using it from the next inference on.
    ///         Earnings already credited stay; nothing is transferred.
    function withdraw(uint256 contributionId) external {
        Contribution storage c = _contributions[contributionId];
        if (c.contributor == address(0)) revert UnknownContribution(contributionId);
        if (msg.sender != c.contributor) revert NotContributor(contributionId, msg.sender);
        _withdraw(contributionId, c.datanetId, "");
    }

    /// @notice The Datanet owner removes a contribution on a third party's takedown request, stating why
    ///         (1..MAX_REASON_BYTES bytes, public in the event). Nothing is transferred.
    function remove(uint256 contributionId, string calldata reason) external {
        Contribution storage c = _contributions[contributionId];
        if (c.contributor == address(0)) revert UnknownContribution(contributionId);
        uint256 datanetId = c.datanetId;
        if (msg.sender != _datanets[datanetId].owner) revert NotDatanetOwner(datanetId, msg.sender);
        uint256 length = bytes(reason).length;
        if (length == 0) revert EmptyReason();
        if (length > MAX_REASON_BYTES) revert ReasonTooLong(length, MAX_REASON_BYTES);
        _withdraw(contributionId, datanetId, reason);
    }

    function _withdraw(uint256 contributionId, uint256 datanetId, string memory reason) private {
        Withdrawal storage w = _withdrawals[contributionId];
        if (w.time != 0) revert AlreadyWithdrawn(contributionId);
        w.by = msg.sender;
        w.time = uint64(block.timestamp);
        emit ContributionWithdrawn(contributionId, datanetId, msg.sender, reason);
    }

    function _checkAttestation(uint256 datanetId, bytes32 contentHash, uint256 deadline, bytes calldata attestation)
        private
        view
    {
        address a = attester;
        if (a == address(0)) return;
        if (block.timestamp > deadline) revert AttestationExpired(deadline);
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(CONTENT_ATTESTATION_TYPEHASH, datanetId, contentHash, msg.sender, deadline))
        );
        if (!SignatureChecker.isValidSignatureNow(a, digest, attestation)) revert InvalidAttestation();
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

    /// @notice A contribution's terms for model outputs (kind 0, open, when none were set).
    function termsOf(uint256 contributionId) external view returns (Terms memory) {
        if (_contributions[contributionId].contributor == address(0)) revert UnknownContribution(contributionId);
        return _terms[contributionId];
    }

    /// @notice When a contribution was withdrawn or removed (block timestamp; 0 = it was not).
    function withdrawnAt(uint256 contributionId) external view returns (uint64) {
        return _withdrawals[contributionId].time;
    }

    /// @notice Who withdrew (the contributor) or removed (the Datanet owner) a contribution (0 = nobody).
    function withdrawnBy(uint256 contributionId) external view returns (address) {
        return _withdrawals[contributionId].by;
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
