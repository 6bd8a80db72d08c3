import type { types } from 'mediasoup';
import { sdpMedia } from './sdp.js';
import { reserveUdpPortPair } from './udpPortPair.js';

/**
 * A tap: one mediasoup producer sent over plain RTP to ffmpeg (recording, live-to-HLS).
 *
 * mediasoup sends, ffmpeg listens: for each producer a `PlainTransport` (`comedia: false`,
 * `rtcpMux: false`) is connected to a port pair ffmpeg binds from an SDP file (`sdp.ts`). RTCP
 * goes to the port after the RTP port (ffmpeg's default), and its sender reports are what lets
 * ffmpeg line audio up with video. The consumer starts paused: `runFfmpegOnTaps` resumes it once
 * ffmpeg listens.
 */

/** Loopback by default: ffmpeg runs next to the worker. */
export const TAP_IP = '127.0.0.1';

export interface RtpTap {
  readonly kind: types.MediaKind;
  readonly producerId: string;
  readonly consumer: types.Consumer;
  readonly rtpPort: number;
  readonly rtcpPort: number;
  /** This stream's `m=` section of the SDP ffmpeg reads. */
  sdpMedia(): string;
  close(): void;
}

/**
 * What the tap consumer may receive: the router's codecs of this kind without RTX and without
 * feedback (ffmpeg sends no NACK/PLI), and no header extensions (ffmpeg skips them anyway).
 */
function tapCapabilities(router: types.Router, kind: types.MediaKind): types.RtpCapabilities {
  return {
    codecs: (router.rtpCapabilities.codecs ?? [])
      .filter((c) => c.kind === kind && !/\/rtx$/i.test(c.mimeType))
      .map((c) => ({ ...c, rtcpFeedback: [] })),
    headerExtensions: [],
  };
}

/** A paused consumer of `producer` on its own plain transport, sending to a fresh port pair. */
export async function createRtpTap(
  router: types.Router,
  producer: types.Producer,
  ip = TAP_IP,
): Promise<RtpTap> {
  const transport = await router.createPlainTransport({
    listenInfo: { protocol: 'udp', ip },
    rtcpMux: false,
    comedia: false,
  });
  try {
    const { rtpPort, rtcpPort } = await reserveUdpPortPair(ip);
    await transport.connect({ ip, port: rtpPort, rtcpPort });
    const consumer = await transport.consume({
      producerId: producer.id,
      rtpCapabilities: tapCapabilities(router, producer.kind),
      paused: true,
    });
    // Simulcast cameras: the best layer is recorded (no bandwidth estimation on this transport).
    if (consumer.type === 'simulcast' || consumer.type === 'svc')
      await consumer.setPreferredLayers({ spatialLayer: 3, temporalLayer: 3 });
    consumer.observer.once('close', () => transport.close());
    return {
      kind: producer.kind,
      producerId: producer.id,
      consumer,
      rtpPort,
      rtcpPort,
      sdpMedia: () => sdpMedia(producer.kind, rtpPort, consumer.rtpParameters),
      close: () => transport.close(),
    };
  } catch (err) {
    transport.close();
    throw err;
  }
}
