// Parses Argdown from stdin with @argdown/core's own parser and model plugins, and prints
// what it read as JSON: errors, statements (title, text, data) and relation counts by type.
import { readFileSync } from "node:fs";
import { ArgdownApplication, DataPlugin, ModelPlugin, ParserPlugin } from "@argdown/core";

const app = new ArgdownApplication();
app.addPlugin(new ParserPlugin(), "parse-input");
app.addPlugin(new DataPlugin(), "build-model");
app.addPlugin(new ModelPlugin(), "build-model");

const response = app.run({
  input: readFileSync(0, "utf8"),
  process: ["parse-input", "build-model"],
  logLevel: "error",
});
const relations = {};
for (const relation of response.relations || []) {
  relations[relation.relationType] = (relations[relation.relationType] || 0) + 1;
}
const statements = Object.values(response.statements || {}).map((statement) => {
  const defining = statement.members.find((member) => member.text !== undefined) || {};
  return { title: statement.title, text: (defining.text || "").trim(), data: defining.data ?? null };
});
const sorted = Object.fromEntries(Object.entries(relations).sort());
process.stdout.write(
  JSON.stringify({
    lexerErrors: (response.lexerErrors || []).map((error) => error.message),
    parserErrors: (response.parserErrors || []).map((error) => error.message),
    exceptions: (response.exceptions || []).map((error) => String(error)),
    frontMatter: response.frontMatter ?? null,
    statements,
    relations: sorted,
    relationList: (response.relations || []).map((r) => [r.from.title, r.relationType, r.to.title]),
  }) + "\n",
);
