// Public surface of the transport stage; other stages and commands import from here.
export { ArcDelivery, arcKey, deliverOne } from './arc-delivery.js';
export { ArcPath, PATH_STATES, CLOCK_SKEW_WARNING_MS, CLOCK_ADOPT_LIMIT_MS, SILENT_ACCOUNTS_FOR_DOWN } from './arc-path.js';
export { ArcConnection } from './arc-connection.js';
export { Dispatcher } from './dispatcher.js';
export { afterAttempt, afterRound, DELIVERY_RETRY, LINK_RETRY_PAUSE_MS, PERMANENT_CODES } from './delivery-policy.js';
export { eventTemplate, stampMessage, supervisionTemplate, videoLinkBlock, MAX_VIDEO_LINK_BYTES } from './event-message.js';
export { Dc09Receiver } from './dc09-receiver.js';
export { answerItem, ackFor, nakAt, duhFor, parseFault, faultFor, FAULT_NAMES, NO_FAULT, DEFAULT_TIMESTAMP_WINDOW } from './receiver-answer.js';
export { classifyResponse } from './response.js';
export { checkMessage, decodeDatagram, decodeFrame, decodeFrames, encodeFrame, openFrame, DC09_QUIRKS, DC09_TOKENS, MAX_FRAME_BYTES, } from './dc09-frame.js';
export { crc16Arc } from './crc16.js';
export { createRandomPadSource, fixedPad, parseAesKey, KEY_FORMATS } from './dc09-crypto.js';
export { formatDc09Timestamp, readDc09Timestamp } from './dc09-timestamp.js';
export { ackTimeoutFor, parseDestinationUrl, parseListenUrl, DEFAULT_ACK_TIMEOUT_MS, DESTINATION_NAMES } from './destination.js';
export { connectLink } from './connect.js';
export { Dc09Error, TransportError } from './transport-errors.js';
export { transportMetrics } from './transport-metrics.js';
