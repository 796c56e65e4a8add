/**
 * The cost floor, as a CHILD PROCESS measured exactly like keygate's (child-meter.ts): a bare
 * `node:http` server that does what any sign-in server must do and nothing else.
 *  - POST /options: read the JSON body, parse it, answer JSON with a fresh 32-byte challenge;
 *  - POST /result: read the JSON body, parse it, ONE ECDSA P-256 `crypto.verify` (SHA-256)
 *    against a KeyObject made at start over a ready signed message, answer JSON.
 * A floor "sign-in" is those two requests, sent by the same client with the same bodies as a
 * keygate sign-in (bench/server-cpu.ts). No framework, cookies, store, headers or checks.
 * Started by the bench with IPC; sends `{ type: 'ready', port }` once listening on 127.0.0.1.
 *
 * With FLOOR_STACK=express the same two routes run on Express 5 (`express.json()` and
 * `res.json()`, the app's settings as keygate sets them: no x-powered-by, no ETag): the floor
 * of the chosen stack, so the bench can say how much of keygate's cost is the framework's.
 */
import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener } from 'node:http';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { serveChildMeter } from './child-meter.js';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
// authenticatorData (37 bytes) || SHA-256(clientDataJSON): what a WebAuthn signature covers.
const signed = randomBytes(37 + 32);
const signature = sign('sha256', signed, privateKey);

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', reject);
  });
}

const bare: RequestListener = (req, res) => {
  readJson(req).then(
    () => {
      let body: string;
      if (req.url === '/options') body = JSON.stringify(optionsReply());
      else if (req.url === '/result') body = JSON.stringify(resultReply());
      else {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    },
    () => res.writeHead(400).end(),
  );
};

function onExpress(): RequestListener {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(express.json());
  app.post('/options', (_req, res) => void res.json(optionsReply()));
  app.post('/result', (_req, res) => void res.json(resultReply()));
  return app;
}

const optionsReply = () => ({ status: 'ok', errorMessage: '', challenge: randomBytes(32).toString('base64url') });
const resultReply = () => ({ status: verify('sha256', signed, publicKey, signature) ? 'ok' : 'failed', errorMessage: '' });

const server = createServer(process.env.FLOOR_STACK === 'express' ? onExpress() : bare);
serveChildMeter({});
server.listen(0, '127.0.0.1', () => process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port }));
