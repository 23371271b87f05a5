// Runs `powerbi-report-author validate` with its JSON-schema step served from a local copy of
// Microsoft's schemas instead of the network: https.get for a URL under the json-schemas prefix
// answers with the file at the same path under SCHEMA_ROOT; any other URL answers 404.
// Usage: node validate-report.mjs SCHEMA_ROOT <report folder> [validate options]
import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import https from "node:https";
import path from "node:path";
import { PassThrough } from "node:stream";

const PREFIX = "https://developer.microsoft.com/json-schemas/";
const [schemaRoot, ...args] = process.argv.slice(2);

function localSchema(url) {
  if (!url.startsWith(PREFIX)) return null;
  try {
    return readFileSync(path.join(schemaRoot, url.slice(PREFIX.length)));
  } catch {
    return null;
  }
}

https.get = (url, options, callback) => {
  const body = localSchema(String(url));
  const response = new PassThrough();
  response.statusCode = body ? 200 : 404;
  response.headers = {};
  const request = new EventEmitter();
  request.destroy = () => {};
  process.nextTick(() => {
    (typeof options === "function" ? options : callback)(response);
    response.end(body ?? "");
  });
  return request;
};

process.argv = [process.argv[0], "powerbi-report-author", "validate", ...args];
await import("@microsoft/powerbi-report-authoring-cli/cli");
