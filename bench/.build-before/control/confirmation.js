// How a command is confirmed (docs/panel-control.md §6). The panel reports a change it made as an
// event on the receiver's stream (Appendix D.1: 3401/3441 arming, 1401 disarm, 1406 alarm clear,
// 1570/3570 bypass, 1822 arming failed); the status read back shows it too. Pure: which events
// confirm or refute a command, a tracker that follows a batch zone by zone, and whether a status
// read back shows the command's target.
// Appendix D.1. 3400 is arming without a mode, 3442 forced arming (the panel's own bypass of
// open zones, as it is configured: hik-arc never asks for it), 3408 instant (stay) arming.
const ARMED_AWAY = ['3401', '3400', '3442'];
const ARMED_STAY = ['3441', '3400', '3442', '3408'];
const ARMING_FAILED = ['1822'];
const DISARMED = ['1401'];
const ALARM_CLEARED = ['1406'];
const BYPASSED = ['1570'];
const BYPASS_RESTORED = ['3570'];
// 1571 deactivated temporarily, 1573 deactivated, 1572 lid deactivated; 3571-3573 active again.
const DEACTIVATED_ONCE = ['1571', '1572'];
const DEACTIVATED_PERMANENTLY = ['1573', '1572'];
const REACTIVATED = ['3571', '3572', '3573'];
// 1460 / 1461: turning an output on / off failed. No event reports a relay switched by command.
const OUTPUT_ON_FAILED = ['1460'];
const OUTPUT_OFF_FAILED = ['1461'];
export function expectationFor(command, zoneOffset) {
    const zones = (ids) => ids.map((id) => id + zoneOffset);
    switch (command.action) {
        case 'arm':
            return { confirms: command.mode === 'away' ? ARMED_AWAY : ARMED_STAY, refutes: ARMING_FAILED, partition: command.partition, zones: null };
        case 'disarm':
            return { confirms: DISARMED, refutes: [], partition: command.partition, zones: null };
        case 'clear-alarm':
            return { confirms: ALARM_CLEARED, refutes: [], partition: command.partition, zones: null };
        case 'bypass':
            return { confirms: BYPASSED, refutes: [], partition: null, zones: zones(command.zones) };
        case 'bypass-restore':
            return { confirms: BYPASS_RESTORED, refutes: [], partition: null, zones: zones(command.zones) };
        case 'deactivate': {
            const confirms = command.mode === 'off' ? REACTIVATED : command.permanent ? DEACTIVATED_PERMANENTLY : DEACTIVATED_ONCE;
            return { confirms, refutes: [], partition: null, zones: zones(command.zones) };
        }
        case 'relay':
            return { confirms: [], refutes: command.on ? OUTPUT_ON_FAILED : OUTPUT_OFF_FAILED, partition: null, zones: null };
    }
}
function same(a, b) {
    return a !== null && b !== null && a.toLowerCase() === b.toLowerCase();
}
/** The event comes from this panel: its devIndex, else its deviceID (account) or serial. */
export function isFromPanel(panel, event) {
    if (event.devIndex !== null)
        return same(event.devIndex, panel.devIndex);
    return same(event.deviceId, panel.account) || same(event.deviceSerial, panel.serial);
}
const UNRELATED = { kind: 'unrelated' };
function partitionMatches(expected, subSys) {
    // subSys 0 is "all reports" (guide A.6); a partition command takes it, and all takes anything.
    if (expected === null || expected === 'all')
        return true;
    return subSys === null || subSys === 0 || subSys === expected;
}
/** Whether one event confirms or refutes the expectation. */
export function matchEvent(expectation, panel, event) {
    const cid = event.cidAlarm;
    const code = cid?.cidCode ?? null;
    if (cid === null || code === null || !isFromPanel(panel, event))
        return UNRELATED;
    const kind = expectation.confirms.includes(code) ? 'confirms' : expectation.refutes.includes(code) ? 'refutes' : null;
    if (kind === null)
        return UNRELATED;
    const partition = cid.subSys ?? event.subSys;
    const zone = cid.zoneNo ?? cid.cidParam?.zoneNo ?? null;
    if (expectation.zones !== null && kind === 'confirms' && (zone === null || !expectation.zones.includes(zone)))
        return UNRELATED;
    if (!partitionMatches(expectation.partition, partition))
        return UNRELATED;
    return { kind, code, partition, zone };
}
/** Refuted by any refuting event; confirmed once every zone (or, without zones, one event) reported. */
export function outcomeOf(expectation, events) {
    if (events.some((event) => expectation.refutes.includes(event.code)))
        return 'refuted';
    const confirming = events.filter((event) => expectation.confirms.includes(event.code));
    if (expectation.zones === null)
        return confirming.length > 0 ? 'confirmed' : 'waiting';
    return expectation.zones.every((zone) => confirming.some((event) => event.zone === zone)) ? 'confirmed' : 'waiting';
}
/** Every Hik code that confirms or refutes some command: the events worth a look. */
export const CONFIRMATION_CODES = new Set([
    ...ARMED_AWAY,
    ...ARMED_STAY,
    ...ARMING_FAILED,
    ...DISARMED,
    ...ALARM_CLEARED,
    ...BYPASSED,
    ...BYPASS_RESTORED,
    ...DEACTIVATED_ONCE,
    ...DEACTIVATED_PERMANENTLY,
    ...REACTIVATED,
    ...OUTPUT_ON_FAILED,
    ...OUTPUT_OFF_FAILED,
]);
/** Follows one command's events: a batch is confirmed once every zone has reported. */
export class ConfirmationTracker {
    expectation;
    panel;
    matched = [];
    constructor(expectation, panel) {
        this.expectation = expectation;
        this.panel = panel;
    }
    get state() {
        return outcomeOf(this.expectation, this.matched);
    }
    /** True when the event concerned this command. */
    offer(event) {
        if (this.state !== 'waiting')
            return false;
        const match = matchEvent(this.expectation, this.panel, event);
        if (match.kind === 'unrelated')
            return false;
        this.matched.push(match);
        return true;
    }
}
export function readBackFor(command) {
    if (command.action === 'relay')
        return 'peripherals';
    if ('zones' in command)
        return 'zones';
    return 'partitions';
}
function combine(checks) {
    if (checks.length === 0)
        return 'unknown';
    if (checks.every((check) => check === 'reached'))
        return 'reached';
    if (checks.includes('not-reached'))
        return 'not-reached';
    if (checks.includes('unknown'))
        return 'unknown';
    return 'in-progress';
}
function partitionsFor(target, partitions) {
    if (target !== 'all')
        return partitions.filter((partition) => partition.id === target);
    return partitions.filter((partition) => partition.enabled !== false);
}
function zoneChecks(ids, zones, check) {
    return ids.map((id) => {
        const zone = zones.find((candidate) => candidate.id === id);
        const result = zone === undefined ? null : check(zone);
        return result === null ? 'unknown' : result ? 'reached' : 'not-reached';
    });
}
/** Whether a status read back shows what the command asked for. */
export function statusShowsTarget(command, snapshot) {
    switch (command.action) {
        case 'arm':
        case 'disarm':
        case 'clear-alarm': {
            const partitions = partitionsFor(command.partition, snapshot.partitions ?? []);
            return combine(partitions.map((partition) => {
                if (command.action === 'clear-alarm')
                    return partition.alarm === null ? 'unknown' : partition.alarm ? 'not-reached' : 'reached';
                const target = command.action === 'arm' ? command.mode : 'disarm';
                if (partition.arming === target)
                    return 'reached';
                if (partition.arming === 'unknown')
                    return 'unknown';
                return command.action === 'arm' && partition.arming === 'arming' ? 'in-progress' : 'not-reached';
            }));
        }
        case 'bypass':
        case 'bypass-restore': {
            const wanted = command.action === 'bypass';
            return combine(zoneChecks(command.zones, snapshot.zones ?? [], (zone) => (zone.bypassed === null ? null : zone.bypassed === wanted)));
        }
        case 'deactivate':
            return combine(zoneChecks(command.zones, snapshot.zones ?? [], (zone) => {
                const mode = command.permanent ? zone.deactivationMode : zone.oneTimeDeactivationMode;
                return mode === null ? null : mode.toLowerCase() === command.mode.toLowerCase();
            }));
        case 'relay': {
            const relays = (snapshot.peripherals ?? []).filter((peripheral) => peripheral.kind === 'relay');
            return combine(command.relays.map((id) => {
                const status = relays.find((relay) => relay.id === id)?.status?.toLowerCase();
                if (status === 'on' || status === 'off')
                    return (status === 'on') === command.on ? 'reached' : 'not-reached';
                return 'unknown';
            }));
        }
    }
}
