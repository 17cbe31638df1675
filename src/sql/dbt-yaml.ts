/**
 * YAML of dbt projects, read with js-yaml: property files of large projects are tens of
 * kilobytes and js-yaml parses them several times faster than the \`yaml\` package (bench:models).
 * The core schema keeps dates as strings (a var \`start: 2024-01-01\` stays '2024-01-01').
 */
import jsYaml from 'js-yaml';

export function parseDbtYaml(text: string): unknown {
  return jsYaml.load(text, { schema: jsYaml.CORE_SCHEMA });
}
