/** Progress of a transfer, in files and bytes, reported through an optional callback. */

export interface SyncProgress {
  phase: 'upload' | 'download' | 'delete' | 'copy';
  /** The file (relative path) just finished. */
  file: string;
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

export type ProgressListener = (event: SyncProgress) => void;

export class ProgressCounter {
  private filesDone = 0;
  private bytesDone = 0;

  constructor(
    private readonly phase: SyncProgress['phase'],
    private readonly filesTotal: number,
    private readonly bytesTotal: number,
    private readonly listener: ProgressListener | undefined,
  ) {}

  fileDone(file: string, bytes: number): void {
    this.filesDone++;
    this.bytesDone += bytes;
    this.listener?.({
      phase: this.phase,
      file,
      filesDone: this.filesDone,
      filesTotal: this.filesTotal,
      bytesDone: this.bytesDone,
      bytesTotal: this.bytesTotal,
    });
  }
}
