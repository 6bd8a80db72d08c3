import type { types } from 'mediasoup';

/** One stream's `m=` section of the SDP ffmpeg reads: the consumer's codec, on `port`. */
export function sdpMedia(kind: types.MediaKind, port: number, rtp: types.RtpParameters): string {
  const codec = rtp.codecs[0]!;
  const name = codec.mimeType.split('/')[1]!;
  const lines = [
    `m=${kind} ${port} RTP/AVP ${codec.payloadType}`,
    `a=rtpmap:${codec.payloadType} ${name}/${codec.clockRate}${codec.channels && codec.channels > 1 ? `/${codec.channels}` : ''}`,
  ];
  const fmtp = Object.entries(codec.parameters ?? {})
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(';');
  if (fmtp) lines.push(`a=fmtp:${codec.payloadType} ${fmtp}`);
  lines.push('a=recvonly');
  return lines.join('\r\n');
}

/** The SDP ffmpeg reads to receive `media` (`m=` sections, in order) sent to `ip`. */
export function sdpSession(ip: string, media: readonly string[]): string {
  return (
    ['v=0', `o=- 0 0 IN IP4 ${ip}`, 's=LearnLive tap', `c=IN IP4 ${ip}`, 't=0 0', ...media].join('\r\n') +
    '\r\n'
  );
}
