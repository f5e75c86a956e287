// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice Boot information of a workload, ABI-identical to dstack's `IAppAuth.AppBootInfo`
/// (dstack/kms/auth-eth/contracts/IAppAuth.sol), so dstack's auth-eth server can call Custos contracts.
interface IAppAuth {
    struct AppBootInfo {
        address appId;
        bytes32 composeHash;
        address instanceId;
        bytes32 deviceId;
        bytes32 mrAggregated;
        bytes32 mrSystem;
        bytes32 osImageHash;
        string tcbStatus;
        string[] advisoryIds;
    }

    /// @return isAllowed whether the workload may boot / get keys
    /// @return reason why not ("" when allowed)
    function isAppAllowed(AppBootInfo calldata bootInfo) external view returns (bool isAllowed, string memory reason);
}

/// @notice dstack's `IAppAuthBasicManagement` (ERC-165 id 0x8fd37527).
interface IAppAuthBasicManagement {
    event ComposeHashAdded(bytes32 composeHash);
    event ComposeHashRemoved(bytes32 composeHash);
    event DeviceAdded(bytes32 deviceId);
    event DeviceRemoved(bytes32 deviceId);

    function addComposeHash(bytes32 composeHash) external;
    function removeComposeHash(bytes32 composeHash) external;
    function addDevice(bytes32 deviceId) external;
    function removeDevice(bytes32 deviceId) external;
}

/// @notice Minimal ERC-165.
interface IERC165 {
    function supportsInterface(bytes4 interfaceId) external view returns (bool);
}
