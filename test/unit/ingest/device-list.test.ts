import { describe, expect, it } from 'vitest';
import { HikArcError } from '../../../src/errors.js';
import { parseSearchResult, searchDescription } from '../../../src/ingest/device-directory.js';

describe('device list documents (guide A.40, A.41)', () => {
  it('asks for a page with position and maxResult', () => {
    expect(JSON.parse(searchDescription(40, 20))).toEqual({ SearchDescription: { position: 40, maxResult: 20 } });
  });

  it('reads devIndex, devSerial and accountID of each match (and name, type and status for people), and totalMatches', () => {
    const page = parseSearchResult(
      JSON.stringify({
        SearchResult: {
          numOfMatches: 2,
          totalMatches: '48',
          MatchList: [
            { Device: { devIndex: '2cd6716d-767f-4756-ac55-50276a5e3b4a', accountID: '1234', devName: 'AX PRO', devSerial: 'Q1234' } },
            {
              Device: {
                devIndex: 'C5F2860E-8946-45FA-AC51-BD2429A82804',
                accountID: 5678,
                devName: 'x',
                devSerial: '',
                devSource: 7,
                connectionMode: 4,
                devStatus: 'offline',
              },
            },
          ],
        },
      }),
    );
    expect(page).toEqual({
      totalMatches: 48,
      entries: 2,
      numOfMatches: 2,
      status: null,
      repaired: false,
      devices: [
        { devIndex: '2cd6716d-767f-4756-ac55-50276a5e3b4a', devSerial: 'Q1234', accountId: '1234', name: 'AX PRO', type: null, status: null },
        { devIndex: 'C5F2860E-8946-45FA-AC51-BD2429A82804', devSerial: null, accountId: '5678', name: 'x', type: 'OTAP', status: 'offline' },
      ],
    });
  });

  it('an empty result has no MatchList (A.41: only when totalMatches > 0)', () => {
    expect(parseSearchResult('{"SearchResult":{"responseStatusStrg":"NO MATCH","numOfMatches":0,"totalMatches":0}}')).toEqual({
      devices: [],
      entries: 0,
      totalMatches: 0,
      numOfMatches: 0,
      status: 'NO MATCH',
      repaired: false,
    });
  });

  it('reads responseStatusStrg in the spellings receivers use', () => {
    for (const [text, status] of [
      ['MORE', 'MORE'],
      ['more', 'MORE'],
      [' OK ', 'OK'],
      ['NO_MATCH', 'NO MATCH'],
      ['NO MATCH', 'NO MATCH'],
      ['FAILED', null],
    ] as const) {
      expect(parseSearchResult(JSON.stringify({ SearchResult: { responseStatusStrg: text } })).status).toBe(status);
    }
  });

  it('repairs the broken JSON receivers send, as for events (the guide example A.41 misses a comma)', () => {
    const page = parseSearchResult(
      '{"SearchResult": {"responseStatusStrg": "OK", "numOfMatches": 1 "totalMatches": 1, "MatchList": [{"Device": {"devIndex": "d1" "accountID": "1234",}}]}}',
    );
    expect(page).toMatchObject({ repaired: true, totalMatches: 1, status: 'OK', devices: [{ devIndex: 'd1', accountId: '1234', devSerial: null }] });
  });

  it('never completes a truncated page into a shorter list', () => {
    expect(() => parseSearchResult('{"SearchResult":{"totalMatches":3,"MatchList":[{"Device":{"devIndex":"d1","accountID":"1234"}},')).toThrow(HikArcError);
  });

  it.each([
    ['not JSON', '<html>'],
    ['another document', '{"ResponseStatus":{"statusCode":4}}'],
  ])('%s is an error with a sample', (_name, body) => {
    expect(() => parseSearchResult(body)).toThrow(HikArcError);
    try {
      parseSearchResult(body);
    } catch (error) {
      expect((error as HikArcError).code).toBe('HIKARC_RECEIVER_DIRECTORY_FAILED');
      expect((error as HikArcError).detail?.['sample']).toBe(body);
    }
  });
});
