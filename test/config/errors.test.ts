import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { isMallardError } from '../../src/engine/errors.js';
import { loadSiteConfig, type ConfigProblem } from '../../src/config/index.js';
import { tempDir } from './temp-dir.js';

/** Loads `configs/x.<ext>` holding `text`; returns the ERR_CONFIG message lines and problems. */
async function problemsOf(t: TestContext, text: string, ext = 'yaml'): Promise<{ message: string; problems: ConfigProblem[] }> {
  const cwd = await tempDir(t, { [`configs/x.${ext}`]: text });
  try {
    await loadSiteConfig({ site: 'x', env: {}, cwd });
  } catch (err) {
    assert.ok(isMallardError(err));
    assert.equal(err.code, 'ERR_CONFIG');
    return { message: err.message, problems: err.context.problems as ConfigProblem[] };
  }
  assert.fail('expected an ERR_CONFIG error');
}

describe('one line per problem, naming file, line and key path', () => {
  test('invalid URL', async (t) => {
    const { message } = await problemsOf(t, 'site: x\nckan:\n  url: not a url\n');
    assert.match(message, /^configs\/x\.yaml:3: ckan\.url: Invalid URL/);
  });

  test('a URL that is not the CKAN Action API', async (t) => {
    const { message } = await problemsOf(t, 'site: x\nckan:\n  url: https://data.gov.uk\n');
    assert.match(message, /^configs\/x\.yaml:3: ckan\.url: must be the base of the CKAN Action API, ending in \/api\/3\/action/);
  });

  test('a memory limit that is not a size, a maxAge that is not a duration', async (t) => {
    const { message } = await problemsOf(t, 'site: x\nckan:\n  url: https://a.example/api/3/action\nduckdb:\n  memoryLimit: lots\ngithub:\n  maxAge: 30 days\n');
    assert.equal(message.split('\n').slice(1).map((l) => l.trim()).join('\n'), [
      "configs/x.yaml:5: duckdb.memoryLimit: must be a size like '1GB' or '512MiB', or a share of the machine's RAM like '25%'",
      'configs/x.yaml:7: github.maxAge: must be a duration like 30d, 12h or 1d12h (units s, m, h, d, w)',
    ].join('\n'));
  });

  test('unknown key (typo), with a guess', async (t) => {
    const { message } = await problemsOf(t, 'site: x\nckan:\n  url: https://a.example/api/3/action\n  urll: https://b\n');
    assert.equal(message, 'configs/x.yaml:4: ckan.urll: Unrecognized key (did you mean "url"?)');
  });

  test('unknown section', async (t) => {
    const { message } = await problemsOf(t, 'site: x\nckan:\n  url: https://a.example/api/3/action\nsourcegrpah:\n  url: https://s\n');
    assert.equal(message, 'configs/x.yaml:4: sourcegrpah: Unrecognized key (did you mean "sourcegraph"?)');
  });

  test('missing required keys: the line of the nearest parent, or none', async (t) => {
    const { problems } = await problemsOf(t, 'ckan:\n  rows: 10\n');
    assert.deepEqual(
      problems.map((p) => [p.line, p.path, p.message]),
      [[undefined, 'site', 'Required'], [1, 'ckan.url', 'Required']],
    );
  });

  test('wrong types and ranges', async (t) => {
    const text = 'site: x\nckan:\n  url: https://a.example/api/3/action\n  rows: lots\n  concurrency: 0\nmodels:\n  shrinkTolerance: 2\n';
    const { message } = await problemsOf(t, text);
    const lines = message.split('\n').slice(1).map((l) => l.trim());
    assert.deepEqual(lines, [
      'configs/x.yaml:4: ckan.rows: expected a number, got string',
      'configs/x.yaml:5: ckan.concurrency: Too small: expected number to be >=1',
      'configs/x.yaml:7: models.shrinkTolerance: Too big: expected number to be <=1',
    ]);
    assert.match(message, /^configs\/x\.yaml: 3 problems\n/);
  });

  test('bad site name', async (t) => {
    const { message } = await problemsOf(t, 'site: Data_Gov\nckan:\n  url: https://a.example/api/3/action\n');
    assert.match(message, /^configs\/x\.yaml:1: site: must be lowercase letters, digits and dashes/);
  });

  test('a literal token key is refused and points to tokenEnv; the value is never printed', async (t) => {
    const secret = 'ghp_0123456789abcdefghijABCDEFGHIJ012345';
    const { message } = await problemsOf(t, `site: x\nckan:\n  url: https://a.example/api/3/action\ngithub:\n  token: ${secret}\n`);
    assert.match(message, /^configs\/x\.yaml:5: github\.token: secrets never go in config files: .*set github\.tokenEnv: GITHUB_TOKEN/);
    assert.ok(!message.includes(secret));
  });

  test('a token pasted as tokenEnv is refused without printing it', async (t) => {
    const secret = 'sgp_0123456789abcdef0123456789abcdef01234567';
    const { message } = await problemsOf(t, `site: x\nckan:\n  url: https://a.example/api/3/action\nsourcegraph:\n  tokenEnv: ${secret}\n`);
    assert.match(message, /^configs\/x\.yaml:5: sourcegraph\.tokenEnv: looks like a token value/);
    assert.ok(!message.includes(secret));
  });

  test('credentials inside a URL are refused', async (t) => {
    const { message } = await problemsOf(t, 'site: x\nckan:\n  url: https://me:s3cret@a.example/api/3/action\n');
    assert.match(message, /^configs\/x\.yaml:3: ckan\.url: must not contain credentials/);
    assert.ok(!message.includes('s3cret'));
  });

  test('JSON files get lines too', async (t) => {
    const text = '{\n  "site": "x",\n  "ckan": {\n    "url": "https://a.example/api/3/action",\n    "rowz": 5\n  }\n}\n';
    const { message } = await problemsOf(t, text, 'json');
    assert.equal(message, 'configs/x.json:5: ckan.rowz: Unrecognized key (did you mean "rows"?)');
  });
});

