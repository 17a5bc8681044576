// A second subgraph, the way another team's service would be: who funds each programme.
// It extends edm-graph's Programme (by its `code` key) with `funders`, and its own Funder
// points back at the programmes it funds, which the gateway resolves through edm-graph's
// `_entities`. Run: node funding.mjs PORT (prints {"ready": url} once listening).
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";

import { buildSubgraphSchema } from "@apollo/subgraph";
import { graphql, parse } from "graphql";

export const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])

  "A funder of the network's programmes."
  type Funder {
    name: String!
    since: Int!
    "The programmes it funds (edm-graph's, null where the viewer may not see one)."
    programmes: [Programme]!
  }

  # edm-graph's programme (its description is edm-graph's), as this subgraph knows it.
  type Programme @key(fields: "code") {
    code: String!
    "Who funds it."
    funders: [Funder!]!
  }

  type Query {
    "Every funder."
    funders: [Funder!]!
  }
`);

const FUNDERS = [
  { name: "Agence française de développement", since: 2016, codes: ["FANSOTO", "YIKRI"] },
  { name: "Fondation Raja", since: 2019, codes: ["FANSOTO"] },
  { name: "Fondation de France", since: 2012, codes: ["YIKRI"] },
];

const resolvers = {
  Query: { funders: () => FUNDERS },
  Funder: { programmes: (funder) => funder.codes.map((code) => ({ code })) },
  Programme: {
    __resolveReference: (reference) => ({ code: reference.code }),
    funders: (programme) => FUNDERS.filter((funder) => funder.codes.includes(programme.code)),
  },
};

export const schema = buildSubgraphSchema([{ typeDefs, resolvers }]);

function serve(port) {
  const server = createServer(async (request, response) => {
    let body = "";
    for await (const chunk of request) body += chunk;
    const { query, variables, operationName } = JSON.parse(body || "{}");
    const result = await graphql({ schema, source: query, variableValues: variables, operationName });
    response.writeHead(200, { "content-type": "application/json" });
    response.end(JSON.stringify(result));
  });
  server.listen(port, "127.0.0.1", () => {
    console.log(JSON.stringify({ ready: `http://127.0.0.1:${server.address().port}/graphql` }));
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) serve(Number(process.argv[2] ?? 0));
