// Typed errors of the transport stage. The codec returns them (never throws on bad input bytes) so a
// receiver's garbage can only ever become a counted, logged, typed error.
import { HikArcError } from '../errors.js';
export class Dc09Error extends HikArcError {
    name = 'Dc09Error';
    constructor(code, message, options = {}) {
        super(code, message, options);
    }
}
/** A delivery problem: carried in results and logs, thrown only by connectors to their caller. */
export class TransportError extends HikArcError {
    name = 'TransportError';
    constructor(code, message, options = {}) {
        super(code, message, options);
    }
}
export function ok(value) {
    return { ok: true, value };
}
export function fail(code, message, detail) {
    return { ok: false, error: new Dc09Error(code, message, detail === undefined ? {} : { detail }) };
}
