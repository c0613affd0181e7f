// The production LinkConnector: TCP or UDP by the destination's scheme.
import { connectTcp } from './tcp-link.js';
import { openUdp } from './udp-link.js';
export const connectLink = (address, handlers, options) => address.transport === 'tcp' ? connectTcp(address, handlers, options) : openUdp(address, handlers, options);
