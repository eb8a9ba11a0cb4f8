/** The baseline of `bench:ingress`: Fastify answering 202 to the same request, doing nothing else. */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/api/webhooks/beds24', async (_req, reply) =>
  reply.code(202).send({ received: true, timestamp: new Date().toISOString() }),
);
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
console.log('bare server ready');
