import { describe, expect, it } from 'vitest';
import { classifyRefusal, isStatusOk, parseResponseStatus } from '../../../src/ingest/hik-status.js';

// Bodies as the receiver sends them (docs/hik-receiver.md §Subscription; guide A.39 and Appendix C).
const NOT_PRIVATE =
  '{"statusCode":4,"statusString":"Invalid Operation","subStatusCode":"invalidOperation","errorCode":1073741825,"errorMsg":"invalidOperation"}';
const TAKEN =
  '{\r\n "requestURL": "/ISAPI/Event/notification/subscribeDeviceMgmt?format=json",\r\n "statusCode": 4,\r\n "statusString": "Invalid Operation",\r\n "subStatusCode": "noMoreTasksCanBeAdded",\r\n "errorCode": 1073746314,\r\n "errorMsg": "noMoreTasksCanBeAdded"\r\n}';
const BUSY = '{"statusCode":2,"statusString":"Device Busy","subStatusCode":"networkError","errorCode":536870921}';

describe('parseResponseStatus', () => {
  it('reads every field of a JSON ResponseStatus', () => {
    expect(parseResponseStatus(TAKEN)).toEqual({
      statusCode: 4,
      statusString: 'Invalid Operation',
      subStatusCode: 'noMoreTasksCanBeAdded',
      errorCode: 1073746314,
      errorMsg: 'noMoreTasksCanBeAdded',
    });
  });

  it('reads a wrapped, broken or XML ResponseStatus', () => {
    expect(parseResponseStatus('{"ResponseStatus":{"statusCode":"1","statusString":"OK","subStatusCode":"ok",}}')).toMatchObject({
      statusCode: 1,
      subStatusCode: 'ok',
    });
    expect(parseResponseStatus('<ResponseStatus><statusCode>4</statusCode><subStatusCode>lowPrivilege</subStatusCode></ResponseStatus>')).toMatchObject({
      statusCode: 4,
      subStatusCode: 'lowPrivilege',
    });
  });

  it('is null for a body that is no status', () => {
    expect(parseResponseStatus('<html>Service Unavailable</html>')).toBeNull();
  });
});

describe('classifyRefusal', () => {
  it.each([
    ['403 invalidOperation: automation output not Private', 403, NOT_PRIVATE, 'not-private', 'HIKARC_RECEIVER_NOT_PRIVATE'],
    ['403 Invalid Operation without subStatusCode', 403, '{"statusCode":4,"statusString":"Invalid Operation"}', 'not-private', 'HIKARC_RECEIVER_NOT_PRIVATE'],
    ['noMoreTasksCanBeAdded (same statusString, told apart by subStatusCode)', 403, TAKEN, 'subscription-taken', 'HIKARC_RECEIVER_SUBSCRIPTION_TAKEN'],
    ['noMoreTasksCanBeAdded on another HTTP status', 400, TAKEN, 'subscription-taken', 'HIKARC_RECEIVER_SUBSCRIPTION_TAKEN'],
    ['only the errorCode 0x4000118A', 400, '{"statusCode":4,"errorCode":1073746314}', 'subscription-taken', 'HIKARC_RECEIVER_SUBSCRIPTION_TAKEN'],
    ['503 with a status body', 503, BUSY, 'busy', 'HIKARC_RECEIVER_BUSY'],
    ['503 with an HTML body', 503, '<html>busy</html>', 'busy', 'HIKARC_RECEIVER_BUSY'],
    ['403 lowPrivilege', 403, '{"statusCode":4,"statusString":"Invalid Operation","subStatusCode":"lowPrivilege"}', 'other', 'HIKARC_RECEIVER_REFUSED'],
    ['400 badJsonFormat', 400, '{"statusCode":5,"statusString":"Invalid Message Format","subStatusCode":"badJsonFormat"}', 'other', 'HIKARC_RECEIVER_REFUSED'],
    ['404 without a body', 404, '', 'other', 'HIKARC_RECEIVER_REFUSED'],
  ])('%s', (_name, status, body, kind, code) => {
    const refusal = classifyRefusal(status, body);
    expect(refusal.kind).toBe(kind);
    expect(refusal.code).toBe(code);
    expect(refusal.httpStatus).toBe(status);
  });

  it('names the Private setting in the not-private log line', () => {
    expect(classifyRefusal(403, NOT_PRIVATE).message).toMatch(/Private/);
  });
});

describe('isStatusOk', () => {
  it('accepts statusCode 1 or subStatusCode ok', () => {
    expect(isStatusOk(parseResponseStatus('{"statusCode":1,"statusString":"OK","subStatusCode":"ok"}'))).toBe(true);
    expect(isStatusOk(parseResponseStatus(TAKEN))).toBe(false);
    expect(isStatusOk(null)).toBe(false);
  });
});
