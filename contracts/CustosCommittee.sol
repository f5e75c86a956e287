// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title CustosCommittee — the threshold-signing committee: participants, threshold, epochs, resharing,
/// allowed code measurements and per-participant attestation records.
/// @notice Governance follows NEAR MPC's signer contract (near-mpc.md §1.5-1.6), simplified:
/// - `voteNewParameters` passes when `threshold` current participants voted for the identical proposal; the
///   contract then enters Resharing for `epochId + 1`. Every prospective participant confirms with
///   `voteReshared` once it holds its new share; the last confirmation starts the new epoch.
///   `threshold` current participants can `voteCancelResharing`; the cancelled epoch id is never reused.
/// - `voteCodeHash` / `voteRemoveCodeHash` pass at `threshold` current participants' votes.
/// - `submitAttestation` records a digest of the participant's evidence and its identity fields; the evidence is
///   verified OFF chain by the other nodes (no on-chain DCAP verification). The measurement must be allowed at
///   submission, and `hasValidAttestation` re-checks it against the current allow-list on every call.
/// - Domains (NEAR `vote_add_domains` / `vote_pk`): every current participant votes the identical list of new
///   domains; the contract enters Initializing and the committee runs a DKG for each new domain in order. Every
///   participant then votes the group public key it computed for (domain, attempt) with `votePk`; when all agree
///   the key is recorded, and after the last new domain the contract is Running again. A failed attempt is
///   simply retried under a new attempt id.
/// Votes are per epoch: a participant set change makes all pending votes stale.
contract CustosCommittee {
    enum State {
        Running,
        Resharing,
        Initializing
    }

    /// @notice signature scheme of a domain: 0 Ed25519 (FROST), 1 secp256k1 FROST, 2 BIP-340 (FROST)
    uint8 public constant SCHEME_COUNT = 3;

    struct DomainSpec {
        uint8 scheme;
        string purpose;
    }

    struct Domain {
        uint32 id;
        uint8 scheme;
        string purpose;
        /// group public key; empty until the DKG for this domain has been voted
        bytes publicKey;
    }

    struct ParticipantInfo {
        address account;
        bytes signingPubkey;
        string url;
    }

    struct Participant {
        address account;
        uint32 id;
        bytes signingPubkey;
        string url;
    }

    struct Attestation {
        bytes32 digest;
        bytes32 measurement;
        bytes32 osImageHash;
        bytes32 composeHash;
        bytes32 deviceId;
        string tcbStatus;
        uint64 submittedAt;
        uint64 epochId;
    }

    State public state;
    uint64 public epochId;
    uint16 public threshold;
    uint32 public nextParticipantId;
    /// @notice epoch id of the last cancelled resharing (0 = none); a new proposal must use max(epochId, this) + 1
    uint64 public lastCancelledEpochId;

    Participant[] private _participants;
    mapping(address => uint256) private _indexPlusOne;

    Participant[] private _prospective;
    uint16 public prospectiveThreshold;
    uint64 public prospectiveEpochId;
    bytes32 public prospectiveProposalHash;

    mapping(bytes32 => bool) public allowedCodeHashes;
    mapping(bytes32 => uint64) private _codeHashRound;
    mapping(address => Attestation) private _attestations;

    /// @dev vote key => voter => voted
    mapping(bytes32 => mapping(address => bool)) private _voted;
    /// @dev vote key => count
    mapping(bytes32 => uint256) private _votes;
    /// @dev prospective epoch => voter => proposal hash voted for
    mapping(uint64 => mapping(address => bytes32)) private _paramsVoteOf;

    Domain[] private _domains;
    /// @notice index into the domain list of the domain whose key is being generated (valid while Initializing)
    uint32 public keygenDomainIndex;
    /// @dev domains-vote key => voter => voted (one vote per voter per proposal, per epoch)
    mapping(bytes32 => bytes32) private _domainsVoteOf;
    /// @dev (epoch, domain id, attempt) => voter => public-key hash voted for
    mapping(bytes32 => mapping(address => bytes32)) private _pkVoteOf;

    event EpochStarted(uint64 indexed epochId, uint16 threshold, address[] participants);
    event ParametersVoted(uint64 indexed prospectiveEpochId, bytes32 indexed proposalHash, address indexed voter, uint256 votes);
    event ResharingStarted(uint64 indexed prospectiveEpochId, bytes32 indexed proposalHash, uint16 threshold, address[] participants);
    event ResharedVoted(uint64 indexed prospectiveEpochId, address indexed voter, uint256 votes);
    event ResharingCancelVoted(uint64 indexed prospectiveEpochId, address indexed voter, uint256 votes);
    event ResharingCancelled(uint64 indexed prospectiveEpochId);
    event CodeHashVoted(bytes32 indexed codeHash, address indexed voter, bool add, uint256 votes);
    event CodeHashAdded(bytes32 indexed codeHash);
    event CodeHashRemoved(bytes32 indexed codeHash);
    event AttestationSubmitted(address indexed account, bytes32 digest, bytes32 measurement);
    event ParticipantUrlUpdated(address indexed account, string url);
    event DomainsVoted(uint64 indexed epochId, bytes32 indexed proposalHash, address indexed voter, uint256 votes);
    event DomainsAdded(uint32 firstDomainId, uint32 count);
    event DomainKeyVoted(uint32 indexed domainId, uint64 indexed attemptId, address indexed voter, bytes32 publicKeyHash, uint256 votes);
    event DomainKeyGenerated(uint32 indexed domainId, uint64 attemptId, bytes publicKey);

    error NotParticipant(address caller);
    error NotProspectiveParticipant(address caller);
    error AlreadyVoted(address voter);
    error WrongEpoch(uint64 expected, uint64 got);
    error NotRunning();
    error NotResharing();
    error InvalidParameters(string why);
    error CodeHashNotAllowed(bytes32 codeHash);
    error CodeHashAlreadyAllowed(bytes32 codeHash);
    error NotInitializing();
    error WrongDomain(uint32 expected, uint32 got);
    error InvalidDomain(string why);

    constructor(ParticipantInfo[] memory initial, uint16 threshold_, bytes32[] memory initialCodeHashes) {
        _validate(initial, threshold_, false);
        for (uint256 i = 0; i < initial.length; i++) {
            _participants.push(Participant(initial[i].account, uint32(i), initial[i].signingPubkey, initial[i].url));
            _indexPlusOne[initial[i].account] = i + 1;
        }
        nextParticipantId = uint32(initial.length);
        threshold = threshold_;
        for (uint256 i = 0; i < initialCodeHashes.length; i++) {
            allowedCodeHashes[initialCodeHashes[i]] = true;
            emit CodeHashAdded(initialCodeHashes[i]);
        }
        emit EpochStarted(0, threshold_, _accounts(_participants));
    }

    modifier onlyParticipant() {
        if (_indexPlusOne[msg.sender] == 0) revert NotParticipant(msg.sender);
        _;
    }

    // ---- views ----

    function participants() external view returns (Participant[] memory) {
        return _participants;
    }

    function prospectiveParticipants() external view returns (Participant[] memory) {
        return _prospective;
    }

    function participantCount() external view returns (uint256) {
        return _participants.length;
    }

    function isParticipant(address account) external view returns (bool) {
        return _indexPlusOne[account] != 0;
    }

    /// @notice The epoch id the next `voteNewParameters` must name.
    function nextEpochId() public view returns (uint64) {
        return (lastCancelledEpochId > epochId ? lastCancelledEpochId : epochId) + 1;
    }

    function proposalHash(ParticipantInfo[] calldata proposed, uint16 threshold_) public pure returns (bytes32) {
        return keccak256(abi.encode(proposed, threshold_));
    }

    function parametersVotes(uint64 prospectiveEpoch, bytes32 hash) external view returns (uint256) {
        return _votes[keccak256(abi.encode("params", prospectiveEpoch, hash))];
    }

    function codeHashVotes(bytes32 codeHash, bool add) external view returns (uint256) {
        return _votes[_codeHashKey(codeHash, add)];
    }

    function domains() external view returns (Domain[] memory) {
        return _domains;
    }

    /// @notice The domain whose key is being generated (reverts unless Initializing).
    function keygenDomain() external view returns (Domain memory) {
        if (state != State.Initializing) revert NotInitializing();
        return _domains[keygenDomainIndex];
    }

    function domainsProposalHash(DomainSpec[] calldata proposed) public pure returns (bytes32) {
        return keccak256(abi.encode(proposed));
    }

    /// @notice votes for adding `hash` (a domainsProposalHash) next, in the current epoch
    function domainsVotes(bytes32 hash) external view returns (uint256) {
        return _votes[keccak256(abi.encode("domains", epochId, _domains.length, hash))];
    }

    function attestationOf(address account) external view returns (Attestation memory) {
        return _attestations[account];
    }

    /// @notice True when `account` is a current participant whose recorded measurement is still allowed.
    function hasValidAttestation(address account) external view returns (bool) {
        Attestation storage a = _attestations[account];
        return _indexPlusOne[account] != 0 && a.submittedAt != 0 && allowedCodeHashes[a.measurement];
    }

    // ---- participant / threshold changes (NEAR vote_new_parameters) ----

    function voteNewParameters(uint64 prospectiveEpoch, ParticipantInfo[] calldata proposed, uint16 threshold_)
        external
        onlyParticipant
    {
        if (state != State.Running) revert NotRunning();
        uint64 expected = nextEpochId();
        if (prospectiveEpoch != expected) revert WrongEpoch(expected, prospectiveEpoch);
        _validate(proposed, threshold_, true);
        bytes32 hash = proposalHash(proposed, threshold_);
        bytes32 previous = _paramsVoteOf[prospectiveEpoch][msg.sender];
        if (previous == hash) revert AlreadyVoted(msg.sender);
        if (previous != bytes32(0)) _votes[keccak256(abi.encode("params", prospectiveEpoch, previous))] -= 1;
        _paramsVoteOf[prospectiveEpoch][msg.sender] = hash;
        bytes32 key = keccak256(abi.encode("params", prospectiveEpoch, hash));
        uint256 n = ++_votes[key];
        emit ParametersVoted(prospectiveEpoch, hash, msg.sender, n);
        if (n >= threshold) _startResharing(prospectiveEpoch, hash, proposed, threshold_);
    }

    /// @notice A prospective participant confirms it holds its share for the new epoch. The last one switches epochs.
    function voteReshared(uint64 prospectiveEpoch) external {
        if (state != State.Resharing) revert NotResharing();
        if (prospectiveEpoch != prospectiveEpochId) revert WrongEpoch(prospectiveEpochId, prospectiveEpoch);
        bool found = false;
        for (uint256 i = 0; i < _prospective.length; i++) {
            if (_prospective[i].account == msg.sender) found = true;
        }
        if (!found) revert NotProspectiveParticipant(msg.sender);
        uint256 n = _vote(keccak256(abi.encode("reshared", prospectiveEpoch)));
        emit ResharedVoted(prospectiveEpoch, msg.sender, n);
        if (n == _prospective.length) _finishResharing();
    }

    /// @notice Current (previous-epoch) participants cancel a resharing at `threshold` votes.
    function voteCancelResharing() external onlyParticipant {
        if (state != State.Resharing) revert NotResharing();
        uint64 e = prospectiveEpochId;
        uint256 n = _vote(keccak256(abi.encode("cancel", e)));
        emit ResharingCancelVoted(e, msg.sender, n);
        if (n >= threshold) {
            state = State.Running;
            lastCancelledEpochId = e;
            delete _prospective;
            prospectiveEpochId = 0;
            prospectiveThreshold = 0;
            prospectiveProposalHash = bytes32(0);
            emit ResharingCancelled(e);
        }
    }

    function updateParticipantUrl(string calldata url) external onlyParticipant {
        _participants[_indexPlusOne[msg.sender] - 1].url = url;
        emit ParticipantUrlUpdated(msg.sender, url);
    }

    // ---- domains and their keys (NEAR vote_add_domains / vote_pk) ----

    /// @notice Every current participant must vote the identical list; the last vote starts key generation.
    function voteAddDomains(DomainSpec[] calldata proposed) external onlyParticipant {
        if (state != State.Running) revert NotRunning();
        if (proposed.length == 0) revert InvalidDomain("no domains");
        for (uint256 i = 0; i < proposed.length; i++) {
            if (proposed[i].scheme >= SCHEME_COUNT) revert InvalidDomain("unknown scheme");
            if (bytes(proposed[i].purpose).length == 0) revert InvalidDomain("empty purpose");
        }
        bytes32 hash = domainsProposalHash(proposed);
        bytes32 voterKey = keccak256(abi.encode("domains-voter", epochId, _domains.length, msg.sender));
        bytes32 previous = _domainsVoteOf[voterKey];
        if (previous == hash) revert AlreadyVoted(msg.sender);
        if (previous != bytes32(0)) _votes[keccak256(abi.encode("domains", epochId, _domains.length, previous))] -= 1;
        _domainsVoteOf[voterKey] = hash;
        uint256 n = ++_votes[keccak256(abi.encode("domains", epochId, _domains.length, hash))];
        emit DomainsVoted(epochId, hash, msg.sender, n);
        if (n < _participants.length) return;
        uint32 first = uint32(_domains.length);
        keygenDomainIndex = first;
        for (uint256 i = 0; i < proposed.length; i++) {
            _domains.push(Domain(uint32(first + i), proposed[i].scheme, proposed[i].purpose, ""));
        }
        state = State.Initializing;
        emit DomainsAdded(first, uint32(proposed.length));
    }

    /// @notice A participant reports the group public key its DKG produced for (domain, attempt). When every
    /// current participant reported the same key, the key is recorded and the next domain (or Running) follows.
    function votePk(uint32 domainId, uint64 attemptId, bytes calldata publicKey) external onlyParticipant {
        if (state != State.Initializing) revert NotInitializing();
        Domain storage d = _domains[keygenDomainIndex];
        if (domainId != d.id) revert WrongDomain(d.id, domainId);
        if (publicKey.length == 0 || publicKey.length > 65) revert InvalidDomain("public key length");
        bytes32 pkHash = keccak256(publicKey);
        bytes32 attempt = keccak256(abi.encode("pk", epochId, domainId, attemptId));
        if (_pkVoteOf[attempt][msg.sender] != bytes32(0)) revert AlreadyVoted(msg.sender);
        _pkVoteOf[attempt][msg.sender] = pkHash;
        uint256 n = ++_votes[keccak256(abi.encode(attempt, pkHash))];
        emit DomainKeyVoted(domainId, attemptId, msg.sender, pkHash, n);
        if (n < _participants.length) return;
        d.publicKey = publicKey;
        emit DomainKeyGenerated(domainId, attemptId, publicKey);
        if (keygenDomainIndex + 1 < _domains.length) keygenDomainIndex += 1;
        else state = State.Running;
    }

    // ---- code measurements (NEAR vote_code_hash) ----

    function voteCodeHash(bytes32 codeHash) external onlyParticipant {
        if (allowedCodeHashes[codeHash]) revert CodeHashAlreadyAllowed(codeHash);
        uint256 n = _vote(_codeHashKey(codeHash, true));
        emit CodeHashVoted(codeHash, msg.sender, true, n);
        if (n >= threshold) {
            allowedCodeHashes[codeHash] = true;
            _codeHashRound[codeHash] += 1;
            emit CodeHashAdded(codeHash);
        }
    }

    function voteRemoveCodeHash(bytes32 codeHash) external onlyParticipant {
        if (!allowedCodeHashes[codeHash]) revert CodeHashNotAllowed(codeHash);
        uint256 n = _vote(_codeHashKey(codeHash, false));
        emit CodeHashVoted(codeHash, msg.sender, false, n);
        if (n >= threshold) {
            allowedCodeHashes[codeHash] = false;
            _codeHashRound[codeHash] += 1;
            emit CodeHashRemoved(codeHash);
        }
    }

    // ---- attestation ----

    /// @notice Record the digest of this participant's evidence (e.g. sha256 of the quote) and the identity
    /// fields it attests. `measurement` must be an allowed code hash. Not verified on chain.
    function submitAttestation(
        bytes32 digest,
        bytes32 measurement,
        bytes32 osImageHash,
        bytes32 composeHash,
        bytes32 deviceId,
        string calldata tcbStatus
    ) external onlyParticipant {
        if (!allowedCodeHashes[measurement]) revert CodeHashNotAllowed(measurement);
        _attestations[msg.sender] = Attestation(
            digest, measurement, osImageHash, composeHash, deviceId, tcbStatus, uint64(block.timestamp), epochId
        );
        emit AttestationSubmitted(msg.sender, digest, measurement);
    }

    // ---- internals ----

    function _vote(bytes32 key) private returns (uint256) {
        if (_voted[key][msg.sender]) revert AlreadyVoted(msg.sender);
        _voted[key][msg.sender] = true;
        return ++_votes[key];
    }

    function _codeHashKey(bytes32 codeHash, bool add) private view returns (bytes32) {
        return keccak256(abi.encode("code", epochId, codeHash, _codeHashRound[codeHash], add));
    }

    function _startResharing(uint64 e, bytes32 hash, ParticipantInfo[] calldata proposed, uint16 threshold_) private {
        state = State.Resharing;
        prospectiveEpochId = e;
        prospectiveThreshold = threshold_;
        prospectiveProposalHash = hash;
        delete _prospective;
        uint32 nextId = nextParticipantId;
        for (uint256 i = 0; i < proposed.length; i++) {
            uint256 idx = _indexPlusOne[proposed[i].account];
            uint32 id = idx != 0 ? _participants[idx - 1].id : nextId++;
            _prospective.push(Participant(proposed[i].account, id, proposed[i].signingPubkey, proposed[i].url));
        }
        emit ResharingStarted(e, hash, threshold_, _accounts(_prospective));
    }

    function _finishResharing() private {
        for (uint256 i = 0; i < _participants.length; i++) {
            delete _indexPlusOne[_participants[i].account];
        }
        delete _participants;
        uint32 maxId = nextParticipantId;
        for (uint256 i = 0; i < _prospective.length; i++) {
            _participants.push(_prospective[i]);
            _indexPlusOne[_prospective[i].account] = i + 1;
            if (_prospective[i].id >= maxId) maxId = _prospective[i].id + 1;
        }
        nextParticipantId = maxId;
        epochId = prospectiveEpochId;
        threshold = prospectiveThreshold;
        state = State.Running;
        delete _prospective;
        prospectiveEpochId = 0;
        prospectiveThreshold = 0;
        prospectiveProposalHash = bytes32(0);
        emit EpochStarted(epochId, threshold, _accounts(_participants));
    }

    /// @dev n >= 1, 1 <= k <= n, 2k > n (any two passing votes overlap), no zero/duplicate accounts, and for a
    /// change at least `threshold` current participants stay (they hold the shares to reshare from).
    function _validate(ParticipantInfo[] memory proposed, uint16 k, bool isChange) private view {
        uint256 n = proposed.length;
        if (n == 0) revert InvalidParameters("no participants");
        if (k == 0 || k > n) revert InvalidParameters("threshold out of range");
        if (2 * uint256(k) <= n) revert InvalidParameters("threshold must exceed half the participants");
        uint256 stay = 0;
        for (uint256 i = 0; i < n; i++) {
            address a = proposed[i].account;
            if (a == address(0)) revert InvalidParameters("zero account");
            for (uint256 j = 0; j < i; j++) {
                if (proposed[j].account == a) revert InvalidParameters("duplicate account");
            }
            if (isChange && _indexPlusOne[a] != 0) stay++;
        }
        if (isChange && stay < threshold) revert InvalidParameters("fewer than threshold current participants remain");
    }

    function _accounts(Participant[] storage ps) private view returns (address[] memory out) {
        out = new address[](ps.length);
        for (uint256 i = 0; i < ps.length; i++) {
            out[i] = ps[i].account;
        }
    }
}
