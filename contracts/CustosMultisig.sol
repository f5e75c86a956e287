// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title CustosMultisig — a small k-of-n owner for CustosKms / CustosApp (or anything with an owner).
/// @notice An owner submits a call (target, value, data), which counts as its confirmation; it runs as soon as
/// `threshold` owners confirmed. A failing call reverts the confirming transaction (nothing is recorded), so it
/// can be retried. Changing owners/threshold is a call to this contract itself (`setOwners`) and invalidates all
/// pending transactions (their `ownersVersion` no longer matches).
contract CustosMultisig {
    struct Transaction {
        address target;
        uint256 value;
        bytes data;
        bool executed;
        uint64 ownersVersion;
        uint256 confirmations;
    }

    address[] private _owners;
    mapping(address => bool) public isOwner;
    uint256 public threshold;
    uint64 public ownersVersion;
    Transaction[] private _txs;
    mapping(uint256 => mapping(address => bool)) public confirmed;

    event Submitted(uint256 indexed id, address indexed owner, address indexed target, uint256 value, bytes data);
    event Confirmed(uint256 indexed id, address indexed owner, uint256 confirmations);
    event Revoked(uint256 indexed id, address indexed owner, uint256 confirmations);
    event Executed(uint256 indexed id);
    event OwnersChanged(address[] owners, uint256 threshold, uint64 ownersVersion);

    error NotAnOwner(address caller);
    error OnlySelf();
    error AlreadyConfirmed(uint256 id, address owner);
    error NotConfirmed(uint256 id, address owner);
    error UnknownTransaction(uint256 id);
    error AlreadyExecuted(uint256 id);
    error StaleTransaction(uint256 id);
    error InvalidOwners(string why);
    error CallFailed(uint256 id, bytes returnData);

    constructor(address[] memory owners_, uint256 threshold_) {
        _setOwners(owners_, threshold_);
    }

    receive() external payable {}

    modifier onlyOwner() {
        if (!isOwner[msg.sender]) revert NotAnOwner(msg.sender);
        _;
    }

    function owners() external view returns (address[] memory) {
        return _owners;
    }

    function transactionCount() external view returns (uint256) {
        return _txs.length;
    }

    function getTransaction(uint256 id) external view returns (Transaction memory) {
        if (id >= _txs.length) revert UnknownTransaction(id);
        return _txs[id];
    }

    function submit(address target, uint256 value, bytes calldata data) external onlyOwner returns (uint256 id) {
        id = _txs.length;
        _txs.push(Transaction(target, value, data, false, ownersVersion, 0));
        emit Submitted(id, msg.sender, target, value, data);
        _confirm(id);
    }

    function confirm(uint256 id) external onlyOwner {
        _confirm(id);
    }

    function revoke(uint256 id) external onlyOwner {
        Transaction storage t = _live(id);
        if (!confirmed[id][msg.sender]) revert NotConfirmed(id, msg.sender);
        confirmed[id][msg.sender] = false;
        t.confirmations -= 1;
        emit Revoked(id, msg.sender, t.confirmations);
    }

    /// @notice Only callable by this contract (i.e. through a confirmed transaction).
    function setOwners(address[] calldata owners_, uint256 threshold_) external {
        if (msg.sender != address(this)) revert OnlySelf();
        for (uint256 i = 0; i < _owners.length; i++) {
            isOwner[_owners[i]] = false;
        }
        _setOwners(owners_, threshold_);
    }

    function _confirm(uint256 id) private {
        Transaction storage t = _live(id);
        if (confirmed[id][msg.sender]) revert AlreadyConfirmed(id, msg.sender);
        confirmed[id][msg.sender] = true;
        t.confirmations += 1;
        emit Confirmed(id, msg.sender, t.confirmations);
        if (t.confirmations >= threshold) {
            t.executed = true;
            (bool ok, bytes memory ret) = t.target.call{value: t.value}(t.data);
            if (!ok) revert CallFailed(id, ret);
            emit Executed(id);
        }
    }

    function _live(uint256 id) private view returns (Transaction storage t) {
        if (id >= _txs.length) revert UnknownTransaction(id);
        t = _txs[id];
        if (t.executed) revert AlreadyExecuted(id);
        if (t.ownersVersion != ownersVersion) revert StaleTransaction(id);
    }

    function _setOwners(address[] memory owners_, uint256 threshold_) private {
        if (owners_.length == 0) revert InvalidOwners("no owners");
        if (threshold_ == 0 || threshold_ > owners_.length) revert InvalidOwners("threshold out of range");
        for (uint256 i = 0; i < owners_.length; i++) {
            address o = owners_[i];
            if (o == address(0)) revert InvalidOwners("zero owner");
            if (isOwner[o]) revert InvalidOwners("duplicate owner");
            isOwner[o] = true;
        }
        _owners = owners_;
        threshold = threshold_;
        ownersVersion += 1;
        emit OwnersChanged(owners_, threshold_, ownersVersion);
    }
}
