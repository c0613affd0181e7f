// Settings each command cannot run without. Everything else has a default or is optional, so a
// command never demands settings it does not use (translate runs with no receiver or ARC at all).
export const COMMAND_REQUIREMENTS = {
    translate: [],
    tables: [],
    capture: ['receiver.url', 'receiver.username', 'receiver.password'],
    replay: ['arc.primary'],
    run: ['receiver.url', 'receiver.username', 'receiver.password', 'receiver.account', 'arc.primary'],
    panel: ['receiver.url', 'receiver.username', 'receiver.password'],
};
export function isRequirementCommand(name) {
    return Object.hasOwn(COMMAND_REQUIREMENTS, name);
}
