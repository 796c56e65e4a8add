/**
 * The cost floor, as a CHILD PROCESS measured exactly like keygate's (child-meter.ts): a bare
 * `node:http` server that does what any sign-in server must do and nothing else.
 *  - POST /options: read the JSON body, parse it, answer JSON with a fresh 32-byte challenge;
 *  - POST /result: read the JSON body, parse it, ONE ECDSA P-256 `crypto.verify` (SHA-256)
 *    against a KeyObject made at start over a ready signed message, answer JSON.
 * A floor "sign-in" is those two requests, sent by the same client with the same bodies as a
 * keygate sign-in (bench/server-cpu.ts). No framework, cookies, store, headers or checks.
 * Started by the bench with IPC; sends `{ type: 'ready', port }` once listening on 127.0.0.1.
 */
import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
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

const server = createServer((req, res) => {
  readJson(req).then(
    () => {
      let body: string;
      if (req.url === '/options') body = JSON.stringify({ status: 'ok', errorMessage: '', challenge: randomBytes(32).toString('base64url') });
      else if (req.url === '/result') body = JSON.stringify({ status: verify('sha256', signed, publicKey, signature) ? 'ok' : 'failed', errorMessage: '' });
      else {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    },
    () => res.writeHead(400).end(),
  );
});
serveChildMeter({});
server.listen(0, '127.0.0.1', () => process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port }));
