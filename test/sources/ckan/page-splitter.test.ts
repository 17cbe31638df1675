import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MallardError } from '../../../src/engine/errors.js';
import { CkanPageSplitter, type PageSummary } from '../../../src/sources/ckan/index.js';

interface Split {
  text: string;
  summary: PageSummary;
}

/** Runs a body through the splitter in chunks of `size` bytes. */
async function split(body: string | Buffer, size = Infinity): Promise<Split> {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const splitter = new CkanPageSplitter({ url: 'http://portal.test/api/3/action/package_search', status: 200, contentType: 'application/json' });
  const out: Buffer[] = [];
  splitter.on('data', (chunk: Buffer) => out.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    splitter.on('end', resolve);
    splitter.on('error', reject);
  });
  for (let i = 0; i < bytes.length; i += Number.isFinite(size) ? size : bytes.length) {
    splitter.write(bytes.subarray(i, Number.isFinite(size) ? i + size : bytes.length));
  }
  splitter.end();
  await done;
  return { text: Buffer.concat(out).toString('utf8'), summary: splitter.summary() };
}

async function splitError(body: string | Buffer, size = Infinity): Promise<MallardError> {
  try {
    await split(body, size);
  } catch (err) {
    assert.ok(err instanceof MallardError, String(err));
    return err;
  }
  assert.fail(`expected ${JSON.stringify(body.toString().slice(0, 80))} to be refused`);
}

const tricky = [
  { id: 'é-1', title: 'quotes " and \\ backslashes, braces {} [] , : in strings', results: [{ result: 'decoy' }] },
  { id: 'x2', nested: { result: { results: [1, 2, { id: 'inner' }] } }, n: 1.0, big: 12345678901234567890, e: 1e-7, t: true, f: false, z: null },
  { id: 'x3', empty: {}, list: [], s: '' },
];
/** Escapes written as a portal writes them (\\u00e9, \\/), numbers as the portal wrote them. */
const trickyBody = `{"help": "https:\\/\\/portal.test\\/api\\/3\\/action\\/help_show?name=package_search",
  "results": [{"id": "decoy-at-the-top"}],
  "result": {
    "count": 3, "sort": "id asc", "facets": {"results": []},
    "results": [
      {"id": "\\u00e9-1", "title": "quotes \\" and \\\\ backslashes, braces {} [] , : in strings", "results": [{"result": "decoy"}]},
      {"id": "x2", "nested": {"result": {"results": [1, 2, {"id": "inner"}]}}, "n": 1.0, "big": 12345678901234567890, "e": 1e-7, "t": true, "f": false, "z": null},
      {"id": "x3", "empty": {}, "list": [], "s": ""}
    ],
    "search_facets": {}
  },
  "success": true
}
`;

describe('CkanPageSplitter', () => {
  test('splits result.results into lines, tokens byte for byte, whatever the chunk size', async () => {
    const whole = await split(trickyBody);
    const lines = whole.text.split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, 3);
    assert.deepEqual(lines.map((l) => JSON.parse(l)), JSON.parse(JSON.stringify(tricky)));
    assert.equal(lines[0], '{"id":"\\u00e9-1","title":"quotes \\" and \\\\ backslashes, braces {} [] , : in strings","results":[{"result":"decoy"}]}');
    assert.match(lines[1]!, /"n":1\.0,"big":12345678901234567890,"e":1e-7/);
    assert.deepEqual(whole.summary, { count: 3, received: 3, firstId: 'é-1', lastId: 'x3' });
    for (const size of [1, 2, 3, 5, 7, 13, 64]) {
      const chunked = await split(trickyBody, size);
      assert.equal(chunked.text, whole.text, `chunk size ${size}`);
      assert.deepEqual(chunked.summary, whole.summary);
    }
  });

  test('a multi-byte character split across chunks survives', async () => {
    const body = JSON.stringify({ success: true, result: { count: 1, results: [{ id: 'a', title: 'ünïcödé ✓ 𝄞' }] } });
    assert.equal((await split(body, 1)).text, `${JSON.stringify({ id: 'a', title: 'ünïcödé ✓ 𝄞' })}\n`);
  });

  test('every cut of a valid body is refused as cut short (retryable)', async () => {
    const body = JSON.stringify({ help: 'h', success: true, result: { count: 2, results: [{ id: 'a', t: 'x"y' }, { id: 'b' }], facets: {} } });
    for (let cut = 0; cut < body.length; cut++) {
      const err = await splitError(body.slice(0, cut));
      assert.equal(err.code, 'ERR_CKAN_RESPONSE', `cut at ${cut}`);
      assert.equal(err.retryable, true, `cut at ${cut}: ${err.message}`);
    }
    assert.equal((await split(body)).summary.received, 2);
  });

  test('HTML, empty bodies, invalid UTF-8 and broken packages are refused', async () => {
    const html = await splitError('<!DOCTYPE html><html></html>');
    assert.match(html.message, /HTML page/);
    assert.equal(html.retryable, false);
    assert.equal((await splitError('')).retryable, true);
    assert.equal((await splitError('   \n')).retryable, true);
    const badUtf8 = Buffer.concat([Buffer.from('{"success":true,"result":{"count":1,"results":[{"id":"a","t":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}]}}')]);
    assert.match((await splitError(badUtf8)).message, /not valid JSON/);
    assert.match((await splitError('{"success":true,"result":{"count":1,"results":[{"id":"a","x":tru}]}}')).message, /not valid JSON/);
    assert.match((await splitError('{"success":true,"result":{"count":1,"results":[{"id":"a"]}}')).message, /unexpected/);
    assert.match((await splitError('{"success":true,"result":{"count":1.5,"results":[]}}')).message, /count/);
  });

  test('success:false on a 200 is an ERR_CKAN_API with its __type', async () => {
    const err = await splitError(JSON.stringify({ success: false, error: { __type: 'Authorization Error', message: 'Acesso negado' } }));
    assert.equal(err.code, 'ERR_CKAN_API');
    assert.equal(err.context.ckanErrorType, 'Authorization Error');
    assert.equal(err.context.ckanMessage, 'Acesso negado');
  });
});
