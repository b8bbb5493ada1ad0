/**
 * A real cluster on this machine, for the multi-node suite (`test/cluster/`) and `npm run bench -- cluster`: a fresh
 * PostgreSQL database (on the server `IDV_TEST_PG_URL` names), an S3-protocol server (s3rver), N `idv-server`
 * processes and nginx as a round-robin load balancer in front (the configuration the README's "Running in
 * production" section shows), plus a callback receiver that records every delivery.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startS3Server, type TestS3Server } from './s3-server.js';
import { CreateAccountResponse, TokenResponse } from '../../src/shared/api/index.js';
import { basicAuth, createClientWithCli, runCli, type ServerProcess, spawnServer } from './server.js';

export const NGINX_CANDIDATES = ['/usr/sbin/nginx', '/usr/bin/nginx'];

export function nginxPath(): string | undefined {
  return NGINX_CANDIDATES.find((path) => existsSync(path));
}

/** Why the cluster cannot run here, or undefined when it can. */
export function clusterUnavailable(): string | undefined {
  if (!process.env.IDV_TEST_PG_URL) return 'IDV_TEST_PG_URL is not set (no PostgreSQL)';
  if (!nginxPath()) return 'nginx is not installed (apt-get install nginx)';
  return undefined;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The nginx configuration of the README, with this run's ports and paths. */
export function nginxConfig(opts: {
  prefix: string;
  listenPort: number;
  nodePorts: number[];
  asRoot: boolean;
}): string {
  const upstreams = opts.nodePorts
    .map((port) => `    server 127.0.0.1:${port} max_fails=1 fail_timeout=2s;`)
    .join('\n');
  return `${opts.asRoot ? 'user root;\n' : ''}worker_processes 1;
pid ${opts.prefix}/nginx.pid;
error_log ${opts.prefix}/error.log warn;
events { worker_connections 1024; }
http {
  log_format upstream '$request_method $uri $status $upstream_addr';
  access_log ${opts.prefix}/access.log upstream;
  client_body_temp_path ${opts.prefix}/client_body;
  proxy_temp_path ${opts.prefix}/proxy;
  fastcgi_temp_path ${opts.prefix}/fastcgi;
  uwsgi_temp_path ${opts.prefix}/uwsgi;
  scgi_temp_path ${opts.prefix}/scgi;

  # Uploads are at most 16 MB (the server's own cap); nginx buffers a body whole before a node sees it.
  client_max_body_size 16m;

  upstream idv {
    # Round robin (the default). A node that fails a connection is skipped for fail_timeout.
${upstreams}
    keepalive 16;
  }

  server {
    listen 127.0.0.1:${opts.listenPort};
    location / {
      proxy_pass http://idv;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      # idv-server with IDV_TRUST_PROXY=1 takes the last X-Forwarded-For entry as the client address.
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      # A node that is down (connection refused, 502/503) is skipped; a request already sent to a node that died is
      # not replayed for POST (nginx's default for non-idempotent methods): the client retries it.
      proxy_next_upstream error timeout http_502 http_503;
      proxy_next_upstream_tries 3;
      proxy_connect_timeout 2s;
      proxy_read_timeout 60s;
    }
  }
}
`;
}

export interface CallbackDelivery {
  webhookId: string;
  body: string;
  headers: Record<string, string>;
  receivedAt: number;
}

export interface CallbackReceiver {
  url: string;
  deliveries: CallbackDelivery[];
  close(): Promise<void>;
}

/** Records every callback; answers 503 to the first attempt of every `failEvery`-th message (retries must follow). */
export async function startCallbackReceiver(failEvery = 0): Promise<CallbackReceiver> {
  const deliveries: CallbackDelivery[] = [];
  const seen = new Set<string>();
  let messages = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const webhookId = String(req.headers['webhook-id'] ?? '');
      const first = !seen.has(webhookId);
      seen.add(webhookId);
      if (first) messages += 1;
      if (first && failEvery > 0 && messages % failEvery === 0) {
        res.writeHead(503).end();
        return;
      }
      deliveries.push({
        webhookId,
        body: Buffer.concat(chunks).toString(),
        headers: Object.fromEntries(
          ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => [
            name,
            String(req.headers[name]),
          ]),
        ),
        receivedAt: Date.now(),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/callback`,
    deliveries,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface ClusterNode {
  nodeId: string;
  port: number;
  process: ServerProcess;
  /** Everything every life of this node printed (a killed node's output stays). */
  outputs: string[];
}

export interface Cluster {
  /** The load balancer's origin: what clients use. */
  url: string;
  nodes: ClusterNode[];
  s3: TestS3Server;
  databaseUrl: string;
  db: pg.Pool;
  client: { clientId: string; clientSecret: string; webhookSecret: string };
  /** Environment of node `i` (the README's settings). */
  nodeEnv(i: number): Record<string, string>;
  /** SIGKILL: no shutdown, no cleanup (a crashed machine). */
  kill(i: number): Promise<void>;
  /** Starts node `i` again on its port with the same node id. */
  restart(i: number): Promise<void>;
  /** `METHOD uri status upstream` lines nginx logged. */
  accessLog(): string[];
  close(): Promise<void>;
}

export interface ClusterOptions {
  nodes: number;
  /** Extra environment for every node. */
  env?: Record<string, string>;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const baseUrl = process.env.IDV_TEST_PG_URL as string;
  const databaseName = `idv_cluster_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`create database ${databaseName}`);
  await admin.end();
  const databaseUrl = new URL(baseUrl);
  databaseUrl.pathname = `/${databaseName}`;
  const root = mkdtempSync(join(tmpdir(), 'idv-cluster-'));
  const s3 = await startS3Server('idv-cluster');
  const listenPort = await freePort();
  const nodePorts: number[] = [];
  for (let i = 0; i < options.nodes; i++) nodePorts.push(await freePort());
  const url = `http://127.0.0.1:${listenPort}`;

  const nodeEnv = (i: number): Record<string, string> => ({
    PORT: String(nodePorts[i]),
    IDV_NODE_ID: `node-${i + 1}`,
    IDV_DATABASE_URL: databaseUrl.toString(),
    IDV_DATA_DIR: join(root, `node-${i + 1}`),
    IDV_PUBLIC_URL: url,
    IDV_TRUST_PROXY: '1',
    IDV_ALLOW_LOOPBACK_CALLBACKS: '1',
    IDV_FACE_WORKERS: '1',
    // Set: bin/idv-server.js runs the server in its own process (no allocator re-exec), so SIGKILL hits the server.
    MALLOC_ARENA_MAX: '2',
    IDV_LOG_LEVEL: 'info',
    IDV_POLL_MS: '200',
    IDV_JOB_LEASE_MS: '3000',
    IDV_WEBHOOK_RETRY_SCHEDULE_MS: '300,600,1200,2400,4800',
    ...s3.env(),
    ...options.env,
  });

  // Migrations and the API client before any node starts, as an operator would (`idv-server migrate`).
  const migrate = await runCli(['migrate'], nodeEnv(0));
  if (migrate.code !== 0) throw new Error(`migrate failed: ${migrate.stderr}`);
  const created = (await createClientWithCli(nodeEnv(0), 'Cluster shop', 'https://shop.example')) as {
    clientId: string;
    clientSecret: string;
    webhookSecret: string;
  };

  const nodes: ClusterNode[] = [];
  const startNode = async (i: number): Promise<ServerProcess> => {
    const child = await spawnServer(nodeEnv(i));
    return child;
  };
  const started = await Promise.all(nodePorts.map((_, i) => startNode(i)));
  started.forEach((child, i) => {
    nodes.push({ nodeId: `node-${i + 1}`, port: nodePorts[i] as number, process: child, outputs: [] });
  });

  const prefix = join(root, 'nginx');
  mkdirSync(prefix, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  writeFileSync(join(prefix, 'nginx.conf'), nginxConfig({ prefix, listenPort, nodePorts, asRoot }));
  const nginx: ChildProcess = spawn(
    nginxPath() as string,
    ['-p', prefix, '-e', join(prefix, 'error.log'), '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let nginxErrors = '';
  nginx.stderr?.on('data', (chunk: Buffer) => {
    nginxErrors += chunk.toString();
  });
  await waitFor(
    async () => (await fetch(`${url}/livez`).catch(() => undefined))?.status === 200,
    10_000,
    () => `nginx did not come up: ${nginxErrors}`,
  );
  const db = new pg.Pool({ connectionString: databaseUrl.toString(), max: 2 });

  return {
    url,
    nodes,
    s3,
    databaseUrl: databaseUrl.toString(),
    db,
    client: created,
    nodeEnv,
    async kill(i) {
      const node = nodes[i] as ClusterNode;
      const { child } = node.process;
      if (child.exitCode !== null || child.signalCode !== null) return;
      await node.process.stop('SIGKILL');
      node.outputs.push(node.process.output());
    },
    async restart(i) {
      const node = nodes[i] as ClusterNode;
      node.process = await startNode(i);
    },
    accessLog() {
      const path = join(prefix, 'access.log');
      return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
    },
    async close() {
      const step = (name: string) =>
        process.env.IDV_CLUSTER_DEBUG && console.log(`# close: ${name} ${Date.now()}`);
      step('nodes');
      await Promise.all(
        nodes.map(async (node) => {
          // A killed node has exited already (exitCode stays null for a signal, so ask signalCode too).
          const { child } = node.process;
          if (child.exitCode === null && child.signalCode === null) await node.process.stop('SIGTERM');
          node.outputs.push(node.process.output());
        }),
      );
      step('nginx');
      if (nginx.exitCode === null) {
        await new Promise<void>((resolve) => {
          nginx.once('exit', () => resolve());
          // Fast shutdown: a graceful one (SIGQUIT) would wait for the clients' idle keep-alive connections.
          nginx.kill('SIGTERM');
        });
      }
      step('db');
      await db.end();
      step('s3');
      await s3.close().catch(() => {});
      step('drop');
      const cleanup = new pg.Client({ connectionString: baseUrl });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${databaseName} with (force)`);
      await cleanup.end();
      rmSync(root, { recursive: true, force: true });
      step('done');
    },
  };
}

export async function waitFor(
  condition: () => Promise<boolean> | boolean,
  timeoutMs: number,
  message: () => string,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(message());
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** nginx present but not on PATH for `.ci/run`-style checks. */
export function nginxVersion(): string | undefined {
  const path = nginxPath();
  if (!path) return undefined;
  return spawnSync(path, ['-v'], { encoding: 'utf8' }).stderr.trim();
}

/** How a caller sends one request through the balancer (a plain fetch, or one that retries a dead node's 502). */
export type ClusterSend = (url: string, init: () => RequestInit) => Promise<Response>;
const sendOnce: ClusterSend = (url, init) => fetch(url, init());

/** An OAuth access token of the cluster's API client, fetched through the balancer. */
export async function clusterAccessToken(cluster: Cluster, send: ClusterSend = sendOnce): Promise<string> {
  const response = await send(`${cluster.url}/oauth2/token`, () => ({
    method: 'POST',
    headers: {
      authorization: basicAuth(cluster.client.clientId, cluster.client.clientSecret),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  }));
  if (response.status !== 200) throw new Error(`token: HTTP ${response.status} ${await response.text()}`);
  return TokenResponse.parse(await response.json()).access_token;
}

/** A 10011 account (ID + SELFIE) created through the balancer; `extra` adds body fields such as `callbackUrl`. */
export async function createClusterAccount(
  cluster: Cluster,
  accessToken: string,
  reference: string,
  extra: Record<string, unknown> = {},
  send: ClusterSend = sendOnce,
): Promise<CreateAccountResponse> {
  const response = await send(`${cluster.url}/api/v1/accounts`, () => ({
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      customerInternalReference: reference,
      workflowDefinition: { key: 10011, credentials: [{ category: 'ID' }, { category: 'SELFIE' }] },
      ...extra,
    }),
  }));
  if (response.status !== 201) throw new Error(`account: HTTP ${response.status} ${await response.text()}`);
  return CreateAccountResponse.parse(await response.json());
}
