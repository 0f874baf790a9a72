// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title GridletTestToken
/// @notice A DEV-ONLY ERC-20 with 6 decimals and an open mint, so a local chain can fund households. Never deploy it
///         anywhere real: anyone can mint any amount.
contract GridletTestToken is ERC20 {
    constructor() ERC20("gridlet test euro", "gEUR") {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice Mints `amount` to `to`. Open to everyone: this token exists for tests and local chains only.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
