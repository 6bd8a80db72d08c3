import { spawn, type ChildProcess } from 'node:child_process';
import type { types } from 'mediasoup';
import type { ProducerAppData } from '../src/room/appData.js';
import type { MediaService } from '../src/service.js';

/**
 * A camera and a microphone for tests: ffmpeg encodes a test pattern (VP8) and a tone (Opus)
 * and sends them as RTP to plain transports on `router` (the mediasoup broadcaster pattern:
 * ffmpeg sends RTP and RTCP from different ports, so `rtcpMux: false, comedia: true`).
 */
export interface RtpSource<T extends types.AppData = types.AppData> {
  readonly video: types.Producer<T>;
  readonly audio: types.Producer<T>;
  close(): void;
}

const VIDEO_PT = 101;
const VIDEO_SSRC = 22222222;
const AUDIO_PT = 100;
const AUDIO_SSRC = 11111111;

export async function startRtpSource<T extends types.AppData = types.AppData>(
  router: types.Router,
  appData: { video?: T; audio?: T } = {},
): Promise<RtpSource<T>> {
  const plain = () =>
    router.createPlainTransport({
      listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
      rtcpMux: false,
      comedia: true,
    });
  const videoTransport = await plain();
  const audioTransport = await plain();
  const video = await videoTransport.produce<T>({
    kind: 'video',
    rtpParameters: {
      codecs: [{ mimeType: 'video/VP8', payloadType: VIDEO_PT, clockRate: 90000 }],
      encodings: [{ ssrc: VIDEO_SSRC }],
    },
    ...(appData.video ? { appData: appData.video } : {}),
  });
  const audio = await audioTransport.produce<T>({
    kind: 'audio',
    rtpParameters: {
      codecs: [{ mimeType: 'audio/opus', payloadType: AUDIO_PT, clockRate: 48000, channels: 2 }],
      encodings: [{ ssrc: AUDIO_SSRC }],
    },
    ...(appData.audio ? { appData: appData.audio } : {}),
  });
  const v = videoTransport.tuple;
  const a = audioTransport.tuple;
  const ffmpeg: ChildProcess = spawn(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-re',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=640x360:rate=20',
      '-re',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=48000',
      '-map',
      '0:v',
      '-c:v',
      'libvpx',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      '-b:v',
      '400k',
      // A key frame every second: ffmpeg sends no PLI answers (a browser would).
      '-g',
      '20',
      '-ssrc',
      String(VIDEO_SSRC),
      '-payload_type',
      String(VIDEO_PT),
      '-f',
      'rtp',
      `rtp://${v.localAddress}:${v.localPort}?rtcpport=${videoTransport.rtcpTuple?.localPort ?? v.localPort + 1}&pkt_size=1200`,
      '-map',
      '1:a',
      '-c:a',
      'libopus',
      '-ac',
      '2',
      '-ssrc',
      String(AUDIO_SSRC),
      '-payload_type',
      String(AUDIO_PT),
      '-f',
      'rtp',
      `rtp://${a.localAddress}:${a.localPort}?rtcpport=${audioTransport.rtcpTuple?.localPort ?? a.localPort + 1}&pkt_size=1200`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return {
    video,
    audio,
    close: () => {
      ffmpeg.kill('SIGKILL');
      videoTransport.close();
      audioTransport.close();
    },
  };
}

/**
 * Gives a joined peer a camera and a microphone (ffmpeg's test pattern and tone) as if it had
 * produced them: recordings and live streams read a room's producers, whatever transport fed them.
 */
export async function publishTestMedia(
  media: MediaService,
  roomId: string,
  peerId: string,
): Promise<RtpSource<ProducerAppData>> {
  const room = (await media.rooms.list()).find((r) => r.id === roomId);
  const peer = room?.peers.get(peerId);
  if (!room || !peer) throw new Error(`no peer ${peerId} in room ${roomId}`);
  const source = await startRtpSource<ProducerAppData>(room.router, {
    video: { peerId, source: 'camera' },
    audio: { peerId, source: 'mic' },
  });
  peer.producers.set(source.video.id, source.video);
  peer.producers.set(source.audio.id, source.audio);
  return source;
}
