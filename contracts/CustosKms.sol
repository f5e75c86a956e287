// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAppAuth, IERC165} from "./IAppAuth.sol";
import {Owned} from "./Owned.sol";
import {CustosApp} from "./CustosApp.sol";

/// @title CustosKms — the KMS registry (dstack DstackKms semantics, not upgradeable).
/// @notice Owner-governed allow-lists for KMS nodes (OS images, aggregated measurements, devices, TCB statuses),
/// the KMS info (root k256 public key, CA public key, bootstrap attestation), the gateway app id and the app
/// registry. `isKmsAllowed` / `isAppAllowed` are the views a policy backend (or dstack's auth-eth) calls on every
/// key request. Attestation evidence is NOT verified on chain: callers pass identity fields they verified off chain.
contract CustosKms is Owned, IERC165 {
    struct KmsInfo {
        bytes k256Pubkey;
        bytes caPubkey;
        bytes quote;
        bytes eventlog;
    }

    KmsInfo public kmsInfo;
    string public gatewayAppId;
    /// @notice dstack's DstackKms view (auth-eth's `GET /` reports it). Custos deploys whole CustosApp contracts,
    /// not ERC-1967 proxies, so nothing is deployed from it: the owner may record the address of a reference
    /// CustosApp for tools that display it. Zero until set.
    address public appImplementation;
    mapping(address => bool) public registeredApps;
    mapping(bytes32 => bool) public kmsAllowedAggregatedMrs;
    mapping(bytes32 => bool) public kmsAllowedDeviceIds;
    mapping(bytes32 => bool) public allowedOsImages;
    /// @notice keccak256(bytes(tcbStatus)) => allowed (for KMS nodes). Seeded with "UpToDate".
    mapping(bytes32 => bool) public allowedTcbStatusHashes;
    bool public kmsAllowAnyDevice;
    /// @notice When true (the default, as in dstack) anyone may register an app; when false only the owner.
    bool public openAppRegistration = true;

    event KmsInfoSet(bytes k256Pubkey, bytes caPubkey);
    event KmsQuoteSet(bytes quote);
    event KmsEventlogSet(bytes eventlog);
    event GatewayAppIdSet(string gatewayAppId);
    event AppImplementationSet(address implementation);
    event AppRegistered(address indexed appId);
    event AppDeregistered(address indexed appId);
    event AppDeployedViaFactory(address indexed appId, address indexed deployer);
    event KmsAggregatedMrAdded(bytes32 mrAggregated);
    event KmsAggregatedMrRemoved(bytes32 mrAggregated);
    event KmsDeviceAdded(bytes32 deviceId);
    event KmsDeviceRemoved(bytes32 deviceId);
    event KmsAllowAnyDeviceSet(bool allowAnyDevice);
    event OsImageHashAdded(bytes32 osImageHash);
    event OsImageHashRemoved(bytes32 osImageHash);
    event TcbStatusAdded(string tcbStatus);
    event TcbStatusRemoved(string tcbStatus);
    event OpenAppRegistrationSet(bool open);

    error AppAlreadyRegistered(address appId);
    error AppNotRegistered(address appId);

    constructor(address initialOwner) Owned(initialOwner) {
        allowedTcbStatusHashes[keccak256("UpToDate")] = true;
        emit TcbStatusAdded("UpToDate");
    }

    // ---- KMS info and gateway ----

    function setKmsInfo(KmsInfo calldata info) external onlyOwner {
        kmsInfo = info;
        emit KmsInfoSet(info.k256Pubkey, info.caPubkey);
    }

    function setKmsQuote(bytes calldata quote) external onlyOwner {
        kmsInfo.quote = quote;
        emit KmsQuoteSet(quote);
    }

    function setKmsEventlog(bytes calldata eventlog) external onlyOwner {
        kmsInfo.eventlog = eventlog;
        emit KmsEventlogSet(eventlog);
    }

    function setGatewayAppId(string calldata appId) external onlyOwner {
        gatewayAppId = appId;
        emit GatewayAppIdSet(appId);
    }

    function setAppImplementation(address implementation) external onlyOwner {
        if (implementation == address(0)) revert ZeroAddress();
        appImplementation = implementation;
        emit AppImplementationSet(implementation);
    }

    // ---- KMS allow-lists ----

    function addKmsAggregatedMr(bytes32 mr) external onlyOwner {
        kmsAllowedAggregatedMrs[mr] = true;
        emit KmsAggregatedMrAdded(mr);
    }

    function removeKmsAggregatedMr(bytes32 mr) external onlyOwner {
        kmsAllowedAggregatedMrs[mr] = false;
        emit KmsAggregatedMrRemoved(mr);
    }

    function addKmsDevice(bytes32 deviceId) external onlyOwner {
        kmsAllowedDeviceIds[deviceId] = true;
        emit KmsDeviceAdded(deviceId);
    }

    function removeKmsDevice(bytes32 deviceId) external onlyOwner {
        kmsAllowedDeviceIds[deviceId] = false;
        emit KmsDeviceRemoved(deviceId);
    }

    function setKmsAllowAnyDevice(bool allow) external onlyOwner {
        kmsAllowAnyDevice = allow;
        emit KmsAllowAnyDeviceSet(allow);
    }

    function addOsImageHash(bytes32 osImageHash) external onlyOwner {
        allowedOsImages[osImageHash] = true;
        emit OsImageHashAdded(osImageHash);
    }

    function removeOsImageHash(bytes32 osImageHash) external onlyOwner {
        allowedOsImages[osImageHash] = false;
        emit OsImageHashRemoved(osImageHash);
    }

    function addTcbStatus(string calldata tcbStatus) external onlyOwner {
        allowedTcbStatusHashes[keccak256(bytes(tcbStatus))] = true;
        emit TcbStatusAdded(tcbStatus);
    }

    function removeTcbStatus(string calldata tcbStatus) external onlyOwner {
        allowedTcbStatusHashes[keccak256(bytes(tcbStatus))] = false;
        emit TcbStatusRemoved(tcbStatus);
    }

    function isTcbStatusAllowed(string calldata tcbStatus) external view returns (bool) {
        return allowedTcbStatusHashes[keccak256(bytes(tcbStatus))];
    }

    // ---- app registry ----

    function setOpenAppRegistration(bool open) external onlyOwner {
        openAppRegistration = open;
        emit OpenAppRegistrationSet(open);
    }

    /// @notice Permissionless while `openAppRegistration` (as in dstack): an app id only unlocks keys scoped to
    /// that app id, and the app contract (the code at `appId`) decides which workloads qualify.
    function registerApp(address appId) public {
        if (!openAppRegistration && msg.sender != owner) revert NotOwner(msg.sender);
        if (appId == address(0)) revert ZeroAddress();
        if (registeredApps[appId]) revert AppAlreadyRegistered(appId);
        registeredApps[appId] = true;
        emit AppRegistered(appId);
    }

    /// @notice Custos extension: the KMS owner can take an app off the registry (dstack has no such call).
    function deregisterApp(address appId) external onlyOwner {
        if (!registeredApps[appId]) revert AppNotRegistered(appId);
        registeredApps[appId] = false;
        emit AppDeregistered(appId);
    }

    /// @notice Deploy a CustosApp owned by `appOwner` and register it (dstack `deployAndRegisterApp`).
    function deployAndRegisterApp(
        address appOwner,
        bool requireTcbUpToDate,
        bool allowAnyDevice,
        bytes32 initialDeviceId,
        bytes32 initialComposeHash
    ) external returns (address appId) {
        appId = address(new CustosApp(appOwner, requireTcbUpToDate, allowAnyDevice, initialDeviceId, initialComposeHash));
        registerApp(appId);
        emit AppDeployedViaFactory(appId, msg.sender);
    }

    // ---- the checks ----

    /// @notice dstack DstackKms order; the first failure returns its reason. The TCB status must be in the
    /// allowed set (dstack hard-codes "UpToDate"); `kmsAllowAnyDevice` skips the device check.
    function isKmsAllowed(IAppAuth.AppBootInfo calldata bootInfo) external view returns (bool, string memory) {
        if (!allowedTcbStatusHashes[keccak256(bytes(bootInfo.tcbStatus))]) return (false, "TCB status is not allowed");
        if (!allowedOsImages[bootInfo.osImageHash]) return (false, "OS image is not allowed");
        if (!kmsAllowedAggregatedMrs[bootInfo.mrAggregated]) return (false, "Aggregated MR not allowed");
        if (!kmsAllowAnyDevice && !kmsAllowedDeviceIds[bootInfo.deviceId]) {
            return (false, "KMS is not allowed to boot on this device");
        }
        return (true, "");
    }

    /// @notice dstack DstackKms order: registered, OS image, app has code, then the app contract's own check.
    /// A reverting app contract is a deny ("App contract check failed"), never an allow.
    function isAppAllowed(IAppAuth.AppBootInfo calldata bootInfo) external view returns (bool, string memory) {
        if (!registeredApps[bootInfo.appId]) return (false, "App not registered");
        if (!allowedOsImages[bootInfo.osImageHash]) return (false, "OS image is not allowed");
        if (bootInfo.appId.code.length == 0) return (false, "App not deployed or invalid address");
        try IAppAuth(bootInfo.appId).isAppAllowed(bootInfo) returns (bool ok, string memory reason) {
            return (ok, reason);
        } catch {
            return (false, "App contract check failed");
        }
    }

    function supportsInterface(bytes4 interfaceId) external pure override returns (bool) {
        return interfaceId == type(IERC165).interfaceId;
    }
}
