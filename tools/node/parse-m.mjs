// Parses Power Query (M) documents with @microsoft/powerquery-parser.
// Input on stdin: a JSON object {name: M text}. Output on stdout: a JSON object
// {name: null | "error message"}; exit code 1 when any document fails to lex or parse.
import { readFileSync } from "node:fs";
import { DefaultSettings, TaskUtils } from "@microsoft/powerquery-parser";

const documents = JSON.parse(readFileSync(0, "utf8"));
const results = {};
for (const [name, text] of Object.entries(documents)) {
  const task = await TaskUtils.tryLexParse(DefaultSettings, text);
  if (TaskUtils.isParseStageOk(task)) {
    results[name] = null;
  } else {
    const error = task.error ?? {};
    results[name] = String(error.message ?? error.innerError?.message ?? task.stage ?? "failed");
  }
}
process.stdout.write(JSON.stringify(results));
process.exitCode = Object.values(results).some((r) => r !== null) ? 1 : 0;
