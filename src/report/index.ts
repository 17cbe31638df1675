/**
 * Run reports: a run log (+ the manifests of what it published) as one self-contained HTML
 * page, and the data behind it. The entry point of src/report.
 */
export { assemble, buildReportData, publishedBy, type BuildOptions } from './build.js';
export { ReportBuilder } from './builder.js';
export { escapeHtml, renderReportHtml, reportAssets, scriptJson, type PageOptions } from './html.js';
export { assignLanes, layoutFamilies } from './layout.js';
export { REPORT_DATA_VERSION, SEGMENT, STATE, STATE_NAMES, type FailureGroup, type ReportData, type ReportFamily, type ReportRun, type ReportStatus } from './model.js';
export { parseEvent, readLogFrom, type LogChunk } from './read-log.js';
export { failurePattern, joinTaskId, reasonLabel, splitTaskId } from './text.js';
export { writeReportFile, writeRunReport, type WrittenReport } from './write.js';
