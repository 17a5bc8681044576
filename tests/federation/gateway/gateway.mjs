// @apollo/gateway (under @apollo/server) over a composed supergraph, passing the client's
// Authorization header on to every subgraph: node gateway.mjs SUPERGRAPH_FILE PORT.
// Prints {"ready": url} once listening.
import { readFileSync } from "node:fs";

import { ApolloGateway, RemoteGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";

const [supergraph, port] = process.argv.slice(2);

class PassToken extends RemoteGraphQLDataSource {
  willSendRequest({ request, context }) {
    if (context.authorization) request.http.headers.set("authorization", context.authorization);
  }
}

const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(supergraph, "utf8"),
  buildService: ({ url }) => new PassToken({ url }),
});
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, {
  listen: { host: "127.0.0.1", port: Number(port) },
  context: async ({ req }) => ({ authorization: req.headers.authorization }),
});
console.log(JSON.stringify({ ready: url }));
