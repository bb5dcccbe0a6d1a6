// Queries per request, read from the server's own counters in /metrics (crm_db_queries_total{route},
// crm_db_cache_refill_queries_total{route}, crm_db_round_trips{method,route}): snapshot before a
// measured run, then what each request of one route sent in between.

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$/;

async function scrape(base) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const samples = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[2].matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

const sum = (samples, name, labels) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);

/** Starts counting; `perRequest(method, route)` later answers that route's figures per request since. */
export async function countQueries(base) {
  const before = await scrape(base);
  return {
    async perRequest(method, route) {
      const after = await scrape(base);
      const d = (name, labels) => sum(after, name, labels) - sum(before, name, labels);
      const requests = d('crm_db_round_trips_count', { method, route });
      const per = (n) => (requests ? n / requests : 0);
      return {
        requests,
        queries: per(d('crm_db_queries_total', { route })),
        refills: per(d('crm_db_cache_refill_queries_total', { route })),
        roundTrips: per(d('crm_db_round_trips_sum', { method, route })),
      };
    },
  };
}

/** One line: queries per request (cache refills among them), round trips until the response. */
export function queriesLine(label, c) {
  return `${label}: ${c.queries.toFixed(2)} queries per request (of which cache refills ${c.refills.toFixed(3)}), ${c.roundTrips.toFixed(2)} round trips before the response, over ${c.requests} requests`;
}
