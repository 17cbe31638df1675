/**
 * A jaffle_shop_duckdb-shaped dbt project, unchanged, as a model group: built by the runner
 * and checked against values computed here from the seed rows; then through the built CLI,
 * with no CKAN portal reachable: published, a rerun publishes nothing, a changed file rebuilds.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { latestArtifactInfo, listArtifacts } from '../../src/store/index.js';
import { runCli, type CliResult } from '../support/cli.js';
import { dbtProject, query, relations, type DbtProject } from './helpers.js';
import { expectedCustomers, expectedOrderAmounts, jaffleData, jaffleShopFiles, PAYMENT_METHODS } from './jaffle-shop.js';

const cents = (v: unknown): number | null => (v === null ? null : Math.round(Number(v) * 100));

describe('jaffle_shop (dbt project) built by the runner', () => {
  let p: DbtProject;
  afterEach(() => p?.cleanup());

  test('seeds, staging views and marts tables hold what the seed rows imply', async () => {
    const data = jaffleData(40, 7);
    p = await dbtProject(jaffleShopFiles(data), 'jaffle_shop');
    const result = await p.build();
    assert.deepEqual(result.models.map((m) => `${m.name}:${m.materialization}`), [
      'raw_customers:seed', 'raw_orders:seed', 'raw_payments:seed', 'stg_customers:view', 'stg_orders:view', 'stg_payments:view', 'customers:table', 'orders:table',
    ]);
    assert.equal(result.tests.length, 17);
    assert.deepEqual(await relations(p.target), {
      customers: 'BASE TABLE', orders: 'BASE TABLE', raw_customers: 'BASE TABLE', raw_orders: 'BASE TABLE', raw_payments: 'BASE TABLE',
      stg_customers: 'VIEW', stg_orders: 'VIEW', stg_payments: 'VIEW',
    });
    const customers = await query(p.target, 'SELECT customer_id, first_order::VARCHAR AS f, most_recent_order::VARCHAR AS l, number_of_orders AS n, customer_lifetime_value AS v FROM customers ORDER BY customer_id');
    const expected = expectedCustomers(data);
    assert.equal(customers.length, data.customers.length);
    for (const row of customers) {
      const e = expected.get(Number(row['customer_id']));
      assert.deepEqual({ f: row['f'], l: row['l'], n: row['n'] === null ? 0 : Number(row['n']), v: cents(row['v']) }, { f: e?.firstOrder, l: e?.lastOrder, n: e?.orders, v: e?.cents }, `customer ${row['customer_id']}`);
    }
    const columns = PAYMENT_METHODS.map((m) => `${m}_amount`).join(', ');
    const orders = await query(p.target, `SELECT order_id, ${columns}, amount FROM orders ORDER BY order_id`);
    const amounts = expectedOrderAmounts(data);
    for (const row of orders) {
      const e = amounts.get(Number(row['order_id']));
      const got = e === null ? cents(row['amount']) : Object.fromEntries([...PAYMENT_METHODS.map((m) => [m, cents(row[`${m}_amount`])]), ['total', cents(row['amount'])]]);
      assert.deepEqual(got, e, `order ${row['order_id']}`);
    }
    const [doc] = await query(p.target, "SELECT comment FROM duckdb_columns() WHERE table_name = 'orders' AND column_name = 'status'");
    assert.match(String(doc?.['comment']), /^Orders can be one of the following statuses:\n\n\| status/);
  });
});

describe('jaffle_shop through run-models (built CLI)', () => {
  let dir: string;
  const cli = (args: string[]): CliResult => runCli(['run-models', '--site', 'demo', '--models-dir', 'models', ...args], { cwd: dir });
  const data = jaffleData(25, 3);

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mallard-cli-jaffle-'));
    await mkdir(path.join(dir, 'configs'));
    // A portal nobody answers: the group reads no source, so it must never be asked.
    await writeFile(path.join(dir, 'configs', 'demo.yaml'), 'site: demo\nckan:\n  url: http://127.0.0.1:9/api/3/action\nhttp:\n  retries: 0\n');
    for (const [rel, text] of Object.entries(jaffleShopFiles(data))) {
      const file = path.join(dir, 'models', 'jaffle_shop', rel);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, text);
    }
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('builds and publishes jaffle_shop_<timestamp>.db without the CKAN stage; views work in the published file alone', async () => {
    const r = cli(['--select', 'jaffle_shop']);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /Ckan|package_search/);
    assert.match(r.stderr, /tests: 17\/17 passed/);
    const published = await latestArtifactInfo(path.join(dir, 'artifacts'), 'demo', 'jaffle_shop');
    assert.ok(published);
    assert.equal(published.manifest.tables['customers'], data.customers.length);
    assert.equal((await stat(published.absolutePath)).mode & 0o777, 0o444);
    const [row] = await query(published.absolutePath, 'SELECT count(*)::INTEGER AS n FROM stg_payments');
    assert.equal(row?.['n'], data.payments.length);
  });

  test('a rerun with nothing changed publishes nothing; a changed seed rebuilds', async () => {
    const again = cli(['--select', 'jaffle_shop']);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /Nothing to do/);
    assert.equal((await listArtifacts(path.join(dir, 'artifacts'), { site: 'demo', name: 'jaffle_shop' })).length, 1);
    const more = jaffleData(26, 3);
    await writeFile(path.join(dir, 'models', 'jaffle_shop', 'seeds', 'raw_customers.csv'), jaffleShopFiles(more)['seeds/raw_customers.csv'] as string);
    const rebuilt = cli(['--select', 'jaffle_shop']);
    assert.equal(rebuilt.status, 0, rebuilt.stderr);
    const published = await latestArtifactInfo(path.join(dir, 'artifacts'), 'demo', 'jaffle_shop');
    assert.equal(published?.manifest.tables['raw_customers'], 26);
  });

  test('--full-refresh forces the build; --vars must be a mapping (exit 2)', async () => {
    const refreshed = cli(['--select', 'jaffle_shop', '--full-refresh']);
    assert.equal(refreshed.status, 0, refreshed.stderr);
    assert.doesNotMatch(refreshed.stderr, /Nothing to do/);
    assert.equal((await listArtifacts(path.join(dir, 'artifacts'), { site: 'demo', name: 'jaffle_shop' })).length, 3);
    const bad = cli(['--select', 'jaffle_shop', '--vars', '[1, 2]']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--vars must be a mapping of names to values/);
  });

  test('--dry-run shows the compiled SQL with the payment-method loop unrolled; a failing test exits 1 naming it', async () => {
    const plan = cli(['--select', 'orders', '--dry-run']);
    assert.equal(plan.status, 0, plan.stderr);
    assert.match(plan.stdout, /sum\(case when payment_method = 'gift_card' then amount else 0 end\) as gift_card_amount,/);
    assert.match(plan.stdout, /-- accepted_values_orders_status__placed__shipped__completed__return_pending__returned/);
    const yml = path.join(dir, 'models', 'jaffle_shop', 'models', 'schema.yml');
    const { readFile } = await import('node:fs/promises');
    await writeFile(yml, (await readFile(yml, 'utf8')).replace("values: ['placed', 'shipped', 'completed', 'return_pending', 'returned']", "values: ['placed']"));
    const r = cli(['--select', 'jaffle_shop']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /accepted_values_orders_status__placed: \d+ failing rows?/);
    assert.equal((await listArtifacts(path.join(dir, 'artifacts'), { site: 'demo', name: 'jaffle_shop' })).length, 3);
  });

  test('a dbt feature not supported yet (packages.yml) exits 2 with one message naming the file', async () => {
    const packages = path.join(dir, 'models', 'jaffle_shop', 'packages.yml');
    await writeFile(packages, 'packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.1.1\n');
    try {
      const r = cli(['--select', 'jaffle_shop']);
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /packages\.yml: dbt packages are not supported yet/);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    } finally {
      await rm(packages);
    }
  });
});
