// In-process measurements of the hot path: multipart bytes → JSON → normalized event →
// translation → DC-09 frame, against JSON.parse of the same bodies; and AES-128 frame encoding.
// The code measured is the compiled build the service runs (bench/.build), not the sources: the
// TypeScript loader of a source run turns every imported constant into a getter call, which costs
// byte loops several times their speed.

import { fileURLToPath, pathToFileURL } from 'node:url';
import type { HeaderSettings } from '../src/transport/index.js';
import { buildCorpus } from './corpus.js';

type IngestModule = typeof import('../src/ingest/multipart-parser.js');
type StreamItemsModule = typeof import('../src/ingest/stream-items.js');
type TranslateModule = typeof import('../src/translate/index.js');
type DirectoryModule = typeof import('../src/ingest/account-directory.js');
type TransportModule = typeof import('../src/transport/index.js');

interface HotPath {
  readonly MultipartParser: IngestModule['MultipartParser'];
  readonly classifyStreamEvent: StreamItemsModule['classifyStreamEvent'];
  readonly Translator: TranslateModule['Translator'];
  readonly StaticAccountDirectory: DirectoryModule['StaticAccountDirectory'];
  readonly transport: TransportModule;
}

/** The hot-path modules under `root`: a compiled build, or the sources when none is given. */
async function loadHotPath(root: string): Promise<HotPath> {
  const load = async <T>(path: string): Promise<T> => (await import(pathToFileURL(`${root}/${path}`).href)) as T;
  const [ingest, items, translate, directory, transport] = await Promise.all([
    load<IngestModule>('ingest/multipart-parser.js'),
    load<StreamItemsModule>('ingest/stream-items.js'),
    load<TranslateModule>('translate/index.js'),
    load<DirectoryModule>('ingest/account-directory.js'),
    load<TransportModule>('transport/index.js'),
  ]);
  return {
    MultipartParser: ingest.MultipartParser,
    classifyStreamEvent: items.classifyStreamEvent,
    Translator: translate.Translator,
    StaticAccountDirectory: directory.StaticAccountDirectory,
    transport,
  };
}

/** Where the pipeline round may stop: after the multipart parser, the normalized event, the translation, the frame. */
const PIPELINE_STAGES = ['multipart', 'event', 'translation', 'frame'] as const;
type PipelineStage = (typeof PIPELINE_STAGES)[number];

/**
 * Each stage's own share of an event's time (the difference between the rounds stopping after it
 * and before it), and JSON.parse alone for comparison: `event` holds the UTF-8 decode, JSON.parse
 * (with the repair of the broken share) and the validation into the normalized event.
 */
function stageBreakdown(cumulativeMicros: readonly number[]): Record<string, number> {
  const breakdown: Record<string, number> = {};
  PIPELINE_STAGES.forEach((stage, index) => {
    const before = index === 0 ? 0 : (cumulativeMicros[index - 1] ?? 0);
    breakdown[stage] = Number(((cumulativeMicros[index] ?? 0) - before).toFixed(2));
  });
  breakdown['total'] = Number((cumulativeMicros[PIPELINE_STAGES.length - 1] ?? 0).toFixed(2));
  breakdown['jsonParseAlone'] = Number((cumulativeMicros[PIPELINE_STAGES.length] ?? 0).toFixed(2));
  return breakdown;
}

const HEADER: HeaderSettings = { format: 'adm-cid', receiverNumber: '1', linePrefix: '1' };
const CHUNK_BYTES = 64 * 1024;

/**
 * Items per second of each round, measured in turns: rounds of every kind alternate (after a
 * warm-up), so a slower stretch of a shared machine weighs on all of them alike and their ratio
 * holds even when the absolute figures wander. `each-round`: until every round has run
 * `durationMs`; `in-all`: until `durationMs` have passed in all (for many rounds of unequal length,
 * where the shortest would otherwise set the number of turns).
 */
function ratesPerSec(rounds: ReadonlyArray<() => number>, durationMs: number, until: 'each-round' | 'in-all' = 'each-round'): number[] {
  const warmUntil = performance.now() + Math.min(500, durationMs / 4);
  while (performance.now() < warmUntil) for (const round of rounds) round();
  const items = rounds.map(() => 0);
  const elapsed = rounds.map(() => 0);
  const endAt = performance.now() + durationMs;
  const running = until === 'each-round' ? () => elapsed.some((ms) => ms < durationMs) : () => performance.now() < endAt;
  while (running()) {
    rounds.forEach((round, index) => {
      const start = performance.now();
      items[index]! += round();
      elapsed[index]! += performance.now() - start;
    });
  }
  return items.map((count, index) => (count * 1000) / elapsed[index]!);
}

