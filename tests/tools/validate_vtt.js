// Independent WebVTT check: the W3C-used `webvtt-parser`. Reads files named on the command line and
// prints one JSON line per file: {file, errors: [...], cues: [{id, startTime, endTime, text}]}.
// Exit code 1 when any file has an error.
const fs = require("fs");
const path = require("path");
const { WebVTTParser } = require(path.join(__dirname, "..", "..", "node_modules", "webvtt-parser"));
const entities = require(path.join(__dirname, "..", "..", "node_modules", "webvtt-parser", "html-entities.json"));

let failed = false;
for (const file of process.argv.slice(2)) {
  const text = fs.readFileSync(file, "utf8");
  const tree = new WebVTTParser(entities).parse(text, "subtitles/captions");
  const errors = tree.errors.map((e) => ({ message: e.message, line: e.line, col: e.col }));
  if (errors.length) failed = true;
  const cues = tree.cues.map((c) => ({ id: c.id, startTime: c.startTime, endTime: c.endTime, text: c.text }));
  console.log(JSON.stringify({ file, errors, cues }));
}
process.exit(failed ? 1 : 0);
