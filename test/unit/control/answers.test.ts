// What the receiver's answers to control calls mean (guide A.1, A.39, Appendix C), read as
// tolerantly as events: JSON, empty, broken the way the guide's examples are, XML, ErrorList.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fillMissingValues, readHikDocument } from '../../../src/control/answer-fields.js';
import { judgeCommandAnswer, readAnswer, REFUSAL_CODES } from '../../../src/control/answers.js';
import type { ControlCommand } from '../../../src/control/commands.js';

const ARM: ControlCommand = { action: 'arm', partition: 1, mode: 'away' };
const ARM_ALL: ControlCommand = { action: 'arm', partition: 'all', mode: 'away' };
const DISARM: ControlCommand = { action: 'disarm', partition: 1 };
const BYPASS: ControlCommand = { action: 'bypass', zones: [3, 5, 7] };

function judge(command: ControlCommand, status: number, body: string) {
  return judgeCommandAnswer(command, readAnswer(status, body));
}

describe('readAnswer', () => {
  it('reads a ResponseStatus, bare or wrapped', () => {
    const bare = readAnswer(200, '{"requestURL":"/x","statusCode":1,"statusString":"OK","subStatusCode":"ok"}');
    expect(bare.status).toEqual({ statusCode: 1, statusString: 'OK', subStatusCode: 'ok', errorCode: null, errorMsg: null });
    expect(bare.repaired).toBe(false);
    const wrapped = readAnswer(400, '{"ResponseStatus":{"statusCode":"4","subStatusCode":"lowPrivilege","errorCode":"0x40000002"}}');
    expect(wrapped.status).toMatchObject({ statusCode: 4, subStatusCode: 'lowPrivilege', errorCode: 0x40000002 });
  });

  it('reads broken JSON the way events are read: missing and trailing commas, full-width colon', () => {
    const answer = readAnswer(200, '{\n  "statusCode": 1,\n  "statusString"："OK"\n  "subStatusCode": "ok",\n}');
    expect(answer.status).toMatchObject({ statusCode: 1, statusString: 'OK', subStatusCode: 'ok' });
    expect(answer.repaired).toBe(true);
  });

  it('reads the guide template of A.39 with its empty values', () => {
    const answer = readAnswer(
      200,
      '{\n  "requestURL": "",\n  "statusCode": ,\n  "statusString": "",\n   "subStatusCode": "",\n  "errorCode": ,\n  "errorMsg": ""\n  "rebootRequired":\n}',
    );
    expect(answer.unreadable).toBe(false);
    expect(answer.status).toBeNull();
  });

  it('reads an XML ResponseStatus field by field', () => {
    const answer = readAnswer(
      404,
      '<?xml version="1.0"?><ResponseStatus><statusCode>4</statusCode><statusString>Invalid Operation</statusString><subStatusCode>methodNotAllowed</subStatusCode></ResponseStatus>',
    );
    expect(answer.status).toMatchObject({ statusCode: 4, subStatusCode: 'methodNotAllowed' });
    expect(answer.unreadable).toBe(false);
  });

  it('says when a body holds nothing readable, and when it is empty', () => {
    expect(readAnswer(200, '<html><body>login</body></html>')).toMatchObject({ unreadable: true, status: null });
    expect(readAnswer(200, '  \r\n')).toMatchObject({ empty: true, unreadable: false });
  });

  it('keeps only the failed entries of an ErrorList', () => {
    const answer = readAnswer(
      200,
      '{"ErrorList":[{"id":"3","errorCode":1,"errorMsg":"ok"},{"id":"5","statusCode":4,"statusString":"Invalid Operation","subStatusCode":"notSupport","errorCode":1073741825,"errorMsg":"notSupport"},{"id":"7"}]}',
    );
    expect(answer.failures).toEqual([{ id: '5', statusCode: 4, subStatusCode: 'notSupport', errorCode: 1073741825, errorMsg: 'notSupport' }]);
  });
});

