// Public surface of the transport stage; other stages and commands import from here.

export { Transmitter, createTransmitter, arcKey } from './transmitter.js';
export type { DeliveryResult, DestinationFailure, DestinationSpec, DestinationStatus, SendOptions, TransmitterDeps, TransmitterOptions } from './transmitter.js';
export { PATH_STATES, CLOCK_SKEW_WARNING_MS, type PathState, type PathStateChange } from './destination-channel.js';
export { eventTemplate, stampMessage, supervisionTemplate, videoLinkBlock, MAX_VIDEO_LINK_BYTES, type AlarmPayload, type HeaderSettings, type VideoLinkDecision } from './event-message.js';
export { MemorySequenceAllocator, nextSequence, isMessageSequence, FIRST_SEQUENCE, LAST_SEQUENCE, SUPERVISION_SEQUENCE, type SequenceAllocator } from './sequence.js';
export { Dc09Receiver, type BoundAddress, type Dc09ReceiverOptions, type ListenAddress } from './dc09-receiver.js';
export { answerItem, ackFor, nakAt, duhFor, parseFault, NO_FAULT, DEFAULT_TIMESTAMP_WINDOW, type FrameRecord, type ReceiverFault, type ReceiverPolicy, type TimestampWindow } from './receiver-answer.js';
export { classifyResponse, type ExpectedAnswer, type ResponseVerdict } from './response.js';
export {
  checkMessage,
  decodeDatagram,
  decodeFrame,
  decodeFrames,
  encodeFrame,
  openFrame,
  DC09_QUIRKS,
  DC09_TOKENS,
  MAX_FRAME_BYTES,
  type Dc09Block,
  type Dc09Content,
  type Dc09Frame,
  type Dc09Header,
  type Dc09Item,
  type Dc09Message,
  type Dc09Quirk,
  type Dc09Token,
  type EncodeOptions,
  type OpenedFrame,
  type PlainFrame,
  type ReadableFrame,
  type SealedFrame,
} from './dc09-frame.js';
export { crc16Arc } from './crc16.js';
export { createRandomPadSource, fixedPad, parseAesKey, KEY_FORMATS, type KeyFormat, type PadSource } from './dc09-crypto.js';
export { formatDc09Timestamp, readDc09Timestamp } from './dc09-timestamp.js';
export { ackTimeoutFor, parseDestinationUrl, parseListenUrl, DEFAULT_ACK_TIMEOUT_MS, DESTINATION_NAMES, type DestinationAddress, type DestinationName, type LinkTransport } from './destination.js';
export { connectLink } from './connect.js';
export type { ConnectOptions, Link, LinkConnector, LinkHandlers } from './link.js';
export { Dc09Error, TransportError, type Dc09ErrorCode, type TransportErrorCode, type Result } from './transport-errors.js';
export { transportMetrics, type TransportMetrics } from './transport-metrics.js';