export interface TranslateFigures {
  readonly translateEventsPerSec: number;
  readonly jsonParseEventsPerSec: number;
  readonly encryptedFramesPerSec: number;
  readonly context: Record<string, unknown>;
}

export async function benchTranslate(durationMs: number, root = fileURLToPath(new URL('../src', import.meta.url))): Promise<TranslateFigures> {
  const { MultipartParser, classifyStreamEvent, Translator, StaticAccountDirectory, transport } = await loadHotPath(root);
  const { createRandomPadSource, encodeFrame, eventTemplate, parseAesKey, stampMessage, videoLinkBlock } = transport;
  const corpus = buildCorpus(2_000);
  const translator = new Translator({
    settings: { fallbackAccount: '', unknownEvent: 'forward', inactive: 'drop', repeatWindowSec: 60 },
    hikAccount: 'AAAA',
    directory: new StaticAccountDirectory({}),
  });
  let sequence = 0;
  let frameBytes = 0;
  let forwarded = 0;

  // The hot path of one event, as the service runs it (single thread): the ingest stage's part →
  // stream item, translate, and the frame the transmitter writes. `through` stops it after a stage,
  // for the breakdown of where an event's time goes; the measured figure runs it whole.
  const pipelineRound = (through: PipelineStage) => (): number => {
    const parser = new MultipartParser('boundary');
    let events = 0;
    const now = Date.now();
    for (let offset = 0; offset < corpus.stream.length; offset += CHUNK_BYTES) {
      for (const item of parser.push(corpus.stream.subarray(offset, offset + CHUNK_BYTES))) {
        if (item.type !== 'part') continue;
        events++;
        if (through === 'multipart') continue;
        const streamItem = classifyStreamEvent(item);
        if (streamItem.kind !== 'event' || through === 'event') continue;
        const translation = translator.translate(streamItem.event);
        if (!translation.forwarded || through === 'translation') continue;
        const message = translation.message;
        sequence = sequence >= 9999 ? 1 : sequence + 1;
        const frame = encodeFrame(stampMessage(eventTemplate(message, HEADER, sequence, videoLinkBlock(message.videoUrl)), now));
        frameBytes += frame.length;
        forwarded++;
      }
    }
    return events;
  };
  const translateRound = pipelineRound('frame');

  const bodies = corpus.bodies;
  const jsonRound = (): number => {
    for (const body of bodies) {
      try {
        JSON.parse(body);
      } catch {
        // a broken body: JSON.parse pays for the throw, as the service's fast path does
      }
    }
    return bodies.length;
  };

  const key = parseAesKey('000102030405060708090A0B0C0D0E0F', 'hex');
  const pad = createRandomPadSource();
  const template = eventTemplate({ account: '1234', admCid: '#1234|1130 01 015', siaDcs: '#1234|Nri1/BA015', videoUrl: null }, HEADER, 1, { kind: 'none' });
  const encryptedRound = (): number => {
    const now = Date.now();
    for (let i = 0; i < 1000; i++) encodeFrame(stampMessage(template, now), { key, pad });
    return 1000;
  };

  const [translateEventsPerSec = 0, jsonParseEventsPerSec = 0, encryptedFramesPerSec = 0] = ratesPerSec(
    [translateRound, jsonRound, encryptedRound],
    durationMs,
  );
  // The breakdown in a run of its own, so that the figures above are measured as they always were.
  const stageRates = ratesPerSec([...PIPELINE_STAGES.map(pipelineRound), jsonRound], durationMs, 'in-all');
  const microsPerEvent = stageRates.map((rate) => 1e6 / rate);
  return {
    translateEventsPerSec,
    jsonParseEventsPerSec,
    encryptedFramesPerSec,
    context: {
      corpusEvents: bodies.length,
      averageBodyBytes: corpus.averageBodyBytes,
      brokenShare: corpus.brokenShare,
      averageFrameBytes: forwarded === 0 ? 0 : Math.round(frameBytes / forwarded),
      microsPerEvent: stageBreakdown(microsPerEvent),
    },
  };
}

// `node <deployed flags> --import tsx bench/translate-bench.ts <ms> [<compiled src dir>]`: the
// measurement in a process of its own, under the node options of the service, printing its figures
// as JSON.
if (process.argv[1] !== undefined && process.argv[1].endsWith('translate-bench.ts')) {
  const [durationMs = '5000', root] = process.argv.slice(2);
  process.stdout.write(`${JSON.stringify(await benchTranslate(Number(durationMs), root))}\n`);
}
