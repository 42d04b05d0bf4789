// The yardstick for `npm run bench:boot`: the smallest broker that does the same job with the same
// libraries (Express + the official SDK): create a session, poll until READY, consume, answer the
// credentials. No auth, limits, idempotency, metrics, logs or cleanup: what any broker must pay.
import express from 'express';
import RunwayML from '@runwayml/sdk';

const baseURL = process.env.RUNWAYML_BASE_URL!;
const sdk = new RunwayML({ apiKey: process.env.RUNWAYML_API_SECRET!, baseURL, maxRetries: 0 });
const app = express();
app.use(express.json());
app.get('/readyz', (_req, res) => {
  res.json({ status: 'ready' });
});
app.post('/api/avatar/session', async (req: express.Request<object, unknown, { avatarId: 'music-superstar' }>, res) => {
  try {
    const { id } = await sdk.realtimeSessions.create({ model: 'gwm1_avatars', avatar: { type: 'runway-preset', presetId: req.body.avatarId } });
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      const session = await sdk.realtimeSessions.retrieve(id);
      if (session.status !== 'READY') continue;
      const consumed = await fetch(`${baseURL}/v1/realtime_sessions/${id}/consume`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${session.sessionKey}`, 'Content-Type': 'application/json', 'X-Runway-Version': '2024-11-06' },
      });
      const { url, token, roomName } = (await consumed.json()) as { url: string; token: string; roomName: string };
      res.json({ sessionId: id, serverUrl: url, token, roomName });
      return;
    }
  } catch (err) {
    res.status(502).json({ error: String(err) });
  }
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