describe('syntax errors, with line and column', () => {
  test('YAML', async (t) => {
    const { message } = await problemsOf(t, 'site: x\nckan:\n  url: "https://a.example/api/3/action\n  rows: 5\n');
    assert.match(message, /^configs\/x\.yaml:\d+:\d+: YAML syntax: /);
  });

  test('YAML duplicate key', async (t) => {
    const { message } = await problemsOf(t, 'site: x\nckan:\n  url: https://a.example/api/3/action\n  url: https://b.example/api/3/action\n');
    assert.equal(message, 'configs/x.yaml:4:3: YAML syntax: Map keys must be unique');
  });

  test('JSON trailing comma', async (t) => {
    const { message } = await problemsOf(t, '{\n  "site": "x",\n  "ckan": {"url": "https://a.example/api/3/action",}\n}\n', 'json');
    assert.equal(message, 'configs/x.json:3:52: JSON syntax: Expected double-quoted property name');
  });

  test('JSON with YAML-only syntax is not accepted as JSON', async (t) => {
    const { message } = await problemsOf(t, 'site: x\nckan: {url: "https://a.example/api/3/action"}\n', 'json');
    assert.equal(message, "configs/x.json:1:1: JSON syntax: Unexpected token 's'");
  });

  test('an empty file and a file that is not a mapping', async (t) => {
    assert.match((await problemsOf(t, '# nothing yet\n')).message, /^configs\/x\.yaml: the file is empty/);
    assert.equal((await problemsOf(t, '- a\n- b\n')).message, 'configs/x.yaml:1: expected a mapping of keys, got a list');
  });
});

describe('JSON errors without a position in the engine message', () => {
  test('the position is found, and no piece of the file is quoted', async (t) => {
    const text = '{\n  "site": "x",\n  "ckan": {"url": nope}\n}\n';
    const { message } = await problemsOf(t, text, 'json');
    assert.equal(message, "configs/x.json:3:20: JSON syntax: Unexpected token 'o'");
  });
});
