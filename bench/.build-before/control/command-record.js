// One command's record: what was asked, by whom and why, the exact request, the receiver's answer,
// the confirmation and what was read back. The audit trail stores a snapshot of it at every step,
// `hik-arc panel ... --json` prints it and the control API returns it. Pure data and the rules
// that map its state to exit codes and HTTP statuses.
/**
 * requested → accepted → confirmed | unconfirmed | refused (the panel reported failure);
 * requested → partial | refused | unknown (no answer after sending) | failed (not carried out:
 * refused locally, login or connection failed). `accepted` stays final when the panel shows the
 * change in progress (arming during its exit delay).
 */
export const COMMAND_STATES = ['requested', 'accepted', 'confirmed', 'unconfirmed', 'partial', 'refused', 'unknown', 'failed'];
const HTTP_OF_CODE = {
    HIKARC_CONTROL_ARMING_REFUSED: 409,
    HIKARC_CONTROL_REFUSED: 409,
    HIKARC_CONTROL_PARTIAL: 409,
    HIKARC_CONTROL_PANEL_BUSY: 409,
    HIKARC_CONTROL_PANEL_AMBIGUOUS: 409,
    HIKARC_CONTROL_LOW_PRIVILEGE: 403,
    HIKARC_CONTROL_FORBIDDEN: 403,
    HIKARC_CONTROL_PANEL_UNKNOWN: 404,
    HIKARC_CONTROL_NOT_SUPPORTED: 422,
    HIKARC_CONTROL_ALL_PARTITIONS_UNSUPPORTED: 422,
    HIKARC_CONTROL_IDEMPOTENCY_CONFLICT: 422,
    HIKARC_CONTROL_INVALID_REQUEST: 400,
    HIKARC_CONTROL_UNAUTHORIZED: 401,
    HIKARC_CONTROL_RATE_LIMITED: 429,
    HIKARC_CONTROL_PANEL_UNREACHABLE: 503,
    HIKARC_CONTROL_DISABLED: 503,
    HIKARC_CONTROL_AUDIT_FAILED: 503,
    HIKARC_DIGEST_LOCKED: 503,
    HIKARC_DIGEST_HOLD: 503,
    HIKARC_DIGEST_REJECTED: 502,
    HIKARC_RECEIVER_UNREACHABLE: 502,
    HIKARC_CONTROL_BAD_ANSWER: 502,
    HIKARC_CONTROL_OUTCOME_UNKNOWN: 504,
};
/** HTTP status of an error code in the control API. */
export function httpStatusOfCode(code) {
    return code === null ? 500 : (HTTP_OF_CODE[code] ?? 502);
}
/** HTTP status of a command record returned by a POST. */
export function httpStatusOf(record) {
    switch (record.state) {
        case 'confirmed':
            return 200;
        case 'accepted':
        case 'requested':
            return 202;
        case 'unknown':
        case 'unconfirmed':
            return 504;
        default:
            return httpStatusOfCode(record.code);
    }
}
