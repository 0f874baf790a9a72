// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title GridletFeeToken
/// @notice TEST-ONLY ERC-20 that keeps 1% of every transfer (a fee-on-transfer token): the settlement escrow must
///         credit what it received, not what was asked.
contract GridletFeeToken is ERC20 {
    constructor() ERC20("gridlet fee token", "gFEE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) return super._update(from, to, value);
        uint256 fee = value / 100;
        super._update(from, address(0xdead), fee);
        super._update(from, to, value - fee);
    }
}

/// @title GridletReentrantToken
/// @notice TEST-ONLY ERC-20 that, once armed, calls `target` with `data` from inside every transfer (a token that
///         reenters the escrow, e.g. a second `depositFor` or `withdraw` before the first finished).
contract GridletReentrantToken is ERC20 {
    address public target;
    bytes public data;

    constructor() ERC20("gridlet reentrant token", "gREE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function arm(address target_, bytes calldata data_) external {
        target = target_;
        data = data_;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        address t = target;
        if (t != address(0) && from != address(0)) {
            target = address(0); // once
            (bool ok, bytes memory ret) = t.call(data);
            if (!ok) {
                assembly ("memory-safe") {
                    revert(add(ret, 0x20), mload(ret))
                }
            }
        }
    }
}