describe('judgeCommandAnswer', () => {
  it('accepts success as JSON, an empty 200 and an object without status fields', () => {
    expect(judge(DISARM, 200, '{"statusCode":1,"statusString":"OK","subStatusCode":"ok"}')).toEqual({ kind: 'accepted' });
    expect(judge(DISARM, 200, '')).toEqual({ kind: 'accepted' });
    expect(judge(DISARM, 204, '')).toEqual({ kind: 'accepted' });
    expect(judge(DISARM, 200, '{}')).toEqual({ kind: 'accepted' });
  });

  it('calls an unreadable 2xx body unknown, never accepted', () => {
    expect(judge(DISARM, 200, '<html>proxy login</html>')).toEqual({ kind: 'unreadable' });
  });

  it('a 200 carrying a failed status is a refusal', () => {
    expect(judge(DISARM, 200, '{"statusCode":4,"statusString":"Invalid Operation","subStatusCode":"interfaceOperationError"}')).toEqual({
      kind: 'refused',
      refusal: 'refused',
    });
  });

  it('tells partial failures of a batch from a whole refusal', () => {
    const one = '{"ErrorList":[{"id":"5","statusCode":4,"subStatusCode":"notSupport"}]}';
    expect(judge(BYPASS, 200, one)).toMatchObject({ kind: 'partial', failed: [{ id: '5' }] });
    const all = '{"ErrorList":[{"id":"3","statusCode":4},{"id":"5","statusCode":4},{"id":"7","statusCode":4}]}';
    expect(judge(BYPASS, 200, all)).toEqual({ kind: 'refused', refusal: 'refused' });
    expect(judge(BYPASS, 200, '{"ErrorList":[]}')).toEqual({ kind: 'accepted' });
  });

  const refusals: Array<[string, ControlCommand, number, string, string]> = [
    ['arming refused with open zones', ARM, 400, '{"statusCode":4,"subStatusCode":"interfaceOperationError","errorCode":1073745922}', 'arming'],
    ['low privilege', ARM, 403, '{"statusCode":4,"statusString":"Invalid Operation","subStatusCode":"lowPrivilege","errorCode":1073741826}', 'low-privilege'],
    ['low privilege by errorCode alone', DISARM, 400, '{"statusCode":4,"errorCode":1073741826}', 'low-privilege'],
    ['device offline', DISARM, 503, '{"statusCode":2,"statusString":"Device Busy","subStatusCode":"networkError","errorCode":536870921}', 'panel-unreachable'],
    ['unknown devIndex', ARM, 400, '{"statusCode":4,"subStatusCode":"theDeviceIdDoesNotExist","errorCode":1073746235}', 'unknown-panel'],
    [
      'all partitions, 404 with XML',
      ARM_ALL,
      404,
      '<ResponseStatus><statusCode>4</statusCode><subStatusCode>methodNotAllowed</subStatusCode></ResponseStatus>',
      'all-partitions',
    ],
    ['all partitions, notSupport', { action: 'disarm', partition: 'all' }, 400, '{"statusCode":4,"subStatusCode":"notSupport"}', 'all-partitions'],
    ['a partition the receiver does not know the call for', DISARM, 404, '', 'not-supported'],
    ['another refusal', DISARM, 400, '{"statusCode":6,"subStatusCode":"badParameters"}', 'refused'],
  ];
  it.each(refusals)('%s', (_name, command, status, body, refusal) => {
    expect(judge(command, status, body)).toEqual({ kind: 'refused', refusal });
  });

  it('gives each refusal an error code', () => {
    expect(REFUSAL_CODES.arming).toBe('HIKARC_CONTROL_ARMING_REFUSED');
    expect(REFUSAL_CODES['all-partitions']).toBe('HIKARC_CONTROL_ALL_PARTITIONS_UNSUPPORTED');
  });
});

describe('missing values of the guide templates', () => {
  it('become null outside strings, and only there', () => {
    expect(fillMissingValues('{"id": , "name":"a: , b", "x":}')).toBe('{"id": null , "name":"a: , b", "x": null}');
    expect(fillMissingValues('{"address": \n "model": "M", "list":[{"a":]}')).toBe('{"address": null, \n "model": "M", "list":[{"a": null]}');
    expect(fillMissingValues('{"a":"b:","c":"d"}')).toBe('{"a":"b:","c":"d"}');
  });

  it('make the A.2 ExDevStatus template readable', () => {
    const template = readFileSync(new URL('../../fixtures/guide-exdevstatus-template.json', import.meta.url), 'utf8');
    expect(readHikDocument(template)?.repaired).toBe(true);
  });
});
