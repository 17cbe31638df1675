/**
 * The generated projects bench:models builds: a mallard group (models in layers reading a
 * source table) and a dbt project (seeds, models in layer folders with folder configs, views,
 * tables and ephemeral models, macros with defaults and return(), a Jinja loop, 2 tests per
 * model on average in property files).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

async function put(root: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(root, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
  }
}

function mallardModel(i: number): string {
  if (i < 5) return `-- layer 0 model ${i}\nSELECT id, id % ${7 + i} AS k, v * ${i + 1} AS v FROM {{ source('raw', 'events') }}`;
  const layerStart = Math.floor(i / 5) * 5;
  const parents = [i - 5, (i * 7) % layerStart, (i * 13) % layerStart].slice(0, 1 + (i % 3));
  const [first, ...rest] = [...new Set(parents)];
  const joins = rest.map((p, j) => `JOIN {{ ref('m${p}') }} j${j} USING (id)`).join('\n');
  const view = i % 6 === 0 ? '-- materialized: view\n' : '';
  return `${view}SELECT a.id, a.k, a.v + ${rest.map((_, j) => `j${j}.v`).join(' + ') || '0'} AS v\nFROM {{ ref('m${first}') }} a\n${joins}\nWHERE a.v >= 0`;
}

/** models/bench/: `models` models in layers of 5 over source raw.events, `tests` column tests. */
export async function writeMallardGroup(modelsDir: string, models: number, tests: number): Promise<void> {
  const files: Record<string, string> = {};
  for (let i = 0; i < models; i++) files[`bench/m${i}.sql`] = mallardModel(i);
  const specs = Array.from({ length: tests }, (_, i) => `  - name: m${(i * 3) % models}\n    columns:\n      - name: id\n        tests: [not_null${i % 2 === 0 ? ', unique' : ''}]`);
  files['bench/schema.yml'] = `sources: [{ name: raw, tables: [events] }]\nmodels:\n${specs.join('\n')}\n`;
  await put(modelsDir, files);
}

const LAYER = 100;
const SEEDS = 4;

const MACROS = `{% macro scaled(col, factor=1) -%}
  ({{ col }} * {{ factor }})
{%- endmacro %}

{% macro bucket(col, n=7) -%}
  ({{ col }} % {{ n }})
{%- endmacro %}

{% macro parent_aliases(n) %}
  {% set names = [] %}
  {% for i in range(n) %}{% do names.append('p' ~ i) %}{% endfor %}
  {{ return(names) }}
{% endmacro %}
`;

function layerOf(i: number): number {
  return Math.floor(i / LAYER);
}

/** table, view or ephemeral: layer folders set table/view, every 25th model is ephemeral by config(). */
export function dbtMaterialization(i: number): 'table' | 'view' | 'ephemeral' {
  if (i % 25 === 7 && layerOf(i) > 0) return 'ephemeral';
  return layerOf(i) % 3 === 1 ? 'view' : 'table';
}

function dbtModel(i: number): string {
  const layer = layerOf(i);
  const config = dbtMaterialization(i) === 'ephemeral' ? "{{ config(materialized='ephemeral') }}\n" : '';
  if (layer === 0) {
    return `${config}select id, {{ bucket('k', ${(i % 5) + 2}) }} as k, {{ scaled('v', 2) }} as v, day, flag\nfrom {{ ref('events_${i % SEEDS}') }}\nwhere id % 10 = ${i % 10}`;
  }
  const pos = i % LAYER;
  const parents = [`m${i - LAYER}`, `m${Math.max(0, layer - 2) * LAYER + ((pos + 20) % LAYER)}`];
  return `${config}{%- set aliases = parent_aliases(${parents.length}) -%}
select p0.id, {{ bucket('p0.k', 5) }} as k,
  {%- for a in aliases %}
  {{ a }}.v{% if not loop.last %} +{% endif %}
  {%- endfor %} as v, p0.day, p0.flag
from {{ ref('${parents[0]}') }} p0
join {{ ref('${parents[1]}') }} p1 using (id)
where p0.v >= {{ var('min_v', 0) }}`;
}

function seedCsv(k: number, rows: number): string {
  const lines = ['id,k,v,day,flag'];
  for (let id = k; id < rows * SEEDS; id += SEEDS) {
    const day = new Date(Date.UTC(2024, 0, 1 + (id % 365))).toISOString().slice(0, 10);
    lines.push(`${id},${(id * 31) % 1000},${((id * 7) % 1000) / 10},${day},${id % 3 === 0 ? 'true' : 'false'}`);
  }
  return lines.join('\n') + '\n';
}

/** Tests of a table model: cycling not_null/unique on id, not_null on v, accepted_values on k. */
function modelTests(i: number, count: number): string {
  const kinds = ['not_null', 'unique', 'not_null_v', 'accepted_k'].slice(0, count);
  const id = kinds.filter((k) => k === 'not_null' || k === 'unique');
  const lines = [`  - name: m${i}`, '    columns:', '      - name: id', `        data_tests: [${id.join(', ')}]`];
  if (kinds.includes('not_null_v')) lines.push('      - name: v', '        tests: [not_null]');
  if (kinds.includes('accepted_k')) lines.push('      - name: k', '        tests:', '          - accepted_values:', `              values: [${layerOf(i) === 0 ? [...Array(7).keys()].join(', ') : '0, 1, 2, 3, 4'}]`);
  return lines.join('\n');
}

/** models/bench_dbt/: a dbt project of `models` models, `tests` tests and seeds of `seedRows` rows in all. */
export async function writeDbtProject(modelsDir: string, models: number, tests: number, seedRows: number): Promise<void> {
  const root = path.join(modelsDir, 'bench_dbt');
  const layers = Math.ceil(models / LAYER);
  const folders = Array.from({ length: layers }, (_, l) => `    layer_${l}:\n      +materialized: ${l % 3 === 1 ? 'view' : 'table'}`).join('\n');
  const files: Record<string, string> = {
    'dbt_project.yml': `name: bench_dbt\nversion: '1.0'\nprofile: bench\nmodels:\n  bench_dbt:\n${folders}\nseeds:\n  bench_dbt:\n    +column_types: { flag: boolean }\n`,
    'macros/bench.sql': MACROS,
  };
  for (let k = 0; k < SEEDS; k++) files[`seeds/events_${k}.csv`] = seedCsv(k, seedRows / SEEDS);
  for (let i = 0; i < models; i++) files[`models/layer_${layerOf(i)}/m${i}.sql`] = dbtModel(i);
  const tested = Array.from({ length: models }, (_, i) => i).filter((i) => dbtMaterialization(i) === 'table');
  const perModel = new Map<number, number>();
  for (let t = 0; t < tests; t++) {
    const i = tested[t % tested.length] as number;
    perModel.set(i, (perModel.get(i) ?? 0) + 1);
  }
  for (let l = 0; l < layers; l++) {
    const entries = [...perModel].filter(([i]) => layerOf(i) === l).map(([i, n]) => modelTests(i, n));
    if (entries.length > 0) files[`models/layer_${l}/schema.yml`] = `version: 2\nmodels:\n${entries.join('\n')}\n`;
  }
  await put(root, files);
}
