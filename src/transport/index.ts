// Public surface of the transport stage; other stages and commands import from here.

export { ArcDelivery, arcKey, type ArcDeliveryDeps, type ArcSettings, type DestinationStatus } from './arc-delivery.js';
export {
  ArcPath,
  PATH_STATES,
  CLOCK_SKEW_WARNING_MS,
  CLOCK_ADOPT_LIMIT_MS,
  SILENT_ACCOUNTS_FOR_DOWN,
  type PathState,
  type PathStateChange,
  type PathAttempt,
} from './arc-path.js';
export { ArcConnection, type AttemptResult } from './arc-connection.js';
export { Dispatcher, type DispatchOutcome, type DispatcherOptions } from './dispatcher.js';
export {
  afterAttempt,
  afterRound,
  DELIVERY_RETRY,
  LINK_RETRY_PAUSE_MS,
  PERMANENT_CODES,
  type NextStep,
  type RoundFailure,
  type RoundOutcome,
} from './delivery-policy.js';
export {
  eventTemplate,
  stampMessage,
  supervisionTemplate,
  videoLinkBlock,
  MAX_VIDEO_LINK_BYTES,
  type AlarmPayload,
  type HeaderSettings,
  type VideoLinkDecision,
} from './event-message.js';
export { Dc09Receiver, type BoundAddress, type Dc09ReceiverOptions, type ListenAddress } from './dc09-receiver.js';
export {
  answerItem,
  ackFor,
  nakAt,
  duhFor,
  parseFault,
  faultFor,
  FAULT_NAMES,
  NO_FAULT,
  DEFAULT_TIMESTAMP_WINDOW,
  type FrameRecord,
  type ArcFault,
  type ArcAnswerPolicy,
  type TimestampWindow,
} from './arc-answer.js';
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
export {
  ackTimeoutFor,
  parseDestinationUrl,
  parseListenUrl,
  DEFAULT_ACK_TIMEOUT_MS,
  DESTINATION_NAMES,
  type DestinationAddress,
  type DestinationName,
  type LinkTransport,
} from './destination.js';
export { connectLink } from './connect.js';
export type { ConnectOptions, Link, LinkConnector, LinkHandlers } from './link.js';
export { Dc09Error, TransportError, type Dc09ErrorCode, type TransportErrorCode, type Result } from './transport-errors.js';
export { transportMetrics, type TransportMetrics } from './transport-metrics.js';
