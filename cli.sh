#!/bin/sh
# mallard command line: runs the compiled oclif CLI on the project's own Node 24
# (installed by `npm install` as the npm package `node`), rebuilding first when a
# TypeScript source or package.json is newer than the last build, or the command manifest
# (oclif.manifest.json, written by the build) is missing. The check costs about 4 ms a start.
set -e
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
node="$here/node_modules/.bin/node"
if [ ! -x "$node" ]; then
  echo "mallard: dependencies are not installed; run 'npm install' in $here first" >&2
  exit 2
fi
stamp="$here/dist/.build-stamp"
if [ ! -f "$stamp" ] || [ ! -f "$here/oclif.manifest.json" ] || [ -n "$(find "$here/src" "$here/commands" "$here/package.json" \( -name '*.ts' -o -name package.json \) -newer "$stamp" -print 2>/dev/null | head -n 1)" ]; then
  (cd "$here" && PATH="$here/node_modules/.bin:$PATH" npm run --silent build >&2) || {
    echo "mallard: the TypeScript build failed (see above)" >&2
    exit 2
  }
fi
exec "$node" "$here/dist/commands/main.js" "$@"
