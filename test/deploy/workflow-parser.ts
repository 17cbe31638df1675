/**
 * GitHub's own workflow parser (@actions/workflow-parser, what the Actions VS Code extension
 * validates with). It imports its JSON schema without an import attribute, as bundlers allow
 * and Node does not: a load hook hands Node that JSON as a module.
 */
import { readFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';

registerHooks({
  load(url, context, next) {
    if (url.endsWith('.json') && url.includes('/@actions/workflow-parser/')) {
      return { format: 'module', source: `export default ${readFileSync(fileURLToPath(url), 'utf8')};`, shortCircuit: true };
    }
    return next(url, context);
  },
});

/** Every error GitHub's parser reports for a workflow file (empty when it is valid). */
export async function workflowErrors(name: string, content: string): Promise<string[]> {
  const parser = await import('@actions/workflow-parser');
  const parsed = parser.parseWorkflow({ name, content }, new parser.NoOperationTraceWriter());
  const errors = parsed.context.errors.getErrors().map((e) => e.message);
  if (parsed.value === undefined) return errors;
  const template = await parser.convertWorkflowTemplate(parsed.context, parsed.value);
  return [...errors, ...(template.errors ?? []).map((e) => e.Message)];
}
