// A loopback TCP port nobody listens on right now, for a process that must be told its port up front.

export { freePort } from '../../src/free-port.js';
