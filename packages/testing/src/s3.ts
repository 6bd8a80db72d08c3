import { createServer, request, type IncomingMessage } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createS3Client, type StorageConfig } from '@learnlive/common';
import { startEmbeddedS3 } from '@learnlive/common/embedded';
import type { S3Client } from '@aws-sdk/client-s3';

export interface TestS3 {
  readonly storage: StorageConfig;
  readonly client: S3Client;
  stop(): Promise<void>;
}

/** s3rver on port 0 with a fresh directory and bucket. */
export async function startS3(bucket = 'test-bucket'): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const s3 = await startEmbeddedS3({ directory, port: 0, bucket });
  const storage: StorageConfig = {
    endpoint: s3.endpoint,
    region: 'us-east-1',
    bucket,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    forcePathStyle: true,
  };
  const client = createS3Client(storage);
  return {
    storage,
    client,
    stop: async () => {
      client.destroy();
      await s3.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

export interface S3FaultProxy {
  /** The proxy's URL: a service's `S3_ENDPOINT`. */
  readonly endpoint: string;
  close(): Promise<void>;
}

/** Whether a request is a multi-object delete (S3's `POST /bucket?delete`). */
export function isDeleteObjects(req: IncomingMessage): boolean {
  return req.method === 'POST' && new URL(req.url ?? '/', 'http://x').searchParams.has('delete');
}

/**
 * A real HTTP hop in front of s3rver (`target`, its endpoint) for storage faults on demand: each
 * request `refuse` picks is answered 503 SlowDown, every other one passes through.
 */
export async function startS3FaultProxy(
  target: string,
  refuse: (req: IncomingMessage) => boolean,
): Promise<S3FaultProxy> {
  const upstreamUrl = new URL(target);
  const proxy = createServer((req, res) => {
    if (refuse(req)) {
      req.resume();
      res.writeHead(503, { 'content-type': 'application/xml' }).end('<Error><Code>SlowDown</Code></Error>');
      return;
    }
    const upstream = request(
      {
        host: upstreamUrl.hostname,
        port: upstreamUrl.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        proxy.closeAllConnections();
        proxy.close(() => resolve());
      }),
  };
}
