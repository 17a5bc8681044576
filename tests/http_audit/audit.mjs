// Runs graphql-http's server audits against URL (argv[2]) and prints one JSON line per audit:
// {id, name, status, reason}. Extra request headers come as JSON in argv[3].
import { auditServer } from 'graphql-http';

const url = process.argv[2];
const headers = JSON.parse(process.argv[3] ?? '{}');
const fetchWithHeaders = (input, init = {}) =>
  fetch(input, { ...init, headers: { ...headers, ...(init.headers ?? {}) } });
const results = await auditServer({ url, fetchFn: fetchWithHeaders });
for (const result of results) {
  const line = { id: result.id, name: result.name, status: result.status };
  if (result.status !== 'ok') line.reason = result.reason;
  console.log(JSON.stringify(line));
}
