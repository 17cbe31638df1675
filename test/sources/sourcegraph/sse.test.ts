import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MallardError } from '../../../src/engine/errors.js';
import { SseParser, type SseEvent } from '../../../src/sources/sourcegraph/index.js';

function parseAll(chunks: Array<string | Uint8Array>): SseEvent[] {
  const parser = new SseParser();
  const events: SseEvent[] = [];
  for (const chunk of chunks) events.push(...parser.push(chunk));
  events.push(...parser.end());
  return events;
}

const STREAM = [
  ': a comment line',
  'event: matches',
  'data: [{"repository":"github.com/a/b","line":"naïve ✓ 𝔘"}]',
  '',
  'event: progress',
  'data: {"done":false,',
  'data:"matchCount":1}',
  '',
  'data: no event field',
  '',
  'event: done',
  'data: {}',
  '',
  '',
].join('\n');

const EXPECTED: SseEvent[] = [
  { event: 'matches', data: '[{"repository":"github.com/a/b","line":"naïve ✓ 𝔘"}]' },
  { event: 'progress', data: '{"done":false,\n"matchCount":1}' },
  { event: 'message', data: 'no event field' },
  { event: 'done', data: '{}' },
];

describe('SseParser', () => {
  test('whole stream: events, multi-line data joined with \\n, comments ignored, default type', () => {
    assert.deepEqual(parseAll([STREAM]), EXPECTED);
  });

  test('a split at every byte position gives the same events (UTF-8 characters cut in half too)', () => {
    const bytes = Buffer.from(STREAM, 'utf8');
    for (let cut = 1; cut < bytes.length; cut++) {
      assert.deepEqual(parseAll([bytes.subarray(0, cut), bytes.subarray(cut)]), EXPECTED, `cut at byte ${cut}`);
    }
  });

  test('one byte at a time', () => {
    const bytes = Buffer.from(STREAM, 'utf8');
    assert.deepEqual(parseAll([...bytes].map((b) => Uint8Array.of(b))), EXPECTED);
  });

  test('CRLF and bare CR line ends, with the CR and LF in different chunks', () => {
    const crlf = STREAM.replaceAll('\n', '\r\n');
    const bytes = Buffer.from(crlf, 'utf8');
    for (let cut = 1; cut < bytes.length; cut++) {
      assert.deepEqual(parseAll([bytes.subarray(0, cut), bytes.subarray(cut)]), EXPECTED, `CRLF cut at ${cut}`);
    }
    assert.deepEqual(parseAll([STREAM.replaceAll('\n', '\r')]), EXPECTED);
  });

  test('a leading BOM is dropped; `data` without a space and without a colon', () => {
    assert.deepEqual(parseAll(['\uFEFFevent:x\ndata:a\ndata\n\n']), [{ event: 'x', data: 'a\n' }]);
  });

  test('an event not closed by a blank line is dropped at the end (a cut stream yields no half event)', () => {
    assert.deepEqual(parseAll(['event: matches\ndata: [1]\n\nevent: done\ndata: {}\n']), [{ event: 'matches', data: '[1]' }]);
    assert.deepEqual(parseAll(['event: done\ndata: {}']), []);
    const parser = new SseParser();
    parser.push('event: done\ndata: {}\n');
    assert.deepEqual(parser.end(), []);
    assert.deepEqual(parser.unterminatedEvent(), { event: 'done', data: '{}' }, 'whole lines without the closing blank line are reported apart');
    const cut = new SseParser();
    cut.push('event: done\ndata: {');
    cut.end();
    assert.equal(cut.unterminatedEvent(), undefined, 'a line cut in the middle is not');
  });

  test('a blank line with no data dispatches nothing; id is kept', () => {
    assert.deepEqual(parseAll(['event: x\n\nid: 7\ndata: y\n\n']), [{ event: 'message', data: 'y', id: '7' }]);
  });

  test('memory is bounded: an event larger than maxEventBytes is an error, also as one endless line', () => {
    const parser = new SseParser({ maxEventBytes: 100 });
    assert.throws(() => parser.push(`data: ${'x'.repeat(60)}\ndata: ${'y'.repeat(60)}\n`), (err: unknown) => err instanceof MallardError && err.code === 'ERR_SOURCEGRAPH_RESPONSE');
    const endless = new SseParser({ maxEventBytes: 100 });
    endless.push('data: ');
    assert.throws(() => { for (let i = 0; i < 20; i++) endless.push('z'.repeat(10)); }, /larger than 100/);
    const ok = new SseParser({ maxEventBytes: 100 });
    for (let i = 0; i < 1000; i++) assert.equal(ok.push(`data: ${'x'.repeat(50)}\n\n`).length, 1, 'many small events are fine');
  });
});
