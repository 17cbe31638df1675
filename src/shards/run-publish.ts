/**
 * What a sharded step leaves in the store besides its commits (docs/scale-out.md §2): the
 * databases a plan or final step published (`read_only/<site>/`, databases before manifests)
 * and every step's run log (`runs/`), both through sync-artifacts' push (`syncArtifacts` with
 * those folders only), so `sync-artifacts --pull --prefix <prefix>` restores them as usual.
 */
import { syncArtifacts, type ObjectStore } from '../sync/index.js';
import type { StoreLocation } from './index.js';

export interface StepPublisher {
  /** Pushes `read_only/<site>/` of the artifacts directory: the number of files uploaded. */
  artifacts(artifactsDir: string, site: string): Promise<number>;
  /** Pushes `runs/` of the artifacts directory (the run logs; their names carry the run id). */
  runs(artifactsDir: string): Promise<number>;
}

export function stepPublisher(location: StoreLocation, objectStore?: ObjectStore): StepPublisher {
  const push = async (artifactsDir: string, roots: string[]): Promise<number> => {
    const result = await syncArtifacts({
      artifactsDir, bucket: location.bucket, prefix: location.prefix, roots,
      ...(objectStore !== undefined ? { store: objectStore } : process.env.GCP_PROJECT ? { gcs: { projectId: process.env.GCP_PROJECT } } : {}),
    });
    return result.uploaded;
  };
  return {
    artifacts: (artifactsDir, site) => push(artifactsDir, [`read_only/${site}`]),
    runs: (artifactsDir) => push(artifactsDir, ['runs']),
  };
}
