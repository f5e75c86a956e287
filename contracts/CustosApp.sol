// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAppAuth, IAppAuthBasicManagement, IERC165} from "./IAppAuth.sol";
import {Owned} from "./Owned.sol";

/// @title CustosApp — one contract per app; the app id is this contract's address (dstack style).
/// @notice Mirrors dstack's DstackApp: allowed compose hashes, allowed devices (or any device) and an optional
/// "TCB must be UpToDate" requirement. Not upgradeable: to change logic, deploy a new app (new app id).
contract CustosApp is Owned, IAppAuth, IAppAuthBasicManagement, IERC165 {
    mapping(bytes32 => bool) public allowedComposeHashes;
    mapping(bytes32 => bool) public allowedDeviceIds;
    bool public allowAnyDevice;
    bool public requireTcbUpToDate;

    event AllowAnyDeviceSet(bool allowAnyDevice);
    event RequireTcbUpToDateSet(bool requireUpToDate);

    /// @param initialDeviceId added when non-zero
    /// @param initialComposeHash added when non-zero
    constructor(
        address initialOwner,
        bool requireTcbUpToDate_,
        bool allowAnyDevice_,
        bytes32 initialDeviceId,
        bytes32 initialComposeHash
    ) Owned(initialOwner) {
        requireTcbUpToDate = requireTcbUpToDate_;
        allowAnyDevice = allowAnyDevice_;
        emit RequireTcbUpToDateSet(requireTcbUpToDate_);
        emit AllowAnyDeviceSet(allowAnyDevice_);
        if (initialDeviceId != bytes32(0)) {
            allowedDeviceIds[initialDeviceId] = true;
            emit DeviceAdded(initialDeviceId);
        }
        if (initialComposeHash != bytes32(0)) {
            allowedComposeHashes[initialComposeHash] = true;
            emit ComposeHashAdded(initialComposeHash);
        }
    }

    function version() external pure returns (uint256) {
        return 2;
    }

    function addComposeHash(bytes32 composeHash) external onlyOwner {
        allowedComposeHashes[composeHash] = true;
        emit ComposeHashAdded(composeHash);
    }

    function removeComposeHash(bytes32 composeHash) external onlyOwner {
        allowedComposeHashes[composeHash] = false;
        emit ComposeHashRemoved(composeHash);
    }

    function addDevice(bytes32 deviceId) external onlyOwner {
        allowedDeviceIds[deviceId] = true;
        emit DeviceAdded(deviceId);
    }

    function removeDevice(bytes32 deviceId) external onlyOwner {
        allowedDeviceIds[deviceId] = false;
        emit DeviceRemoved(deviceId);
    }

    function setAllowAnyDevice(bool allow) external onlyOwner {
        allowAnyDevice = allow;
        emit AllowAnyDeviceSet(allow);
    }

    function setRequireTcbUpToDate(bool require_) external onlyOwner {
        requireTcbUpToDate = require_;
        emit RequireTcbUpToDateSet(require_);
    }

    /// @notice dstack DstackApp order: TCB (if required), compose hash, device. instanceId and mrSystem are
    /// not checked (as in dstack).
    function isAppAllowed(AppBootInfo calldata bootInfo) external view override returns (bool, string memory) {
        if (requireTcbUpToDate && keccak256(bytes(bootInfo.tcbStatus)) != keccak256("UpToDate")) {
            return (false, "TCB status is not up to date");
        }
        if (!allowedComposeHashes[bootInfo.composeHash]) return (false, "Compose hash not allowed");
        if (!allowAnyDevice && !allowedDeviceIds[bootInfo.deviceId]) return (false, "Device not allowed");
        return (true, "");
    }

    function supportsInterface(bytes4 interfaceId) external pure override returns (bool) {
        return interfaceId == type(IAppAuth).interfaceId || interfaceId == type(IAppAuthBasicManagement).interfaceId
            || interfaceId == type(IERC165).interfaceId;
    }
}
