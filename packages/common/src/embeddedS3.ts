import { mkdir } from 'node:fs/promises';
import S3rver from 's3rver';
import { listenError } from './http.js';

export interface EmbeddedS3 {
  readonly endpoint: string;
  close(): Promise<void>;
}

/**
 * An S3-compatible endpoint in this process (s3rver), so that the embedded mode and the tests
 * go through the same S3 code path as production. Files live under `directory`.
 */
export async function startEmbeddedS3(options: {
  directory: string;
  port: number;
  bucket: string;
  host?: string;
}): Promise<EmbeddedS3> {
  await mkdir(options.directory, { recursive: true });
  const host = options.host ?? '127.0.0.1';
  const server = new S3rver({
    address: host,
    port: options.port,
    directory: options.directory,
    silent: true,
    configureBuckets: [{ name: options.bucket }],
  });
  let address;
  try {
    address = await server.run();
  } catch (err) {
    throw listenError(
      { service: 'all-in-one', port: options.port, host, variable: 'S3_PORT' },
      (err as NodeJS.ErrnoException).code === 'EADDRINUSE'
        ? 'is already in use'
        : `cannot be opened (${String(err)})`,
    );
  }
  let closed: Promise<void> | undefined;
  return {
    endpoint: `http://${host}:${address.port}`,
    close: () => (closed ??= server.close()),
  };
}
