// Composes edm-graph's subgraph SDL with the funding subgraph's, as `rover supergraph
// compose` would: node compose.mjs EDM_SDL_FILE EDM_URL FUNDING_URL SUPERGRAPH_FILE.
// Prints {"hints": [...]} and writes the supergraph, or prints {"errors": [...]}, exit 1.
import { readFileSync, writeFileSync } from "node:fs";

import { composeServices } from "@apollo/composition";
import { parse } from "graphql";

import { typeDefs } from "./funding.mjs";

const [edmSdl, edmUrl, fundingUrl, out] = process.argv.slice(2);
const result = composeServices([
  { name: "edm", url: edmUrl, typeDefs: parse(readFileSync(edmSdl, "utf8")) },
  { name: "funding", url: fundingUrl, typeDefs },
]);
if (result.errors) {
  console.log(JSON.stringify({ errors: result.errors.map((error) => error.message) }));
  process.exit(1);
}
writeFileSync(out, result.supergraphSdl);
console.log(JSON.stringify({ hints: result.hints.map((hint) => hint.toString()) }));
