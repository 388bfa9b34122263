/**
 * The ceiling: a bare Fastify server, configured as Gatehouse's is (no logger), with one route
 * answering a small fixed JSON body. The bench drives it with the same load generator as
 * Gatehouse, so each Gatehouse figure reads as a fraction of what Node and Fastify do here.
 */
import Fastify from 'fastify';

const port = Number(process.env.PORT ?? 0);
const app = Fastify({ logger: false });
const body = { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0 };

app.get('/ping', async () => body);

process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});

await app.listen({ port, host: '127.0.0.1' });
