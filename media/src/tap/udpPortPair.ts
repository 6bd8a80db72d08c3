import { createSocket, type Socket } from 'node:dgram';

function bindUdp(ip: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', (err) => {
      socket.close();
      reject(err);
    });
    socket.bind(port, ip, () => resolve(socket));
  });
}

function closeUdp(socket: Socket): Promise<void> {
  return new Promise((resolve) => socket.close(() => resolve()));
}

/**
 * Two consecutive free UDP ports on `ip` (RTP even, RTCP the next: ffmpeg's default), found by
 * binding and releasing them. ffmpeg binds them a moment later; another process could take one
 * meanwhile, in which case ffmpeg fails to start and the caller reports it.
 */
export async function reserveUdpPortPair(
  ip: string,
  tries = 20,
): Promise<{ rtpPort: number; rtcpPort: number }> {
  for (let i = 0; i < tries; i++) {
    const first = await bindUdp(ip, 0);
    const port = first.address().port;
    const rtpPort = port % 2 === 0 ? port : port + 1;
    if (rtpPort + 1 > 65535) {
      await closeUdp(first);
      continue;
    }
    const held = [first];
    try {
      if (rtpPort !== port) held.push(await bindUdp(ip, rtpPort));
      held.push(await bindUdp(ip, rtpPort + 1));
      return { rtpPort, rtcpPort: rtpPort + 1 };
    } catch {
      // taken: try another pair
    } finally {
      await Promise.all(held.map(closeUdp));
    }
  }
  throw new Error('no free UDP port pair for ffmpeg');
}
