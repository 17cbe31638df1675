/**
 * The Cloud Run Job resource (run.googleapis.com/v1, the YAML `gcloud run jobs replace`
 * takes) as far as the generated jobs use it, strict: an unknown or misplaced field fails.
 * Field names and limits from Cloud Run's Job reference (ExecutionTemplateSpec: taskCount,
 * parallelism; TaskTemplateSpec: maxRetries 0-10, timeoutSeconds up to 24 h, serviceAccountName,
 * containers). No npm package carries this schema.
 */
import { z } from 'zod';

const dnsLabel = z.string().regex(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, 'a lowercase DNS label of at most 63 characters');
const labels = z.record(z.string().regex(/^[a-z][-_a-z0-9]{0,62}$/), z.string().regex(/^[-_a-z0-9]{0,63}$/));

const envVar = z.strictObject({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
  value: z.string().optional(),
  valueFrom: z.strictObject({ secretKeyRef: z.strictObject({ name: z.string().regex(/^[a-zA-Z0-9_-]{1,255}$/), key: z.string().min(1) }) }).optional(),
}).refine((e) => (e.value === undefined) !== (e.valueFrom === undefined), 'exactly one of value and valueFrom');

const container = z.strictObject({
  name: dnsLabel.optional(),
  image: z.string().min(1),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  env: z.array(envVar).optional(),
  workingDir: z.string().optional(),
  resources: z.strictObject({ limits: z.strictObject({ cpu: z.enum(['1', '2', '4', '6', '8']), memory: z.string().regex(/^\d+(Mi|Gi)$/) }) }).optional(),
});

export const cloudRunJobSchema = z.strictObject({
  apiVersion: z.literal('run.googleapis.com/v1'),
  kind: z.literal('Job'),
  metadata: z.strictObject({ name: dnsLabel, namespace: z.string().optional(), labels: labels.optional(), annotations: z.record(z.string(), z.string()).optional() }),
  spec: z.strictObject({
    template: z.strictObject({
      metadata: z.strictObject({ labels: labels.optional(), annotations: z.record(z.string(), z.string()).optional() }).optional(),
      spec: z.strictObject({
        taskCount: z.int().min(1).max(10_000),
        parallelism: z.int().min(0).max(10_000),
        template: z.strictObject({
          spec: z.strictObject({
            maxRetries: z.int().min(0).max(10),
            timeoutSeconds: z.int().min(1).max(86_400),
            serviceAccountName: z.string().optional(),
            containers: z.array(container).min(1).max(10),
          }),
        }),
      }),
    }),
  }),
}).refine((j) => j.spec.template.spec.parallelism <= j.spec.template.spec.taskCount, 'parallelism at most taskCount');
