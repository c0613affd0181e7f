// Which DC-09 account a device reports as. The config `accounts` map is the operator's word and
// always wins; ingest layers the receiver's own device list (devIndex/devSerial → accountID) under it.
/** DC-09 accounts are hex; upper case is what receivers echo and compare. */
export function normalizeAccount(account) {
    return account.trim().toUpperCase();
}
// devIndex UUIDs arrive in either case (`C5F2860E-...` and `2cd6716d-...` in the guide).
function deviceKey(id) {
    return id.trim().toLowerCase();
}
export class StaticAccountDirectory {
    accounts;
    constructor(map) {
        this.accounts = new Map(Object.entries(map).map(([device, account]) => [deviceKey(device), normalizeAccount(account)]));
    }
    accountFor(devIndex, deviceSerial) {
        if (devIndex !== null) {
            const account = this.accounts.get(deviceKey(devIndex));
            if (account !== undefined)
                return account;
        }
        if (deviceSerial !== null)
            return this.accounts.get(deviceKey(deviceSerial));
        return undefined;
    }
    get size() {
        return this.accounts.size;
    }
}
/** Asks each directory in turn; the first one that knows the device answers. */
export class LayeredAccountDirectory {
    layers;
    constructor(layers) {
        this.layers = layers;
    }
    accountFor(devIndex, deviceSerial) {
        for (const layer of this.layers) {
            const account = layer.accountFor(devIndex, deviceSerial);
            if (account !== undefined)
                return account;
        }
        return undefined;
    }
}
