/** The `ui` web server: runs list, live run pages over SSE, files of the artifacts directory. */
export { runList, type FamilyTime, type RunListEntry } from './history.js';
export { safeJoin } from './safe-path.js';
export { startUiServer, type UiServer, type UiServerOptions } from './server.js';
